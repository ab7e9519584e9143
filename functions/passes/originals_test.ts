/**
 * `GET /api/passes/:id/image?original=1` and `GET /api/passes/:id/clip?original=1` (privacy
 * `keep_originals`): admins get the unblurred crop or clip stored under originals/ (the clip with
 * the clip route's Range and ETag); viewers and operators are refused (403, even with the camera
 * claim); a camera outside the claim is 404; the published object is what everyone else gets; a
 * pass whose original was not kept is 404 to an admin too. Real Postgres, the local object store.
 */
import assert from "node:assert/strict";
import { LocalObjectStore } from "../../shared/object_store/mod.ts";
import { originalUri } from "../../shared/original_uri.ts";
import { startTestDatabase } from "../../dev/testing/postgres.ts";
import { createPool } from "../_shared/db.ts";
import { createPassesApp } from "./index.ts";
import { bearer, insertPasses } from "./testing.ts";

const SECRET = "original-image-test-secret-0123456789";

Deno.test("passes API: original (unblurred) crops and clips are served to admins only", async () => {
  const db = await startTestDatabase();
  const pool = createPool(db.url, 2);
  const dir = await Deno.makeTempDir();
  const store = new LocalObjectStore(dir);
  const app = createPassesApp({ pool, store, auth: { secret: SECRET } });
  try {
    const image = (i: number) => `minio://stopline/passes/cam_01/2026-11-21/p${i}.jpg`;
    const [kept, notKept] = await insertPasses(
      pool,
      [1, 2].map((i) => ({
        camera: "cam_01",
        track_id: i,
        verdict: "full_stop" as const,
        exited_at: `2026-11-21T08:0${i}:00.000Z`,
        stop_duration_s: 2,
        image: image(i),
      })),
    );
    const blurred = new Uint8Array([0xff, 0xd8, 1, 0xff, 0xd9]);
    const original = new Uint8Array([0xff, 0xd8, 2, 2, 0xff, 0xd9]);
    await store.put(image(1), blurred, "image/jpeg");
    await store.put(originalUri(image(1)), original, "image/jpeg");
    await store.put(image(2), blurred, "image/jpeg");

    const as = async (role: "viewer" | "operator" | "admin", path: string) => {
      const headers = await bearer(SECRET, { sub: role, role });
      const r = await app.request(path, { headers });
      return { status: r.status, bytes: new Uint8Array(await r.arrayBuffer()) };
    };
    const path = (id: string, q = "") => `/api/passes/${encodeURIComponent(id)}/image${q}`;
    for (const role of ["viewer", "operator", "admin"] as const) {
      const r = await as(role, path(kept));
      assert.equal(r.status, 200, role);
      assert.deepEqual(r.bytes, blurred, `${role}: the published crop is the blurred one`);
    }
    for (const role of ["viewer", "operator"] as const) {
      assert.equal((await as(role, path(kept, "?original=1"))).status, 403, role);
    }
    const admin = await as("admin", path(kept, "?original=1"));
    assert.equal(admin.status, 200);
    assert.deepEqual(admin.bytes, original);
    assert.equal((await as("admin", path(notKept, "?original=1"))).status, 404);
    assert.equal((await app.request(path(kept, "?original=1"))).status, 401);

    // Clips: the same rule (one admin-only query parameter on the clip route).
    const clip = (i: number) => `minio://stopline/clips/cam_01/2026-11-21/c${i}.mp4`;
    const [clipKept, clipNotKept] = await insertPasses(
      pool,
      [3, 4].map((i) => ({
        camera: "cam_01",
        track_id: i,
        verdict: "no_stop" as const,
        exited_at: `2026-11-21T08:0${i}:00.000Z`,
        stop_duration_s: 0,
        clip: { uri: clip(i), start: `2026-11-21T08:0${i - 1}:55.000Z`, duration_s: 6 },
      })),
    );
    const blurredMp4 = new Uint8Array(64).fill(1);
    const originalMp4 = Uint8Array.from({ length: 100 }, (_, i) => i);
    await store.put(clip(3), blurredMp4, "video/mp4");
    await store.put(originalUri(clip(3)), originalMp4, "video/mp4");
    await store.put(clip(4), blurredMp4, "video/mp4");
    const clipPath = (id: string, q = "") => `/api/passes/${encodeURIComponent(id)}/clip${q}`;
    const get = async (
      claims: { role: "viewer" | "operator" | "admin"; cameras?: string[] },
      path: string,
      extra: Record<string, string> = {},
    ) => {
      const headers = { ...await bearer(SECRET, { sub: claims.role, ...claims }), ...extra };
      const r = await app.request(path, { headers });
      return { r, bytes: new Uint8Array(await r.arrayBuffer()) };
    };
    for (const role of ["viewer", "operator", "admin"] as const) {
      const { r, bytes } = await get({ role }, clipPath(clipKept));
      assert.equal(r.status, 200, role);
      assert.deepEqual(bytes, blurredMp4, `${role}: the published clip is the blurred one`);
    }
    for (const role of ["viewer", "operator"] as const) {
      for (const cameras of [undefined, ["cam_01"]]) {
        const { r } = await get({ role, cameras }, clipPath(clipKept, "?original=1"));
        assert.equal(r.status, 403, `${role} ${cameras}`);
      }
    }
    const whole = await get(
      { role: "admin", cameras: ["cam_01"] },
      clipPath(clipKept, "?original=1"),
    );
    assert.equal(whole.r.status, 200);
    assert.equal(whole.r.headers.get("content-type"), "video/mp4");
    assert.equal(whole.r.headers.get("accept-ranges"), "bytes");
    assert.deepEqual(whole.bytes, originalMp4);
    const etag = whole.r.headers.get("etag")!;
    const part = await get({ role: "admin" }, clipPath(clipKept, "?original=1"), {
      range: "bytes=10-19",
    });
    assert.equal(part.r.status, 206);
    assert.equal(part.r.headers.get("content-range"), "bytes 10-19/100");
    assert.deepEqual(part.bytes, originalMp4.subarray(10, 20));
    const again = await get({ role: "admin" }, clipPath(clipKept, "?original=1"), {
      "if-none-match": etag,
    });
    assert.equal(again.r.status, 304);
    // The published clip's ETag is another one (other bytes): no cache mixes them up.
    const published = await get({ role: "admin" }, clipPath(clipKept));
    assert.notEqual(published.r.headers.get("etag"), etag);
    // A camera outside the claim: 404, as if there were no such pass (for admins too).
    const outside = await get(
      { role: "admin", cameras: ["cam_02"] },
      clipPath(clipKept, "?original=1"),
    );
    assert.equal(outside.r.status, 404);
    const operatorOutside = await get(
      { role: "operator", cameras: ["cam_02"] },
      clipPath(clipKept, "?original=1"),
    );
    assert.equal(operatorOutside.r.status, 404);
    assert.equal(
      (await get({ role: "admin" }, clipPath(clipNotKept, "?original=1"))).r.status,
      404,
    );
    assert.equal((await app.request(clipPath(clipKept, "?original=1"))).status, 401);
  } finally {
    await pool.end();
    await db.close();
    await Deno.remove(dir, { recursive: true });
  }
});
