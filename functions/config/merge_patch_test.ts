import assert from "node:assert/strict";
import { parseDocument } from "yaml";
import { startTestDatabase } from "../../dev/testing/postgres.ts";
import { parseConfigYaml } from "../../shared/config.ts";
import { createPool } from "../_shared/db.ts";
import { bearer } from "../passes/testing.ts";
import { createConfigApp } from "./index.ts";
import { applyMergePatch, patchedCameras } from "./merge_patch.ts";
import { CONFIG_YAML } from "./testing.ts";

const SECRET = "config-patch-secret-0123456789abcdef";

Deno.test("applyMergePatch: RFC 7396 semantics on a YAML document, comments kept", () => {
  const doc = parseDocument(
    "# top\na: 1 # one\nb: { c: 2, d: 3 }\nlist: [1, 2, 3]\nscalar: x\n",
  );
  applyMergePatch(doc, {
    a: 5,
    b: { c: null, e: { f: 1 } },
    list: [9],
    scalar: { k: 1, gone: null },
    fresh: { z: null, y: 2 },
    missing: null,
  });
  assert.deepEqual(doc.toJS(), {
    a: 5,
    b: { d: 3, e: { f: 1 } },
    list: [9],
    scalar: { k: 1 },
    fresh: { y: 2 },
  });
  const text = doc.toString();
  assert.match(text, /^# top/);
  assert.match(text, /a: 5 # one/);
});

Deno.test("patchedCameras: only cameras.<id> subtrees count as camera-scoped", () => {
  assert.deepEqual(patchedCameras({ cameras: { cam_01: { loop: true } } }), ["cam_01"]);
  assert.equal(patchedCameras({ cameras: null }), null);
  assert.equal(patchedCameras({ cameras: { cam_01: {} }, mqtt: {} }), null);
  assert.equal(patchedCameras({}), null);
});

Deno.test("config API: PATCH with a merge patch keeps secrets and follows PUT's rules", async () => {
  const db = await startTestDatabase();
  const pool = createPool(db.url, 4);
  const dir = await Deno.makeTempDir();
  const path = `${dir}/stopline.yaml`;
  await Deno.writeTextFile(path, CONFIG_YAML);
  const rateLimit = { perMinute: 6000, burst: 1000 };
  const app = createConfigApp({ pool, path, auth: { secret: SECRET }, rateLimit });
  const op = await bearer(SECRET, { sub: "olga", role: "operator" });
  const viewer = await bearer(SECRET, { sub: "vera", role: "viewer" });
  const only2 = await bearer(SECRET, { sub: "o2", role: "operator", cameras: ["cam_02"] });
  const patch = (
    body: unknown,
    headers: Record<string, string>,
    type = "application/merge-patch+json",
  ) =>
    app.request("/api/config", {
      method: "PATCH",
      body: typeof body === "string" ? body : JSON.stringify(body),
      headers: { ...op, "content-type": type, ...headers },
    });
  const etagNow = async () => {
    const r = await app.request("/api/config", { headers: op });
    await r.body?.cancel();
    return r.headers.get("etag")!;
  };
  const stored = () =>
    Deno.readTextFile(path).then((t) => parseConfigYaml(t, () => undefined, { substitute: false }));
  try {
    const etag0 = await etagNow();
    const onePatch = { cameras: { cam_01: { detect: { fps: 12 } } } };

    // Guards: anonymous, viewer, If-Match missing/stale, content type.
    const anon = await app.request("/api/config", {
      method: "PATCH",
      body: JSON.stringify(onePatch),
      headers: { "content-type": "application/merge-patch+json", "if-match": etag0 },
    });
    assert.equal(anon.status, 401);
    await anon.body?.cancel();
    const asViewer = await patch(onePatch, { ...viewer, "if-match": etag0 });
    assert.equal(asViewer.status, 403);
    await asViewer.body?.cancel();
    const noMatch = await patch(onePatch, {});
    assert.equal(noMatch.status, 428);
    await noMatch.body?.cancel();
    const stale = await patch(onePatch, { "if-match": '"0123456789abcdef0123456789abcdef"' });
    assert.equal(stale.status, 412);
    assert.equal(stale.headers.get("etag"), etag0);
    await stale.body?.cancel();
    const wrongType = await patch(onePatch, { "if-match": etag0 }, "application/json");
    assert.equal(wrongType.status, 415);
    await wrongType.body?.cancel();
    const notObject = await patch([1], { "if-match": etag0 });
    assert.equal(notObject.status, 422);
    await notObject.body?.cancel();

    // An invalid result: 422 naming the field, nothing written.
    const inv = await patch({ cameras: { cam_01: { detect: { fps: 0 } } } }, { "if-match": etag0 });
    assert.equal(inv.status, 422);
    assert.deepEqual((await inv.json()).issues.map((i: { path: string }) => i.path), [
      "cameras.cam_01.detect.fps",
    ]);
    assert.equal(await Deno.readTextFile(path), CONFIG_YAML);

    // A one-field patch: only that field changes; comments, credentials, env references stay.
    const ok = await patch(onePatch, { "if-match": etag0 });
    assert.equal(ok.status, 200);
    const saved = await ok.json();
    assert.equal(ok.headers.get("etag"), saved.etag);
    // Re-serialized by the YAML writer (flow spacing may change), comments and values kept.
    const text1 = await Deno.readTextFile(path);
    assert.match(text1, /^# stopline settings \(test\)/);
    assert.match(text1, /stream1 # the gate camera/);
    const after1 = await stored();
    const before = parseConfigYaml(CONFIG_YAML, () => undefined, { substitute: false });
    before.cameras.cam_01.detect.fps = 12;
    assert.deepEqual(after1, before, "only the patched field changed");
    assert.equal(after1.cameras.cam_01.source, "rtsp://admin:s3cr3t@10.0.0.5:554/stream1");
    assert.equal(
      after1.cameras.cam_02.source,
      "rtsp://viewer:${STOPLINE_CAM_02_PASSWORD}@10.0.0.6/live?token=abc123",
    );
    const revs = await pool.query("select author, etag from config_revisions order by id");
    assert.deepEqual(revs.rows, [{ author: "olga", etag: saved.etag }]);
    const reused = await patch(onePatch, { "if-match": etag0 });
    assert.equal(reused.status, 412, "the old ETag is stale after a patch");
    await reused.body?.cancel();

    // null deletes a key (cam_02's loop falls back to its default).
    const del = await patch({ cameras: { cam_02: { loop: null } } }, { "if-match": saved.etag });
    assert.equal(del.status, 200);
    const deleted = await del.json();
    assert.doesNotMatch(await Deno.readTextFile(path), /loop:/);
    assert.equal(
      (await stored()).cameras.cam_02.source.includes("${STOPLINE_CAM_02_PASSWORD}"),
      true,
    );

    // A redacted source sent back unchanged is restored to the stored credentials.
    const same = await patch(
      { cameras: { cam_01: { source: "rtsp://***@10.0.0.5:554/stream1", detect: { fps: 11 } } } },
      { "if-match": deleted.etag },
    );
    assert.equal(same.status, 200);
    const sameBody = await same.json();
    const after3 = await stored();
    assert.equal(after3.cameras.cam_01.source, "rtsp://admin:s3cr3t@10.0.0.5:554/stream1");
    assert.equal(after3.cameras.cam_01.detect.fps, 11);

    // Camera-scoped operators: their cameras' subtrees only.
    const other = await patch({ cameras: { cam_01: { loop: true } } }, {
      ...only2,
      "if-match": sameBody.etag,
    });
    assert.equal(other.status, 403);
    await other.body?.cancel();
    const topLevel = await patch({ cameras: null }, { ...only2, "if-match": sameBody.etag });
    assert.equal(topLevel.status, 403);
    await topLevel.body?.cancel();
    const own = await patch({ cameras: { cam_02: { detect: { fps: 6 } } } }, {
      ...only2,
      "if-match": sameBody.etag,
    });
    assert.equal(own.status, 200);
    await own.body?.cancel();
    const after4 = await stored();
    assert.equal(after4.cameras.cam_02.detect.fps, 6);
    assert.equal(after4.cameras.cam_01.detect.fps, 11);
  } finally {
    await pool.end();
    await db.close();
    await Deno.remove(dir, { recursive: true });
  }
});
