import assert from "node:assert/strict";
import { betterCapture, type CaptureRequest, passId, stopStats, verdictOf } from "./pass.ts";

const S = (speeds: number[], dtMs = 100) =>
  speeds.map((speed_px_s, i) => ({ ts: i * dtMs, speed_px_s }));
const STOP = { full_stop_min_s: 0.5, rolling_speed_px_s: 40 };

Deno.test("stopStats: k consecutive slow samples are k-1 intervals; zone bounds apply", () => {
  const s = S([50, 20, 5, 0, 0, 0, 4, 30, 60]);
  const a = stopStats(s, 0, Infinity, 10);
  assert.ok(Math.abs(a.total_s - 0.4) < 1e-9); // samples 2..6
  assert.ok(Math.abs(a.longest_s - 0.4) < 1e-9);
  assert.equal(a.min_speed_px_s, 0);
  assert.equal(a.entry_speed_px_s, 50);
  // Entered at sample 3: the interval 2->3 does not count; exit at sample 5 closes the run.
  const b = stopStats(s, 300, 500, 10);
  assert.ok(Math.abs(b.total_s - 0.2) < 1e-9);
  assert.equal(b.zone_samples, 2);
  assert.equal(b.entry_speed_px_s, 0);
});

Deno.test("stopStats: the bridge joins a stop across a short blip, not across a pull-away", () => {
  const blip = S([0, 0, 0, 15, 0, 0, 0]);
  assert.ok(Math.abs(stopStats(blip, 0, Infinity, 10, 0).total_s - 0.4) < 1e-9);
  const bridged = stopStats(blip, 0, Infinity, 10, 0.3);
  assert.ok(Math.abs(bridged.total_s - 0.6) < 1e-9);
  assert.ok(Math.abs(bridged.longest_s - 0.6) < 1e-9);
  const moved = S([0, 0, 0, 15, 20, 25, 0, 0]); // 0.4 s between slow samples > 0.3
  const m = stopStats(moved, 0, Infinity, 10, 0.3);
  assert.ok(Math.abs(m.total_s - 0.3) < 1e-9);
  assert.ok(Math.abs(m.longest_s - 0.2) < 1e-9);
});

Deno.test("verdictOf: longest stop decides full_stop, then min speed", () => {
  assert.equal(verdictOf({ longest_s: 0.5, any_slow: true, min_speed_px_s: 0 }, STOP), "full_stop");
  assert.equal(
    verdictOf({ longest_s: 0.4, any_slow: true, min_speed_px_s: 0 }, STOP),
    "rolling_stop",
  );
  assert.equal(
    verdictOf({ longest_s: 0, any_slow: false, min_speed_px_s: 40 }, STOP),
    "rolling_stop",
  );
  assert.equal(verdictOf({ longest_s: 0, any_slow: false, min_speed_px_s: 41 }, STOP), "no_stop");
  // full_stop_min_s 0 still needs a slow sample.
  const zero = { ...STOP, full_stop_min_s: 0 };
  assert.equal(verdictOf({ longest_s: 0, any_slow: false, min_speed_px_s: 100 }, zero), "no_stop");
});

Deno.test("betterCapture and passId", () => {
  const c = (reason: CaptureRequest["reason"], ts: number): CaptureRequest => ({
    passId: "p",
    trackId: 1,
    ts,
    box: [0, 0, 1, 1],
    reason,
  });
  assert.equal(betterCapture(c("zone_exit", 1), c("capture_line", 2)).ts, 2);
  assert.equal(betterCapture(c("capture_line", 1), c("zone_exit", 2)).ts, 1);
  assert.equal(betterCapture(c("capture_line", 1), c("capture_line", 2)).ts, 1);
  assert.equal(betterCapture(null, c("zone_exit", 3)).ts, 3);
  assert.equal(passId("cam_01", 1700000000123.4, 17, 1), "cam_01:1700000000123:17");
  assert.equal(passId("cam_01", 1700000000123, 17, 2), "cam_01:1700000000123:17:2");
});
