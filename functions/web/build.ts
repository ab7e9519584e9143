/**
 * Build the browser bundle (`web/dist/app.js` + linked source map) exactly as
 * `deno task build:web` does. Used by tests so they never serve a stale bundle.
 */
import { fileURLToPath } from "node:url";

const _REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

export async function buildWebBundle(): Promise<void> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      ...["bundle", "--platform", "browser", "--sourcemap", "linked"],
      ...["-o", "web/dist/app.js", "web/src/main.ts"],
    ],
    cwd: _REPO_ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`deno bundle failed:\n${new TextDecoder().decode(out.stderr)}`);
  }
}

if (import.meta.main) await buildWebBundle();
