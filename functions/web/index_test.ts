import assert from "node:assert/strict";
import { buildWebBundle } from "./build.ts";
import { gunzipSync } from "node:zlib";
import { acceptsGzip, createWebApp } from "./index.ts";

Deno.test("web: index.html, css, bundle and source map with the right headers", async () => {
  await buildWebBundle();
  const app = createWebApp();
  const index = await app.request("/");
  assert.equal(index.status, 200);
  assert.equal(index.headers.get("content-type"), "text/html; charset=utf-8");
  assert.equal(index.headers.get("cache-control"), "no-cache");
  const html = await index.text();
  for (
    const id of [
      "video-state",
      "analyzer-state",
      "ws-state",
      "meta-age",
      "video",
      "overlay",
      "page",
    ]
  ) {
    assert.match(html, new RegExp(`id="${id}"`));
  }
  assert.match(html, /src="\/dist\/app\.js"/);
  assert.match(html, /href="\/static\/style\.css"/);

  const css = await app.request("/static/style.css");
  assert.equal(css.headers.get("content-type"), "text/css; charset=utf-8");
  assert.match(await css.text(), /object-fit: contain/);

  const js = await app.request("/dist/app.js");
  assert.equal(js.status, 200);
  assert.equal(js.headers.get("content-type"), "text/javascript; charset=utf-8");
  assert.match(await js.text(), /sourceMappingURL=app\.js\.map/);
  const map = await app.request("/dist/app.js.map");
  assert.equal(map.headers.get("content-type"), "application/json; charset=utf-8");
  assert.ok(Array.isArray((await map.json()).sources));
});

Deno.test("web: ETag revalidation answers 304", async () => {
  const app = createWebApp();
  const first = await app.request("/static/style.css");
  await first.body?.cancel();
  const etag = first.headers.get("etag")!;
  assert.ok(etag);
  const again = await app.request("/static/style.css", { headers: { "if-none-match": etag } });
  assert.equal(again.status, 304);
});

Deno.test("web: nothing outside the static and dist folders is served", async () => {
  const app = createWebApp();
  for (
    const path of [
      "/static/..%2Fsrc%2Fapp.ts",
      "/static/.hidden",
      "/static/nope.css",
      "/dist/..%2F..%2Fdeno.json",
      "/src/app.ts",
    ]
  ) {
    const res = await app.request(path);
    assert.equal(res.status, 404, path);
    await res.body?.cancel();
  }
});

Deno.test("web: a missing bundle says how to build it", async () => {
  const root = await Deno.makeTempDir();
  try {
    const res = await createWebApp({ root }).request("/dist/app.js");
    assert.equal(res.status, 404);
    assert.match((await res.json()).hint, /build:web/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("web: the bundle's gzipped twin goes to browsers that accept gzip", async () => {
  await buildWebBundle();
  const app = createWebApp();
  const plain = await app.request("/dist/app.js");
  const plainBytes = new Uint8Array(await plain.arrayBuffer());
  assert.equal(plain.headers.get("content-encoding"), null);
  assert.equal(plain.headers.get("vary"), "accept-encoding");

  const gz = await app.request("/dist/app.js", {
    headers: { "accept-encoding": "gzip, deflate, br" },
  });
  assert.equal(gz.status, 200);
  assert.equal(gz.headers.get("content-encoding"), "gzip");
  assert.equal(gz.headers.get("content-type"), "text/javascript; charset=utf-8");
  assert.equal(gz.headers.get("vary"), "accept-encoding");
  const gzBytes = new Uint8Array(await gz.arrayBuffer());
  assert.ok(gzBytes.length < plainBytes.length / 3, `${gzBytes.length} vs ${plainBytes.length}`);
  assert.deepEqual(new Uint8Array(gunzipSync(gzBytes)), plainBytes);
  // Each encoding revalidates against its own ETag.
  assert.notEqual(gz.headers.get("etag"), plain.headers.get("etag"));
  const again = await app.request("/dist/app.js", {
    headers: { "accept-encoding": "gzip", "if-none-match": gz.headers.get("etag")! },
  });
  assert.equal(again.status, 304);
  // Static files have no twins: always plain.
  const css = await app.request("/static/style.css", { headers: { "accept-encoding": "gzip" } });
  assert.equal(css.headers.get("content-encoding"), null);
  await css.body?.cancel();
});

Deno.test("web: accept-encoding parsing", () => {
  assert.equal(acceptsGzip("gzip"), true);
  assert.equal(acceptsGzip("br, GZIP;q=0.5"), true);
  assert.equal(acceptsGzip("*"), true);
  assert.equal(acceptsGzip("gzip;q=0"), false);
  assert.equal(acceptsGzip("gzip;q=0, *"), false, "named refusal beats the wildcard");
  assert.equal(acceptsGzip("*;q=0"), false);
  assert.equal(acceptsGzip("br, deflate"), false);
  assert.equal(acceptsGzip(""), false);
  assert.equal(acceptsGzip(undefined), false);
});

Deno.test("web: hashed chunks are cached for good, the entry is revalidated", async () => {
  await buildWebBundle();
  const app = createWebApp();
  const entry = await app.request("/dist/app.js");
  const text = await entry.text();
  assert.equal(entry.headers.get("cache-control"), "no-cache");
  const chunk = /"\.\/(hls-[A-Z0-9]{8}\.js)"/.exec(text)?.[1];
  assert.ok(chunk, "the entry names the hls.js chunk");
  const res = await app.request(`/dist/${chunk}`, { headers: { "accept-encoding": "gzip" } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("cache-control"), "public, max-age=31536000, immutable");
  assert.equal(res.headers.get("content-encoding"), "gzip");
  await res.body?.cancel();
});

Deno.test("web: /favicon.ico and the linked SVG icon are served, not a 404", async () => {
  const app = createWebApp();
  const html = await (await app.request("/")).text();
  assert.match(html, /<link rel="icon" href="\/static\/favicon\.svg" type="image\/svg\+xml">/);
  for (const path of ["/favicon.ico", "/static/favicon.svg"]) {
    const res = await app.request(path);
    assert.equal(res.status, 200, path);
    assert.equal(res.headers.get("content-type"), "image/svg+xml", path);
    const svg = await res.text();
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/, path);
    assert.ok(svg.length < 1024, "a small icon");
  }
});
