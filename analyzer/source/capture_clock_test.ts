import assert from "node:assert/strict";
import { CaptureClock } from "./capture_clock.ts";

Deno.test("offline: a fixed anchor plus PTS, whatever the arrival times", () => {
  const c = new CaptureClock(1_000_000);
  assert.equal(c.captureTs(0, 5), 1_000_000);
  assert.equal(c.captureTs(2.5, 99_999_999), 1_002_500);
});

Deno.test("live join: a backlog burst does not push capture times ahead of arrival", () => {
  const c = new CaptureClock(null);
  // 10 frames from the last keyframe arrive at once at t=10_000, then live at 10 fps.
  const burst = Array.from({ length: 10 }, (_, i) => c.captureTs(i * 0.1, 10_000 + i));
  for (const [i, ts] of burst.entries()) assert.ok(ts <= 10_000 + i, `burst frame ${i}: ${ts}`);
  const live = Array.from({ length: 20 }, (_, k) => c.captureTs((10 + k) * 0.1, 10_100 + k * 100));
  // After the burst, capture time is the live edge: equal to arrival (no network jitter here).
  for (const [k, ts] of live.entries()) {
    assert.ok(Math.abs(ts - (10_100 + k * 100)) <= 10, `${k}: ${ts}`);
  }
  const all = [...burst, ...live];
  for (let i = 1; i < all.length; i++) assert.ok(all[i] >= all[i - 1], "never backwards");
});

Deno.test("live: late (jittered) arrivals do not move the clock; steady spacing is kept", () => {
  const c = new CaptureClock(null);
  const ts = [0, 1, 2, 3, 4].map((i) => c.captureTs(i * 0.1, 5_000 + i * 100 + (i % 2 ? 40 : 0)));
  assert.deepEqual(ts, [5_000, 5_100, 5_200, 5_300, 5_400]);
});
