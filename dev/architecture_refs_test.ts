/**
 * Code comments cite the design of record as `ARCHITECTURE §N` (docs/ARCHITECTURE.md): each cited
 * section must exist there, so a renumbered or removed section cannot leave comments pointing at
 * nothing (issue #10 found 17 such citations of a file that was not in the repo).
 */
import assert from "node:assert/strict";

const ROOT = new URL("../", import.meta.url).pathname;
const SKIP = new Set(["node_modules", ".data", ".git", "dist"]);

async function* _sourceFiles(dir: string): AsyncGenerator<string> {
  for await (const e of Deno.readDir(dir)) {
    if (SKIP.has(e.name)) continue;
    const p = `${dir}/${e.name}`;
    if (e.isDirectory) yield* _sourceFiles(p);
    else if (/\.(ts|yaml|yml|md)$/.test(e.name)) yield p;
  }
}

/** The section numbers docs/ARCHITECTURE.md defines (`## 4.`, `## 4b.`). */
export function sectionNumbers(markdown: string): Set<string> {
  const out = new Set<string>();
  for (const m of markdown.matchAll(/^## ([0-9]+[a-z]?)\./gm)) out.add(m[1]);
  return out;
}

/** Every `ARCHITECTURE §N` cited in a text. */
export function citedSections(text: string): string[] {
  return [...text.matchAll(/ARCHITECTURE(?:\.md)? §([0-9]+[a-z]?)/g)].map((m) => m[1]);
}

Deno.test("architecture refs: the parsers find sections and citations", () => {
  assert.deepEqual([...sectionNumbers("## 1. A\n### x\n## 4b. B\n")], ["1", "4b"]);
  assert.deepEqual(citedSections("see ARCHITECTURE §4b and ARCHITECTURE.md §5"), ["4b", "5"]);
});

Deno.test("architecture refs: every cited section exists in docs/ARCHITECTURE.md", async () => {
  const sections = sectionNumbers(await Deno.readTextFile(`${ROOT}docs/ARCHITECTURE.md`));
  const missing: string[] = [];
  let cited = 0;
  for await (const file of _sourceFiles(ROOT.replace(/\/$/, ""))) {
    if (file.endsWith("docs/ARCHITECTURE.md")) continue;
    for (const n of citedSections(await Deno.readTextFile(file))) {
      cited++;
      if (!sections.has(n)) missing.push(`${file.slice(ROOT.length)}: §${n}`);
    }
  }
  assert.ok(cited >= 17, `only ${cited} citations found: is the pattern still right?`);
  assert.deepEqual(missing, []);
});
