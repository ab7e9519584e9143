import assert from "node:assert/strict";
import { LocalObjectStore } from "../../shared/object_store/mod.ts";
import { startTestDatabase } from "../../dev/testing/postgres.ts";
import { PassDetailSchema } from "../../shared/pass_row.ts";
import { createPool } from "../_shared/db.ts";
import { createPassesApp } from "./index.ts";
import { bearer, insertPasses } from "./testing.ts";

const SECRET = "passes-clip-test-secret-0123456789abcdef";
const CLIP_URI = "minio://stopline/clips/cam_01/2026-11-21/p1.mp4";

Deno.test("clip route: video/mp4, Range 206/416, If-Range, ETag 304, cameras claim", async () => {
  const db = await startTestDatabase();
  const pool = createPool(db.url, 2);
  const dir = await Deno.makeTempDir();
  const store = new LocalObjectStore(dir);
  const app = createPassesApp({ pool, store, auth: { secret: SECRET } });
  const viewer = await bearer(SECRET, { sub: "v", role: "viewer" });
  try {
    const mp4 = await Deno.readFile(new URL("../../samples/scenes/full_stop.mp4", import.meta.url));
    const size = mp4.byteLength;
    const [withClip, without, gone, other] = await insertPasses(pool, [
      {
        camera: "cam_01",
        track_id: 1,
        verdict: "full_stop",
        exited_at: "2026-11-21T08:00:10Z",
        stop_duration_s: 3,
        clip: { uri: CLIP_URI, start: "2026-11-21T08:00:01.5Z", duration_s: 12 },
        samples: [
          {
            ts: 1763712003000,
            cx: 300,
            cy: 230,
            speed_px_s: 70,
            phase: "in_zone",
            box: [280, 210, 40, 40],
            secret: 1,
          },
          { ts: 1763712003100, cx: 301, cy: 230, speed_px_s: 9, phase: "stopped", box: "junk" },
        ],
      },
      {
        camera: "cam_01",
        track_id: 2,
        verdict: "no_stop",
        exited_at: "2026-11-21T08:01:10Z",
        stop_duration_s: 0,
      },
      {
        camera: "cam_01",
        track_id: 3,
        verdict: "no_stop",
        exited_at: "2026-11-21T08:02:10Z",
        stop_duration_s: 0,
        clip: {
          uri: "minio://stopline/clips/cam_01/gone.mp4",
          start: "2026-11-21T08:02:00Z",
          duration_s: 9,
        },
      },
      {
        camera: "cam_02",
        track_id: 4,
        verdict: "no_stop",
        exited_at: "2026-11-21T08:03:10Z",
        stop_duration_s: 0,
        clip: { uri: CLIP_URI, start: "2026-11-21T08:03:00Z", duration_s: 12 },
      },
    ]);
    await store.put(CLIP_URI, mp4, "video/mp4");
    const path = (id: string) => `/api/passes/${encodeURIComponent(id)}/clip`;

    // The pass JSON names the clip and where it starts (the replay aligns samples to it).
    const d =
      await (await app.request(`/api/passes/${encodeURIComponent(withClip)}`, { headers: viewer }))
        .json();
    PassDetailSchema.parse(d);
    assert.equal(d.clip_url, path(withClip));
    assert.equal(d.clip_start, "2026-11-21T08:00:01.500Z");
    assert.equal(d.clip_duration_s, 12);
    // Samples carry the vehicle's box for the replay overlay; nothing undocumented leaves.
    assert.deepEqual(d.samples[0], {
      ts: 1763712003000,
      cx: 300,
      cy: 230,
      speed_px_s: 70,
      phase: "in_zone",
      box: [280, 210, 40, 40],
    });
    assert.equal("box" in d.samples[1], false);
    const n =
      await (await app.request(`/api/passes/${encodeURIComponent(without)}`, { headers: viewer }))
        .json();
    assert.deepEqual([n.clip_url, n.clip_start, n.clip_duration_s], [null, null, null]);

    // Whole body.
    const full = await app.request(path(withClip), { headers: viewer });
    assert.equal(full.status, 200);
    assert.equal(full.headers.get("content-type"), "video/mp4");
    assert.equal(full.headers.get("accept-ranges"), "bytes");
    assert.deepEqual(new Uint8Array(await full.arrayBuffer()), mp4);
    const etag = full.headers.get("etag")!;
    assert.match(etag, /^"[0-9a-f]{32}"$/);

    // A seek: 206 with the exact bytes and Content-Range.
    const part = await app.request(path(withClip), {
      headers: { ...viewer, range: "bytes=100-1099" },
    });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get("content-range"), `bytes 100-1099/${size}`);
    assert.equal(part.headers.get("content-length"), "1000");
    assert.deepEqual(new Uint8Array(await part.arrayBuffer()), mp4.subarray(100, 1100));
    const tail = await app.request(path(withClip), { headers: { ...viewer, range: "bytes=-10" } });
    assert.equal(tail.status, 206);
    assert.deepEqual(new Uint8Array(await tail.arrayBuffer()), mp4.subarray(size - 10));
    const open = await app.request(path(withClip), {
      headers: { ...viewer, range: `bytes=${size - 5}-` },
    });
    assert.equal(open.headers.get("content-range"), `bytes ${size - 5}-${size - 1}/${size}`);
    await open.body?.cancel();

    // Past the end: 416 telling the size.
    const past = await app.request(path(withClip), {
      headers: { ...viewer, range: `bytes=${size}-` },
    });
    assert.equal(past.status, 416);
    assert.equal(past.headers.get("content-range"), `bytes */${size}`);
    await past.body?.cancel();

    // If-Range with a stale validator: the whole (new) body, not a part of it.
    const stale = await app.request(path(withClip), {
      headers: { ...viewer, range: "bytes=0-9", "if-range": '"0123"' },
    });
    assert.equal(stale.status, 200);
    await stale.body?.cancel();
    const fresh = await app.request(path(withClip), {
      headers: { ...viewer, range: "bytes=0-9", "if-range": etag },
    });
    assert.equal(fresh.status, 206);
    await fresh.body?.cancel();

    // Conditional GET.
    const again = await app.request(path(withClip), {
      headers: { ...viewer, "if-none-match": etag },
    });
    assert.equal(again.status, 304);
    await again.body?.cancel();

    // ?token= for <video>, 401 anonymous.
    const token = viewer.authorization.slice(7);
    const viaQuery = await app.request(`${path(withClip)}?token=${token}`, {
      headers: { range: "bytes=0-1" },
    });
    assert.equal(viaQuery.status, 206);
    await viaQuery.body?.cancel();
    assert.equal((await app.request(path(withClip))).status, 401);

    // No clip yet / recorded but the object is gone: 404.
    const none = await app.request(path(without), { headers: viewer });
    assert.equal(none.status, 404);
    assert.equal((await none.json()).error, "this pass has no clip");
    const missing = await app.request(path(gone), { headers: viewer });
    assert.equal(missing.status, 404);
    await missing.body?.cancel();

    // A token for cam_01 only: cam_02's clip is "unknown".
    const only1 = await bearer(SECRET, { sub: "v1", role: "viewer", cameras: ["cam_01"] });
    const denied = await app.request(path(other), { headers: only1 });
    assert.equal(denied.status, 404);
    assert.equal((await denied.json()).error, "unknown pass");
    const allowed = await app.request(path(other), { headers: viewer });
    assert.equal(allowed.status, 200);
    await allowed.body?.cancel();
  } finally {
    await pool.end();
    await db.close();
    await Deno.remove(dir, { recursive: true });
  }
});
