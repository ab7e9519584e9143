import assert from "node:assert/strict";
import { withTestClient } from "../../../dev/testing/postgres.ts";
import { TodayCounters } from "./today_counters.ts";
import { todayFromDb } from "./today_seed.ts";

Deno.test({
  name: "todayFromDb: today's stored passes per camera seed the counters; yesterday's do not count",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withTestClient(async (q) => {
      const now = new Date(2026, 10, 29, 15, 0, 0).getTime();
      const hour = 3600_000;
      const rows: [string, string, number][] = [
        ["cam_01", "full_stop", now - 5 * hour],
        ["cam_01", "no_stop", now - 1 * hour], // the latest of cam_01
        ["cam_01", "rolling_stop", now - 2 * hour],
        ["cam_02", "full_stop", now - 3 * hour],
        ["cam_01", "no_stop", now - 16 * hour], // yesterday, local time
      ];
      for (const [i, [camera, verdict, exited]] of rows.entries()) {
        // Columns by name through jsonb_populate_record.
        const row = {
          id: `${camera}:${i}`,
          camera,
          track_id: i,
          label: "car",
          verdict,
          entered_at: new Date(exited - 4000).toISOString(),
          exited_at: new Date(exited).toISOString(),
          time_in_zone_s: 4,
          stop_duration_s: 0,
          min_speed_px_s: 0,
          entry_speed_px_s: 30,
          quality: {},
          samples: [],
          keep: false, // jsonb_populate_record leaves absent columns null, not their default
          created_at: new Date(exited).toISOString(),
        };
        await q(
          `insert into vehicle_passes select * from jsonb_populate_record(null::vehicle_passes, $1::jsonb)`,
          [JSON.stringify(row)],
        );
      }
      const { day, cameras } = await todayFromDb(q, now);
      assert.equal(day, "2026-11-29");
      assert.deepEqual(cameras.get("cam_01"), {
        passes: 3,
        full_stops: 1,
        last_verdict: "no_stop",
      });
      assert.deepEqual(cameras.get("cam_02"), {
        passes: 1,
        full_stops: 1,
        last_verdict: "full_stop",
      });

      const counters = new TodayCounters(now);
      counters.seed(day, cameras.get("cam_01")!);
      counters.addPass("full_stop", now + 1000);
      const f = counters.figures(now + 2000);
      assert.equal(f.passes_today, 4);
      assert.equal(f.violations_today, 2);
      assert.equal(f.full_stop_share_pct, 50);
      assert.equal(f.last_verdict, "full_stop", "the live pass is newer than the seed");
      // A seed of a day that is over is ignored.
      const later = new TodayCounters(now + 24 * hour);
      later.seed(day, cameras.get("cam_01")!);
      assert.equal(later.figures(now + 24 * hour).passes_today, 0);
    }),
});
