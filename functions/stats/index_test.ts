import assert from "node:assert/strict";
import { startTestDatabase } from "../../dev/testing/postgres.ts";
import { createPool } from "../_shared/db.ts";
import { bearer, insertPasses, type TestPass } from "../passes/testing.ts";
import { createStatsApp } from "./index.ts";

const SECRET = "stats-test-secret-0123456789abcdef";
const NOW = Date.parse("2026-11-21T12:30:00Z");

/** A known dataset; every number asserted below was counted by hand from this table. */
const PASSES: TestPass[] = [
  {
    camera: "cam_01",
    track_id: 1,
    verdict: "full_stop",
    stop_duration_s: 2.5,
    exited_at: "2026-11-21T10:05:00Z",
  },
  {
    camera: "cam_01",
    track_id: 2,
    verdict: "full_stop",
    stop_duration_s: 0.5,
    exited_at: "2026-11-21T10:40:00Z",
  },
  {
    camera: "cam_01",
    track_id: 3,
    verdict: "rolling_stop",
    stop_duration_s: 0.25,
    exited_at: "2026-11-21T10:59:59.999999Z",
  },
  {
    camera: "cam_02",
    track_id: 4,
    verdict: "no_stop",
    stop_duration_s: 0,
    exited_at: "2026-11-21T11:00:00Z",
  },
  {
    camera: "cam_02",
    track_id: 5,
    verdict: "full_stop",
    stop_duration_s: 12,
    exited_at: "2026-11-21T11:30:00Z",
  },
  {
    camera: "cam_01",
    track_id: 6,
    verdict: "full_stop",
    stop_duration_s: 9.99,
    exited_at: "2026-11-21T12:29:59Z",
  },
  {
    camera: "cam_01",
    track_id: 7,
    verdict: "full_stop",
    stop_duration_s: 10,
    exited_at: "2026-11-21T12:00:00Z",
  },
  // Just before the default window (now - 24 h), and exactly at its (exclusive) end.
  {
    camera: "cam_01",
    track_id: 8,
    verdict: "no_stop",
    stop_duration_s: 0,
    exited_at: "2026-11-20T12:29:59.999Z",
  },
  {
    camera: "cam_01",
    track_id: 9,
    verdict: "no_stop",
    stop_duration_s: 0,
    exited_at: "2026-11-21T12:30:00Z",
  },
  // Exactly at the (inclusive) start of the default window.
  {
    camera: "cam_02",
    track_id: 10,
    verdict: "rolling_stop",
    stop_duration_s: 1.75,
    exited_at: "2026-11-20T12:30:00Z",
  },
];

