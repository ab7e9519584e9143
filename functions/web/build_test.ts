import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import { buildWebBundle } from "./build.ts";

const DIST = fileURLToPath(new URL("../../web/dist/", import.meta.url));

Deno.test("web build: hls.js and realtime-js are chunks loaded on demand; old files go", async () => {
  await Deno.mkdir(DIST, { recursive: true });
  await Deno.writeTextFile(`${DIST}chunk-STALE.js`, "// a previous build's chunk");
  await buildWebBundle();

  const files = [...Deno.readDirSync(DIST)].filter((e) => e.isFile).map((e) => e.name);
  assert.ok(!files.includes("chunk-STALE.js"), "the previous build's leftovers are removed");
  assert.ok(!files.some((f) => f.startsWith(".build-")), "no temporary directory left");
  const js = files.filter((f) => f.endsWith(".js"));
  const text = (f: string) => Deno.readTextFileSync(`${DIST}${f}`);
  // Strings only the libraries carry: hls.js's event names, Phoenix's join event.
  const holding = (marker: string) => js.filter((f) => text(f).includes(marker));
  const hls = holding("hlsLevelUpdated");
  const realtime = holding("phx_join");
  assert.equal(hls.length, 1, `hls.js in one chunk: ${hls}`);
  assert.equal(realtime.length, 1, `realtime-js in one chunk: ${realtime}`);
  assert.ok(!hls.includes("app.js") && !realtime.includes("app.js"), "not in the entry");
  const app = text("app.js");
  assert.ok(app.includes(hls[0]) && app.includes(realtime[0]), "the entry imports both chunks");
  assert.ok(app.length < 700_000, `entry ${app.length} B, minified`);

  // Every file has its gzipped twin with the same bytes inside.
  for (const f of files.filter((f) => !f.endsWith(".gz"))) {
    assert.ok(files.includes(`${f}.gz`), `${f}.gz`);
    const plain = Deno.readFileSync(`${DIST}${f}`);
    assert.deepEqual(new Uint8Array(gunzipSync(Deno.readFileSync(`${DIST}${f}.gz`))), plain, f);
  }
});
