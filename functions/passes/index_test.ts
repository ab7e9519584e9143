import assert from "node:assert/strict";
import { LocalObjectStore } from "../../shared/object_store/mod.ts";
import { startTestDatabase } from "../../dev/testing/postgres.ts";
import { PassDetailSchema, PassRowSchema } from "../../shared/pass_row.ts";
import { createPool } from "../_shared/db.ts";
import { createPassesApp } from "./index.ts";
import { bearer, insertPasses, type TestPass } from "./testing.ts";

const SECRET = "passes-test-secret-0123456789abcdef";
const PASS_KEYS = [
  "id",
  "camera",
  "track_id",
  "label",
  "verdict",
  "entered_at",
  "exited_at",
  "time_in_zone_s",
  "stop_duration_s",
  "min_speed_px_s",
  "entry_speed_px_s",
  "entry_speed_mps",
  "min_speed_mps",
  "max_speed_mps",
  "image_url",
  "clip_url",
  "clip_start",
  "clip_duration_s",
];

/** A morning at two cameras, with ties: equal timestamps and times within one millisecond. */
function _dataset(): TestPass[] {
  const out: TestPass[] = [];
  const verdicts = ["full_stop", "rolling_stop", "no_stop"] as const;
  for (let i = 0; i < 24; i++) {
    // Every third pass shares its exit time with the previous one; some differ by microseconds.
    const base = Date.UTC(2026, 10, 21, 8, 0, 0) + Math.floor(i / 3) * 60_000;
    const us = i % 3 === 2 ? "123789" : "123456";
    const t = new Date(base).toISOString().replace(".000Z", `.${us}Z`);
    out.push({
      camera: i % 4 === 3 ? "cam_02" : "cam_01",
      track_id: 100 + i,
      verdict: verdicts[i % 3],
      exited_at: t,
      stop_duration_s: [2.5, 0.25, 0, 1.0][i % 4],
      image: i % 5 === 0 ? null : `minio://stopline/passes/cam/2026-11-21/p${i}.jpg`,
    });
  }
  return out;
}

