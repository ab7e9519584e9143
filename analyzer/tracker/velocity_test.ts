import assert from "node:assert/strict";
import { VelocityEstimator } from "./velocity.ts";

Deno.test("velocity: exact on clean constant motion, any dt", () => {
  const v = new VelocityEstimator();
  let t = 0;
  const gaps = [100, 67, 250, 100, 133];
  for (let i = 0; i < 30; i++) {
    t += gaps[i % gaps.length];
    v.push(t, 10 + (30 * t) / 1000, 50 - (40 * t) / 1000, 100);
  }
  assert.ok(Math.abs(v.velocity[0] - 30) < 1e-6 && Math.abs(v.velocity[1] + 40) < 1e-6);
  assert.ok(Math.abs(v.speed - 50) < 1e-6);
});

Deno.test("velocity: a clean stop and a clean start show within 0.4 s (4 samples at 10 fps)", () => {
  const v = new VelocityEstimator();
  // 60 px/s for 2 s, stand 2 s, 60 px/s again.
  const pos = (t: number) => (t < 2 ? 60 * t : t < 4 ? 120 : 120 + 60 * (t - 4));
  const speeds: [number, number][] = [];
  for (let i = 0; i <= 60; i++) {
    const t = i / 10;
    v.push(t * 1000, pos(t), 0, 100);
    speeds.push([t, v.speed]);
  }
  const stopped = speeds.find(([t, s]) => t >= 2 && s < 10)!;
  assert.ok(stopped[0] <= 2.4, `read stopped at ${stopped[0]}`);
  const moving = speeds.find(([t, s]) => t > 4 && s > 10)!;
  assert.ok(moving[0] <= 4.4, `read moving at ${moving[0]}`);
  assert.ok(speeds.filter(([t]) => t >= 2.4 && t <= 4).every(([, s]) => s < 10));
  assert.ok(speeds.filter(([t]) => t >= 2.6 && t <= 4).every(([, s]) => s < 0.5));
});

Deno.test("velocity: a duplicate capture time replaces the sample instead of dividing by zero", () => {
  const v = new VelocityEstimator();
  v.push(0, 0, 0, 100);
  v.push(100, 10, 0, 100);
  v.push(100, 10, 0, 100);
  assert.ok(Number.isFinite(v.speed));
  assert.ok(Math.abs(v.speed - 100) < 1e-6);
  v.clear();
  assert.equal(v.speed, 0);
});
