/**
 * `GET /api/passes/:id/image?original=1` (privacy `keep_originals`): admins get the unblurred
 * crop stored under originals/; viewers and operators are refused; the published crop is what
 * everyone else gets; a pass whose original was not kept is 404 to an admin too.
 * Real Postgres, the local object store.
 */
import assert from "node:assert/strict";
import { LocalObjectStore } from "../../shared/object_store/mod.ts";
import { originalImageUri } from "../../shared/original_image_uri.ts";
import { startTestDatabase } from "../../dev/testing/postgres.ts";
import { createPool } from "../_shared/db.ts";
import { createPassesApp } from "./index.ts";
import { bearer, insertPasses } from "./testing.ts";

const SECRET = "original-image-test-secret-0123456789";

Deno.test("passes API: original (unblurred) crops are served to admins only", async () => {
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
    await store.put(originalImageUri(image(1)), original, "image/jpeg");
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
  } finally {
    await pool.end();
    await db.close();
    await Deno.remove(dir, { recursive: true });
  }
});
