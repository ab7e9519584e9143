import assert from "node:assert/strict";
import { STAGES, StageTimings } from "./stage_timings.ts";

function _frame(i: number, detectWait: number) {
  const captureTs = 1_000_000 + i * 100;
  const arrivedAt = captureTs + 7;
  const takenAt = arrivedAt + 1;
  const detectedAt = takenAt + detectWait + 20;
  return { captureTs, arrivedAt, takenAt, detectedAt, inferMs: 20, publishedAt: detectedAt + 2 };
}

Deno.test("stage timings: stages split capture -> publish and add up to it", () => {
  const st = new StageTimings(100);
  for (let i = 0; i < 100; i++) st.record(_frame(i, i)); // detect wait 0..99 ms
  assert.equal(st.quantiles("capture_to_decoded")[0.5], 7);
  assert.equal(st.quantiles("decoded_to_pipeline")[0.5], 1);
  assert.equal(st.quantiles("infer")[0.99], 20);
  assert.equal(st.quantiles("analyze")[0.95], 2);
  const wait = st.quantiles("detect_wait");
  assert.deepEqual([wait[0.5], wait[0.95], wait[0.99]], [49, 94, 98]);
  const total = st.quantiles("capture_to_publish");
  assert.equal(total[0.5], 7 + 1 + 49 + 20 + 2);
  assert.equal(st.count, 100);
});

Deno.test("stage timings: only the most recent frames count", () => {
  const st = new StageTimings(10);
  for (let i = 0; i < 50; i++) st.record(_frame(i, 500)); // an old slow period
  for (let i = 0; i < 10; i++) st.record(_frame(i, 0));
  assert.equal(st.quantiles("detect_wait")[0.99], 0);
  assert.equal(st.count, 60);
});

Deno.test("stage timings: NaN before the first frame; the worker's infer time is capped by the span", () => {
  const st = new StageTimings();
  for (const s of STAGES) assert.ok(Number.isNaN(st.quantiles(s)[0.5]));
  // Clocks differ between threads by a little: infer can read longer than the round trip.
  st.record({ ..._frame(0, 0), inferMs: 25 });
  assert.equal(st.quantiles("infer")[0.5], 20);
  assert.equal(st.quantiles("detect_wait")[0.5], 0);
});
