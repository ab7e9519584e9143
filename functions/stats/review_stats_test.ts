import assert from "node:assert/strict";
import { startTestDatabase } from "../../dev/testing/postgres.ts";
import { createPool } from "../_shared/db.ts";
import { bearer, insertPasses, type TestPass } from "../passes/testing.ts";
import { createStatsApp } from "./index.ts";
import type { Verdict } from "../../shared/verdict.ts";

const SECRET = "review-stats-test-secret-0123456789abcdef";

Deno.test("review stats: confusion table, precision and recall; records board", async () => {
  const db = await startTestDatabase();
  const pool = createPool(db.url, 2);
  const app = createStatsApp({ pool, auth: { secret: SECRET } });
  const viewer = await bearer(SECRET, { sub: "v", role: "viewer" });
  const only1 = await bearer(SECRET, { sub: "v1", role: "viewer", cameras: ["cam_01"] });
  try {
    // name, camera, judged verdict, stop s, reviews (actual verdicts, oldest first)
    const spec: [string, string, Verdict, number, Verdict[]][] = [
      ["A", "cam_01", "full_stop", 2.5, ["full_stop"]],
      ["B", "cam_01", "full_stop", 1.0, ["rolling_stop"]],
      ["C", "cam_01", "rolling_stop", 0.3, ["no_stop", "rolling_stop"]], // latest counts
      ["D", "cam_01", "no_stop", 0, ["no_stop"]],
      ["E", "cam_01", "no_stop", 0, ["rolling_stop"]],
      ["F", "cam_01", "rolling_stop", 0.2, []],
      ["G", "cam_02", "full_stop", 4.0, ["full_stop"]],
      ["H", "cam_01", "no_stop", 0, []],
    ];
    const passes: TestPass[] = spec.map(([, camera, verdict, stop], i) => ({
      camera,
      verdict,
      track_id: i + 1,
      exited_at: `2026-11-21T08:0${i}:00Z`,
      stop_duration_s: stop,
    }));
    const ids = await insertPasses(pool, passes);
    const id = Object.fromEntries(spec.map(([name], i) => [name, ids[i]]));
    for (const [i, [, camera, judged, , actuals]] of spec.entries()) {
      for (const actual of actuals) {
        await pool.query(
          `insert into pass_reviews (pass_id, camera, judged_verdict, correct, actual_verdict,
             reviewer) values ($1, $2, $3, $4, $5, 'op')`,
          [ids[i], camera, judged, actual === judged, actual],
        );
      }
    }
    await pool.query("update vehicle_passes set entry_speed_mps = 9 where id = $1", [id.E]);
    await pool.query("update vehicle_passes set entry_speed_px_s = 200 where id = $1", [id.H]);

    const get = async (path: string, headers: HeadersInit = viewer) => {
      const r = await app.request(path, { headers });
      return { status: r.status, body: await r.json() };
    };
    const cam1 = await get("/api/stats/reviews?camera=cam_01");
    assert.equal(cam1.status, 200);
    assert.deepEqual(cam1.body.confusion, {
      full_stop: { full_stop: 1, rolling_stop: 1, no_stop: 0 },
      rolling_stop: { full_stop: 0, rolling_stop: 1, no_stop: 0 },
      no_stop: { full_stop: 0, rolling_stop: 1, no_stop: 1 },
    });
    assert.equal(cam1.body.reviewed, 5);
    assert.equal(cam1.body.accuracy, 3 / 5);
    assert.deepEqual(cam1.body.verdicts.full_stop, {
      judged: 2,
      actual: 1,
      correct: 1,
      precision: 0.5,
      recall: 1,
    });
    assert.equal(cam1.body.verdicts.rolling_stop.precision, 1);
    assert.equal(cam1.body.verdicts.rolling_stop.recall, 1 / 3);
    assert.equal(cam1.body.verdicts.no_stop.precision, 0.5);
    // All cameras: G adds one correct full stop.
    const all = await get("/api/stats/reviews");
    assert.equal(all.body.verdicts.full_stop.precision, 2 / 3);
    assert.equal(all.body.reviewed, 6);
    // A cam_01 token sees cam_01's figures only; the window is on exited_at.
    assert.equal((await get("/api/stats/reviews", only1)).body.reviewed, 5);
    assert.equal((await get("/api/stats/reviews?camera=cam_02", only1)).status, 404);
    const early = await get("/api/stats/reviews?before=2026-11-21T08:02:00Z");
    assert.equal(early.body.reviewed, 2);
    const none = await get("/api/stats/reviews?after=2026-11-22");
    assert.equal(none.body.verdicts.no_stop.precision, null);
    assert.equal(none.body.accuracy, null);

    // Records.
    const names = (rows: { id: string }[]) =>
      rows.map((r) => Object.entries(id).find(([, v]) => v === r.id)![0]);
    const rec = await get("/api/stats/records?limit=2");
    assert.equal(rec.status, 200);
    assert.deepEqual(names(rec.body.longest_stops), ["G", "A"]);
    assert.deepEqual(names(rec.body.fastest_no_stops), ["E", "H"]); // calibrated first
    assert.deepEqual(names(rec.body.recent_violations), ["H", "F"]);
    const rec1 = await get("/api/stats/records", only1);
    assert.deepEqual(names(rec1.body.longest_stops), ["A", "B"]);
    assert.deepEqual(names(rec1.body.fastest_no_stops), ["E", "H", "D"]);
    assert.deepEqual(names(rec1.body.recent_violations), ["H", "F", "E", "D", "C"]);
    assert.equal(rec1.body.fastest_no_stops[0].entry_speed_mps, 9);
    assert.equal((await get("/api/stats/records?limit=51")).status, 400);
    assert.equal((await app.request("/api/stats/records")).status, 401);
  } finally {
    await pool.end();
    await db.close();
  }
});
