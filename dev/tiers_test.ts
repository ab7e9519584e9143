/**
 * Enforces the repo's layering (issue #10 §3): each deployable (analyzer/, functions/, web/)
 * imports only shared/ and itself, shared/ imports only itself, and no non-test module takes
 * part in an import cycle. Tests and test helpers may import across tiers (they run from the
 * repo, never deploy).
 */
import assert from "node:assert/strict";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
/** Top-level directories and what each may import besides itself. */
const TIERS: Record<string, readonly string[]> = {
  analyzer: ["shared"],
  functions: ["shared"],
  web: ["shared"],
  shared: [],
};
/** Directories whose modules are checked for cycles (everything that is ours). */
const CYCLE_ROOTS = ["analyzer", "functions", "web", "shared", "scripts", "dev", "bench", "deploy"];
const SKIP_DIRS = new Set(["node_modules", "dist", ".data"]);

/** A test or bench file (nothing imports these, so they cannot close a cycle). */
export function isTestFile(path: string): boolean {
  return /_(test|bench)\.ts$/.test(path);
}

/** Test code: test and bench files, and helpers that exist only for them. */
export function isTestModule(path: string): boolean {
  const parts = path.split("/");
  const name = parts[parts.length - 1];
  return /_(test|bench)\.ts$/.test(name) || name === "testing.ts" ||
    name.startsWith("testing_") || parts.includes("testing");
}

/** Relative specifiers of static imports, re-exports and literal dynamic imports. */
export function importSpecifiers(source: string): string[] {
  // Comments could hold example imports; strip them before matching.
  const code = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  const out: string[] = [];
  const re =
    /(?:\bimport|\bexport)\s[^"'`;]*?\bfrom\s*["']([^"']+)["']|\bimport\s*["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']\s*\)/g;
  for (const m of code.matchAll(re)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (spec.startsWith(".")) out.push(spec);
  }
  return out;
}

async function _walk(dir: string, out: string[]): Promise<void> {
  for await (const e of Deno.readDir(dir)) {
    if (SKIP_DIRS.has(e.name) || e.name.startsWith(".")) continue;
    const p = join(dir, e.name);
    if (e.isDirectory) await _walk(p, out);
    else if (e.isFile && /\.tsx?$/.test(e.name)) out.push(p);
  }
}

/** Repo-relative path -> repo-relative paths of the modules it imports. */
async function _graph(roots: string[]): Promise<Map<string, string[]>> {
  const files: string[] = [];
  for (const r of roots) await _walk(join(ROOT, r), files).catch(() => {});
  const graph = new Map<string, string[]>();
  for (const f of files) {
    const rel = relative(ROOT, f);
    const specs = importSpecifiers(await Deno.readTextFile(f));
    graph.set(rel, specs.map((s) => relative(ROOT, resolve(dirname(f), s))));
  }
  return graph;
}

/** Tier-crossing imports of non-test modules, as "from -> to" lines. */
export function tierViolations(graph: Map<string, string[]>): string[] {
  const bad: string[] = [];
  for (const [from, deps] of graph) {
    if (isTestModule(from)) continue;
    const tier = from.split("/")[0];
    const allowed = TIERS[tier];
    if (!allowed) continue;
    for (const to of deps) {
      const target = to.split("/")[0];
      if (target !== tier && !allowed.includes(target)) bad.push(`${from} -> ${to}`);
    }
  }
  return bad.sort();
}

/** Import cycles among modules other than test files (test helpers included), as "a -> b -> a". */
export function importCycles(graph: Map<string, string[]>): string[] {
  const cycles: string[] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (n: string) => {
    state.set(n, "open");
    stack.push(n);
    for (const d of graph.get(n) ?? []) {
      if (!graph.has(d) || isTestFile(d)) continue;
      const s = state.get(d);
      if (s === "open") cycles.push([...stack.slice(stack.indexOf(d)), d].join(" -> "));
      else if (s === undefined) visit(d);
    }
    stack.pop();
    state.set(n, "done");
  };
  for (const n of [...graph.keys()].sort()) {
    if (!isTestFile(n) && !state.has(n)) visit(n);
  }
  return cycles;
}

Deno.test("tiers: import parsing finds static, re-export, side-effect and literal dynamic imports", () => {
  const src = `import { a } from "./a.ts";
import type { B } from "../b.ts";
export { c } from "./c.ts";
import "./d.ts";
const e = await import("./e.ts");
import x from "npm:x";
// import { no } from "./commented.ts";
/* import { no2 } from "./block.ts"; */`;
  assert.deepEqual(importSpecifiers(src), ["./a.ts", "../b.ts", "./c.ts", "./d.ts", "./e.ts"]);
});

Deno.test("tiers: the checks catch a crossing import and a cycle", () => {
  const g = new Map([
    ["functions/x/index.ts", ["analyzer/y.ts", "shared/z.ts"]],
    ["analyzer/y.ts", ["analyzer/w.ts"]],
    ["analyzer/w.ts", ["analyzer/y.ts"]],
    ["analyzer/y_test.ts", ["functions/x/index.ts"]],
    ["shared/z.ts", []],
  ]);
  assert.deepEqual(tierViolations(g), ["functions/x/index.ts -> analyzer/y.ts"]);
  assert.deepEqual(importCycles(g), ["analyzer/w.ts -> analyzer/y.ts -> analyzer/w.ts"]);
});

Deno.test("tiers: each deployable imports only shared/ and itself", async () => {
  const graph = await _graph(Object.keys(TIERS));
  assert.ok(graph.size > 100, `walked ${graph.size} modules`);
  assert.deepEqual(tierViolations(graph), []);
});

Deno.test("tiers: no import cycles among non-test modules (test helpers included)", async () => {
  const graph = await _graph(CYCLE_ROOTS);
  assert.deepEqual(importCycles(graph), []);
});
