import assert from "node:assert/strict";
import { parseTick } from "../../shared/tick.ts";
import { buildTick } from "./tick_builder.ts";

Deno.test("buildTick emits a contract-valid tick with normalized, clamped boxes", () => {
  const tick = buildTick("cam_01", 3, 1_700_000_000_123.6, { w: 768, h: 576 }, [
    {
      id: 4,
      label: "truck",
      conf: 0.55321,
      box: [700, 40, 100, 60], // runs off the right edge
      speed: 12.345,
      hits: 5,
      confirmed: true,
      firstTs: 0,
      lastTs: 0,
    },
  ], { fps: 9.96, infer_ms: 13.04, lag_ms: 35.4, dropped: 2 });
  const r = parseTick(JSON.parse(JSON.stringify(tick)));
  assert.ok(r.ok, !r.ok ? r.error : "");
  assert.equal(tick.ts, 1_700_000_000_124);
  assert.deepEqual(tick.tracks[0].bbox, [0.91146, 0.06944, 0.08854, 0.10417]);
  assert.equal(tick.tracks[0].conf, 0.553);
  assert.equal(tick.tracks[0].speed, 12.3);
  assert.deepEqual(tick.stats, { fps: 10, infer_ms: 13, lag_ms: 35, dropped: 2 });
});
