import assert from "node:assert/strict";
import type { Tick } from "../../../shared/tick.ts";
import { layoutTick, trackLabel } from "./overlay_canvas.ts";

const tick: Tick = {
  v: 1,
  type: "tick",
  camera: "cam_01",
  seq: 1,
  ts: 0,
  frame: { w: 768, h: 576 },
  space: "source",
  tracks: [{ id: 17, label: "car", conf: 0.834, bbox: [0.5, 0.5, 0.25, 0.25], stop_s: 1.44 }],
  stats: { fps: 10, infer_ms: 12, lag_ms: 30, dropped: 0 },
};

Deno.test("layoutTick maps normalized boxes through the object-fit: contain letterbox", () => {
  // 4:3 video in a 1600x900 element: picture is 1200x900, pillarboxed 200 px each side.
  const [b] = layoutTick(tick, 768, 576, 1600, 900, 1);
  assert.deepEqual(b.rect, [200 + 600, 450, 300, 225]);
  // devicePixelRatio scales into the canvas backing store.
  const [b2] = layoutTick(tick, 768, 576, 1600, 900, 2);
  assert.deepEqual(b2.rect, [1600, 900, 600, 450]);
  // Before video metadata (videoWidth 0) the tick's frame size gives the aspect.
  assert.deepEqual(layoutTick(tick, 0, 0, 1600, 900, 1)[0].rect, b.rect);
  // Letterboxed (bars top and bottom) in a tall element.
  const [b3] = layoutTick(tick, 768, 576, 400, 600, 1);
  assert.deepEqual(b3.rect, [200, 150 + 150, 100, 75]);
});

Deno.test("layoutTick places the judged point: bottom centre by default, or the box centre", () => {
  // Box 800,450 300x225 in the pillarboxed picture (see above).
  assert.deepEqual(layoutTick(tick, 768, 576, 1600, 900, 1)[0].anchor, [950, 675]);
  assert.deepEqual(layoutTick(tick, 768, 576, 1600, 900, 1, "bottom_center")[0].anchor, [950, 675]);
  assert.deepEqual(layoutTick(tick, 768, 576, 1600, 900, 1, "center")[0].anchor, [950, 562.5]);
  assert.deepEqual(layoutTick(tick, 768, 576, 1600, 900, 2, "center")[0].anchor, [1900, 1125]);
});

Deno.test("track label: id, class, confidence, stop timer", () => {
  assert.equal(trackLabel(tick.tracks[0]), "#17 car 0.83 stop 1.4s");
  assert.equal(
    trackLabel({ ...tick.tracks[0], speed_px_s: 11.6 }),
    "#17 car 0.83 12px/s stop 1.4s",
  );
  assert.equal(trackLabel({ ...tick.tracks[0], stop_s: null }), "#17 car 0.83");
});

Deno.test("track label: a calibrated camera's road speed in km/h or mph instead of px/s", () => {
  const t = { ...tick.tracks[0], speed: 11.6, speed_mps: 10, stop_s: null };
  assert.equal(trackLabel(t), "#17 car 0.83 36 km/h");
  assert.equal(trackLabel(t, "imperial"), "#17 car 0.83 22 mph");
  assert.equal(
    layoutTick({ ...tick, tracks: [t] }, 768, 576, 1600, 900, 1, "center", "imperial")[0]
      .label,
    "#17 car 0.83 22 mph",
  );
});