Deno.test("passes API: filters, keyset pages over ties, detail, image, cameras claim", async () => {
  const db = await startTestDatabase();
  const pool = createPool(db.url, 2);
  const dir = await Deno.makeTempDir();
  const store = new LocalObjectStore(dir);
  const app = createPassesApp({ pool, store, auth: { secret: SECRET } });
  const viewer = await bearer(SECRET, { sub: "v", role: "viewer" });
  const get = async (path: string, headers: HeadersInit = viewer) => {
    const r = await app.request(path, { headers });
    return { status: r.status, body: await r.json(), headers: r.headers };
  };
  try {
    const data = _dataset();
    const ids = await insertPasses(pool, data);
    const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 0xff, 0xd9]);
    await store.put(data[1].image!, jpeg, "image/jpeg");
    await store.put(data[3].image!, jpeg, "image/jpeg"); // a cam_02 pass

    // The reference order, by Postgres itself.
    const all = (await pool.query("select id from vehicle_passes order by exited_at desc, id desc"))
      .rows.map((r) => r.id);
    assert.equal(all.length, 24);

    assert.equal((await app.request("/api/passes")).status, 401);

    // Shape of one page.
    const first = await get("/api/passes?limit=5");
    assert.equal(first.status, 200);
    assert.deepEqual(Object.keys(first.body).sort(), ["next_cursor", "passes"]);
    assert.equal(first.body.passes.length, 5);
    assert.deepEqual(Object.keys(first.body.passes[0]).sort(), [...PASS_KEYS].sort());
    for (const p of first.body.passes) PassRowSchema.parse(p); // the shape the web app reads
    // Uncalibrated cameras' passes: road speeds are null, not absent.
    assert.equal(first.body.passes[0].min_speed_mps, null);
    const p0 = first.body.passes[0];
    assert.equal(p0.id, all[0]);
    assert.match(p0.exited_at, /^2026-11-21T08:07:00\.123Z$/);
    assert.equal(typeof p0.stop_duration_s, "number");
    const withImage = first.body.passes.find((p: { image_url: string | null }) => p.image_url);
    assert.equal(withImage.image_url, `/api/passes/${encodeURIComponent(withImage.id)}/image`);

    // Walk every page (limit 3 cuts through the ties): all rows once, in order.
    const walk = async (query: string, limit: number) => {
      const seen: string[] = [];
      let cursor: string | null = null;
      for (let pages = 0; pages < 100; pages++) {
        const c: string = cursor ? `&cursor=${cursor}` : "";
        const r = await get(`/api/passes?limit=${limit}${query}${c}`);
        assert.equal(r.status, 200, JSON.stringify(r.body));
        seen.push(...r.body.passes.map((p: { id: string }) => p.id));
        cursor = r.body.next_cursor;
        if (!cursor) break;
        assert.equal(r.body.passes.length, limit);
      }
      return seen;
    };
    for (const limit of [1, 3, 7, 24, 200]) {
      assert.deepEqual(await walk("", limit), all, `limit ${limit}`);
    }
    const cam2 = await walk("&camera=cam_02", 2);
    assert.deepEqual(cam2, all.filter((id) => id.startsWith("cam_02:")));
    assert.equal(cam2.length, 6);

    // Filters.
    const count = async (q: string) => (await walk(q, 200)).length;
    const exp = (f: (p: TestPass) => boolean) => data.filter(f).length;
    assert.equal(await count("&verdict=full_stop"), exp((p) => p.verdict === "full_stop"));
    assert.equal(
      await count("&verdict=rolling_stop,no_stop"),
      exp((p) => p.verdict !== "full_stop"),
    );
    assert.equal(await count("&min_stop_s=1"), exp((p) => p.stop_duration_s >= 1));
    assert.equal(await count("&max_stop_s=0.25"), exp((p) => p.stop_duration_s <= 0.25));
    assert.equal(
      await count("&min_stop_s=0.2&max_stop_s=1"),
      exp((p) => p.stop_duration_s >= 0.2 && p.stop_duration_s <= 1),
    );
    // after inclusive, before exclusive; ISO and unix ms are the same instant.
    const t0 = Date.UTC(2026, 10, 21, 8, 2, 0);
    const inWindow = (p: TestPass) => {
      const t = Date.parse(p.exited_at);
      return t >= t0 && t < t0 + 3 * 60_000;
    };
    assert.equal(
      await count(`&after=2026-11-21T08:02:00Z&before=2026-11-21T08:05:00Z`),
      exp(inWindow),
    );
    assert.equal(await count(`&after=${t0}&before=${t0 + 180_000}`), exp(inWindow));
    assert.equal(
      await count(`&after=2026-11-21T09:02:00%2B01:00&before=2026-11-21T08:05:00`),
      exp(inWindow),
    );
    assert.equal(
      await count("&camera=cam_01&verdict=no_stop&min_stop_s=0"),
      exp((p) => p.camera === "cam_01" && p.verdict === "no_stop"),
    );
    assert.deepEqual((await get("/api/passes?camera=cam_09")).body, {
      passes: [],
      next_cursor: null,
    });

    // Detail.
    const id = ids[1];
    const d = await get(`/api/passes/${encodeURIComponent(id)}`);
    assert.equal(d.status, 200);
    assert.deepEqual(
      Object.keys(d.body).sort(),
      [...PASS_KEYS, "quality", "samples", "keep", "review_state"].sort(),
    );
    assert.equal(d.body.keep, false);
    assert.equal(d.body.review_state, "unreviewed");
    PassDetailSchema.parse(d.body);
    assert.equal(d.body.verdict, "rolling_stop");
    assert.equal(d.body.quality.finalized_by, "exit");
    assert.equal(d.body.samples.length, 3);
    assert.deepEqual(Object.keys(d.body.samples[1]).sort(), [
      "cx",
      "cy",
      "phase",
      "speed_px_s",
      "ts",
    ]);
    assert.equal(d.body.samples[1].phase, "stopped");
    assert.equal((await get("/api/passes/cam_01%3A1%3A999")).status, 404);
    assert.equal((await get("/api/passes/cam_01%3A1%3A999")).body.error, "unknown pass");
    assert.equal((await get(`/api/passes/${encodeURIComponent("x' or '1'='1")}`)).status, 400);

    // Image: bytes, type, caching, conditional GET, ?token= for <img>.
    const imgPath = `/api/passes/${encodeURIComponent(id)}/image`;
    const img = await app.request(imgPath, { headers: viewer });
    assert.equal(img.status, 200);
    assert.equal(img.headers.get("content-type"), "image/jpeg");
    assert.equal(img.headers.get("cache-control"), "private, max-age=86400");
    const etag = img.headers.get("etag")!;
    assert.match(etag, /^"[0-9a-f]{32}"$/);
    assert.deepEqual(new Uint8Array(await img.arrayBuffer()), jpeg);
    const again = await app.request(imgPath, { headers: { ...viewer, "if-none-match": etag } });
    assert.equal(again.status, 304);
    await again.body?.cancel();
    const token = viewer.authorization.slice(7);
    const viaQuery = await app.request(`${imgPath}?token=${token}`);
    assert.equal(viaQuery.status, 200);
    await viaQuery.body?.cancel();
    assert.equal((await app.request(imgPath)).status, 401);
    // No image recorded / image recorded but its object is gone.
    assert.equal((await get(`/api/passes/${encodeURIComponent(ids[0])}/image`)).status, 404);
    assert.equal((await get(`/api/passes/${encodeURIComponent(ids[2])}/image`)).status, 404);

    // A token limited to cam_01: lists filtered, cam_02 is "missing" everywhere.
    const only1 = await bearer(SECRET, { sub: "v1", role: "viewer", cameras: ["cam_01"] });
    const lim = await get("/api/passes?limit=200", only1);
    assert.equal(lim.body.passes.length, 18);
    assert.ok(lim.body.passes.every((p: { camera: string }) => p.camera === "cam_01"));
    assert.equal((await get("/api/passes?camera=cam_02", only1)).status, 404);
    const cam2Id = encodeURIComponent(ids[3]);
    assert.equal((await get(`/api/passes/${cam2Id}`, only1)).status, 404);
    assert.equal((await get(`/api/passes/${cam2Id}`)).status, 200);
    assert.equal((await get(`/api/passes/${cam2Id}/image`, only1)).status, 404);
    const cam2Img = await app.request(`/api/passes/${cam2Id}/image`, { headers: viewer });
    assert.equal(cam2Img.status, 200);
    await cam2Img.body?.cancel();
  } finally {
    await pool.end();
    await db.close();
    await Deno.remove(dir, { recursive: true });
  }
});
