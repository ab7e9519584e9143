import assert from "node:assert/strict";
import { parseTick } from "../../shared/tick.ts";
import { buildTick } from "./tick_builder.ts";

Deno.test("buildTick emits a contract-valid tick with normalized, clamped boxes", () => {
  const phases = new Map([[4, {
    phase: "stopped" as const,
    zone: "stop" as const,
    stop_s: 1.234,
  }]]);
  const tick = buildTick(
    "cam_01",
    3,
    1_700_000_000_123.6,
    { w: 768, h: 576 },
    [
      { id: 4, label: "truck", conf: 0.55321, box: [700, 40, 100, 60], speed_px_s: 12.345 }, // off the right edge
      { id: 5, label: "person", conf: 0.9, box: [10, 10, 20, 40], speed_px_s: 0 },
    ],
    phases,
    { fps: 9.96, infer_ms: 13.04, lag_ms: 35.4, dropped: 2 },
  );
  const r = parseTick(JSON.parse(JSON.stringify(tick)));
  assert.ok(r.ok, !r.ok ? r.error : "");
  assert.equal(tick.ts, 1_700_000_000_124);
  assert.deepEqual(tick.tracks[0].bbox, [0.91146, 0.06944, 0.08854, 0.10417]);
  assert.equal(tick.tracks[0].conf, 0.553);
  assert.equal(tick.tracks[0].speed_px_s, 12.3);
  assert.deepEqual([tick.tracks[0].phase, tick.tracks[0].zone, tick.tracks[0].stop_s], [
    "stopped",
    "stop",
    1.23,
  ]);
  assert.deepEqual([tick.tracks[1].phase, tick.tracks[1].zone, tick.tracks[1].stop_s], [
    null,
    null,
    null,
  ]);
  assert.deepEqual(tick.stats, { fps: 10, infer_ms: 13, lag_ms: 35, dropped: 2 });
  assert.equal("media_ms" in tick, false, "no stream time given: no media_ms");
});

Deno.test("buildTick carries the frame's stream time (media_ms) when known", () => {
  const stats = { fps: 30, infer_ms: 1, lag_ms: 1, dropped: 0 };
  const tick = buildTick("cam_01", 0, 1000, { w: 4, h: 4 }, [], new Map(), stats, 12_345.6789);
  assert.equal(tick.media_ms, 12_345.679);
  const r = parseTick(JSON.parse(JSON.stringify(tick)));
  assert.ok(r.ok && r.value.media_ms === 12_345.679);
  const nan = buildTick("cam_01", 0, 1000, { w: 4, h: 4 }, [], new Map(), stats, NaN);
  assert.equal("media_ms" in nan, false);
});