Deno.test("stats API: hourly counts, verdicts, histogram and camera status match hand counts", async () => {
  const db = await startTestDatabase();
  const pool = createPool(db.url, 3);
  const app = createStatsApp({ pool, auth: { secret: SECRET }, now: () => NOW });
  const viewer = await bearer(SECRET, { sub: "v", role: "viewer" });
  const get = async (path: string, headers: HeadersInit = viewer) => {
    const r = await app.request(path, { headers });
    return { status: r.status, body: await r.json() };
  };
  try {
    await insertPasses(pool, PASSES);
    await pool.query(
      `insert into camera_status (camera, updated_at, fps, infer_ms, lag_ms, dropped, frames)
       values ('cam_01', now(), 9.75, 12.5, 35, 3, 12000),
              ('cam_02', now() - interval '60 seconds', 10, 13, 40, 0, 800)`,
    );
    assert.equal((await app.request("/api/stats")).status, 401);

    const s = await get("/api/stats");
    assert.equal(s.status, 200);
    assert.deepEqual(Object.keys(s.body).sort(), [
      "cameras",
      "passes_per_hour",
      "stop_duration_histogram",
      "verdicts",
    ]);
    assert.deepEqual(s.body.verdicts, { full_stop: 5, rolling_stop: 2, no_stop: 1 });

    // 25 hours overlap [11-20 12:30, 11-21 12:30): 11-20 12:00 … 11-21 12:00, zeros included.
    const hours = s.body.passes_per_hour;
    assert.equal(hours.length, 25);
    assert.equal(hours[0].hour, "2026-11-20T12:00:00.000Z");
    assert.equal(hours[24].hour, "2026-11-21T12:00:00.000Z");
    const nonZero = hours.filter((h: { count: number }) => h.count > 0);
    assert.deepEqual(nonZero, [
      { hour: "2026-11-20T12:00:00.000Z", count: 1, full_stop: 0, rolling_stop: 1, no_stop: 0 },
      { hour: "2026-11-21T10:00:00.000Z", count: 3, full_stop: 2, rolling_stop: 1, no_stop: 0 },
      { hour: "2026-11-21T11:00:00.000Z", count: 2, full_stop: 1, rolling_stop: 0, no_stop: 1 },
      { hour: "2026-11-21T12:00:00.000Z", count: 2, full_stop: 2, rolling_stop: 0, no_stop: 0 },
    ]);

    // 0.5 s bins: 0-0.5 s: 0 and 0.25; 0.5-1: 0.5; 1.5-2: 1.75; 2.5-3: 2.5; 9.5-10: 9.99;
    // open bin from 10 s: 10 and 12.
    const hist = s.body.stop_duration_histogram;
    assert.equal(hist.length, 21);
    assert.deepEqual(hist[0], { from_s: 0, to_s: 0.5, count: 2 });
    assert.deepEqual(hist[20], { from_s: 10, to_s: null, count: 2 });
    const counts = Object.fromEntries(
      hist.filter((b: { count: number }) => b.count).map((b: { from_s: number; count: number }) => [
        b.from_s,
        b.count,
      ]),
    );
    assert.deepEqual(counts, { 0: 2, 0.5: 1, 1.5: 1, 2.5: 1, 9.5: 1, 10: 2 });

    assert.deepEqual(
      s.body.cameras.map((c: { camera: string; online: boolean }) => [c.camera, c.online]),
      [
        ["cam_01", true],
        ["cam_02", false],
      ],
    );
    const c1 = s.body.cameras[0];
    assert.deepEqual(
      {
        fps: c1.fps,
        infer_ms: c1.infer_ms,
        lag_ms: c1.lag_ms,
        dropped: c1.dropped,
        frames: c1.frames,
      },
      { fps: 9.75, infer_ms: 12.5, lag_ms: 35, dropped: 3, frames: 12000 },
    );
    assert.match(c1.updated_at, /^\d{4}-\d{2}-\d{2}T.*Z$/);

    // One camera; an explicit window.
    const one = await get("/api/stats?camera=cam_01");
    assert.deepEqual(one.body.verdicts, { full_stop: 4, rolling_stop: 1, no_stop: 0 });
    assert.deepEqual(one.body.cameras.map((c: { camera: string }) => c.camera), ["cam_01"]);
    const w = await get(
      "/api/stats?after=2026-11-21T10:30:00Z&before=2026-11-21T11:30:00Z&bucket=hour",
    );
    assert.deepEqual(
      w.body.passes_per_hour.map((h: { hour: string; count: number }) => [h.hour, h.count]),
      [["2026-11-21T10:00:00.000Z", 2], ["2026-11-21T11:00:00.000Z", 1]],
    );
    assert.deepEqual(w.body.verdicts, { full_stop: 1, rolling_stop: 1, no_stop: 1 });

    // A token limited to cam_02 sees cam_02's numbers only.
    const only2 = await bearer(SECRET, { sub: "v2", role: "viewer", cameras: ["cam_02"] });
    const lim = await get("/api/stats", only2);
    assert.deepEqual(lim.body.verdicts, { full_stop: 1, rolling_stop: 1, no_stop: 1 });
    assert.deepEqual(lim.body.cameras.map((c: { camera: string }) => c.camera), ["cam_02"]);
    assert.equal((await get("/api/stats?camera=cam_01", only2)).status, 404);

    assert.equal((await get("/api/stats?bucket=day")).status, 400);
    assert.equal((await get("/api/stats?after=2026-01-01&before=2026-11-21")).status, 400);
    assert.equal(
      (await get("/api/stats?after=2026-11-21T11:00Z&before=2026-11-21T10:00Z")).status,
      400,
    );
  } finally {
    await pool.end();
    await db.close();
  }
});
