import assert from "node:assert/strict";
import type { Box } from "../../shared/geometry.ts";
import { BoxKalman } from "./kalman.ts";

function _box(cx: number, cy: number, w = 100, h = 60): Box {
  return [cx - w / 2, cy - h / 2, w, h];
}

Deno.test("kalman: learns a constant velocity and predicts with the real dt", () => {
  const kf = new BoxKalman(_box(0, 100));
  for (let i = 1; i <= 30; i++) {
    kf.predict(100);
    kf.update(_box(12 * i, 100)); // 120 px/s
  }
  assert.ok(Math.abs(kf.velocity[0] - 120) < 2, `vx ${kf.velocity[0]}`);
  assert.ok(Math.abs(kf.velocity[1]) < 1);
  kf.predict(250); // a dropped-frame gap: 250 ms
  assert.ok(Math.abs(kf.center[0] - (360 + 30)) < 2, `predicted cx ${kf.center[0]}`);
  assert.ok(Math.abs(kf.box[2] - 100) < 1 && Math.abs(kf.box[3] - 60) < 1);
});

Deno.test("kalman: irregular dt gives the same velocity as regular dt", () => {
  const a = new BoxKalman(_box(0, 0));
  const b = new BoxKalman(_box(0, 0));
  let tb = 0;
  const gaps = [67, 133, 300, 100, 67, 200, 100, 233];
  for (let i = 1; i <= 40; i++) {
    a.predict(100);
    a.update(_box(5 * i, 0)); // 50 px/s
    const g = gaps[i % gaps.length];
    tb += g;
    b.predict(g);
    b.update(_box((50 * tb) / 1000, 0));
  }
  assert.ok(Math.abs(a.velocity[0] - 50) < 1, `regular ${a.velocity[0]}`);
  assert.ok(Math.abs(b.velocity[0] - 50) < 1, `irregular ${b.velocity[0]}`);
});

Deno.test("kalman: uncertainty grows while coasting and shrinks with updates; dt <= 0 is a no-op", () => {
  const kf = new BoxKalman(_box(0, 0));
  for (let i = 1; i <= 10; i++) {
    kf.predict(100);
    kf.update(_box(0, 0));
  }
  const settled = kf.centerVariance;
  const before = kf.box;
  kf.predict(0);
  kf.predict(-50);
  assert.deepEqual(kf.box, before);
  assert.equal(kf.centerVariance, settled);
  kf.predict(500);
  assert.ok(kf.centerVariance > settled * 2);
  kf.update(_box(0, 0));
  assert.ok(kf.centerVariance < settled * 2);
});

Deno.test("kalman: a shrinking box never coasts through zero size once frozen", () => {
  const kf = new BoxKalman(_box(0, 0, 100, 100));
  for (let i = 1; i <= 10; i++) {
    kf.predict(100);
    kf.update(_box(0, 0, 100 - 8 * i, 100 - 8 * i));
  }
  kf.freezeSize();
  kf.predict(5000);
  assert.ok(kf.box[2] >= 1 && kf.box[3] >= 1);
  assert.ok(Math.abs(kf.box[3] - 20) < 10, `size held near the last value: ${kf.box}`);
});
