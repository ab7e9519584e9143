/**
 * Build the browser bundle: `web/dist/app.js` and the chunks it imports on demand (hls.js for the
 * LL-HLS player, realtime-js for Supabase Realtime: a page that uses neither never downloads
 * them), minified, with linked source maps, each file with a gzipped twin (`.gz`).
 * `deno task build:web` runs this file; tests and the dev stack call it so they never serve a
 * stale bundle.
 *
 * The build goes to a fresh directory inside web/dist (same file system), its files are renamed
 * into web/dist one by one, then the previous build's leftovers (old chunk names) are removed: a
 * server reading web/dist meanwhile never sees a missing app.js.
 */
import { fileURLToPath } from "node:url";

const _REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const _DIST = `${_REPO_ROOT}web/dist`;

export async function buildWebBundle(): Promise<void> {
  await Deno.mkdir(_DIST, { recursive: true });
  const out = await Deno.makeTempDir({ dir: _DIST, prefix: ".build-" });
  try {
    const res = await new Deno.Command(Deno.execPath(), {
      args: [
        ...["bundle", "--platform", "browser", "--format", "esm", "--code-splitting", "--minify"],
        ...["--sourcemap", "linked", "--outdir", out, "web/src/app.ts"],
      ],
      cwd: _REPO_ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!res.success) {
      throw new Error(`deno bundle failed:\n${new TextDecoder().decode(res.stderr)}`);
    }
    const built = new Set<string>();
    for await (const e of Deno.readDir(out)) if (e.isFile) built.add(e.name);
    // Gzipped twins, served as they are to browsers that accept gzip (no per-request work).
    for (const name of [...built]) {
      await _gzip(`${out}/${name}`);
      built.add(`${name}.gz`);
    }
    if (!built.has("app.js")) throw new Error(`deno bundle wrote no app.js: ${[...built]}`);
    // Chunks first, the entry last: a new app.js never points at a chunk not yet in place.
    const entry = (n: string) => Number(n.startsWith("app.js"));
    for (const name of [...built].sort((a, b) => entry(a) - entry(b))) {
      await Deno.rename(`${out}/${name}`, `${_DIST}/${name}`);
    }
    for await (const e of Deno.readDir(_DIST)) {
      if (e.isFile && !built.has(e.name)) await Deno.remove(`${_DIST}/${e.name}`).catch(() => {});
    }
  } finally {
    await Deno.remove(out, { recursive: true }).catch(() => {});
  }
}

/** `<path>.gz` beside `path` (the streams close both files when done). */
async function _gzip(path: string): Promise<void> {
  const src = await Deno.open(path);
  const dst = await Deno.create(`${path}.gz`);
  await src.readable.pipeThrough(new CompressionStream("gzip")).pipeTo(dst.writable);
}

if (import.meta.main) await buildWebBundle();
