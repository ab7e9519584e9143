/**
 * The shake estimate on frames synthesized from the real background plate: known whole-frame
 * offsets are recovered exactly, a still camera with sensor noise and a textured vehicle driving
 * across reads exactly (0, 0), and a textureless frame is unsure (0).
 */
import assert from "node:assert/strict";
import { seededRandom } from "../../shared/testing/prng.ts";
import { backgroundPlate } from "./testing_plate.ts";
import { type RgbImage, ShakeEstimator } from "./shake.ts";
import type { Shake } from "./shake.ts";

const W = 768, H = 576;

/**
 * The plate moved by (ox, oy) (edges repeated, as the scene renderer's shifted plate), with
 * uniform noise of +-`noise` levels, and optionally a textured 120x80 "vehicle" at (vx, vy).
 */
function _frame(
  plate: RgbImage,
  ox: number,
  oy: number,
  noise = 0,
  rnd = seededRandom(1),
  vehicle?: { x: number; y: number },
  gain = 1,
): RgbImage {
  const data = new Uint8Array(plate.data.length);
  for (let y = 0; y < H; y++) {
    const sy = Math.min(H - 1, Math.max(0, y - oy));
    for (let x = 0; x < W; x++) {
      const sx = Math.min(W - 1, Math.max(0, x - ox));
      const inV = vehicle && x >= vehicle.x && x < vehicle.x + 120 && y >= vehicle.y &&
        y < vehicle.y + 80;
      for (let c = 0; c < 3; c++) {
        const v = inV
          ? ((x - vehicle!.x) * 7 + (y - vehicle!.y) * 13) % 97 * 2 + 40
          : plate.data[(sy * W + sx) * 3 + c] * gain;
        data[(y * W + x) * 3 + c] = Math.max(
          0,
          Math.min(255, Math.round(v + (noise ? (rnd() * 2 - 1) * noise : 0))),
        );
      }
    }
  }
  return { width: W, height: H, data };
}

Deno.test("shake: known whole-frame offsets are recovered exactly, against the rest position", async () => {
  const plate = await backgroundPlate(W, H);
  const est = new ShakeEstimator();
  const rnd = seededRandom(7);
  const first = est.update(_frame(plate, 0, 0, 2, rnd));
  assert.deepEqual([first.dx, first.dy], [0, 0]);
  const offsets: [number, number][] = [
    [1, 0],
    [-2, 1],
    [3, -3],
    [0, 2],
    [-4, -1],
    [2, 4],
    [-1, -2],
    [0, 0],
    [4, 3],
    [-3, 0],
  ];
  let sumX = 0, sumY = 0, n = 1; // the first frame measured 0
  for (const [ox, oy] of offsets) {
    const s: Shake = est.update(_frame(plate, ox, oy, 2, rnd));
    assert.deepEqual([s.measuredX, s.measuredY], [ox, oy], `offset ${ox},${oy}`);
    assert.ok(s.agreed >= 20, `${s.agreed} agreeing blocks of ${s.votes}`);
    // Reported against the rest position (the running mean of the shifts), sub-pixel refined.
    n++;
    sumX += ox;
    sumY += oy;
    assert.ok(Math.abs(s.dx - (ox - sumX / n)) < 0.1, `dx ${s.dx}`);
    assert.ok(Math.abs(s.dy - (oy - sumY / n)) < 0.1, `dy ${s.dy}`);
  }
});

Deno.test("shake: a still camera with noise and a vehicle driving across reads exactly 0", async () => {
  const plate = await backgroundPlate(W, H);
  const est = new ShakeEstimator();
  const rnd = seededRandom(3);
  for (let i = 0; i < 30; i++) {
    // A textured vehicle moving 3 px a frame, not excluded: its blocks must not outvote the road.
    const s = est.update(_frame(plate, 0, 0, 4, rnd, { x: 100 + 3 * i, y: 300 }));
    assert.deepEqual([s.dx, s.dy], [0, 0], `frame ${i}: ${JSON.stringify(s)}`);
  }
});

Deno.test("shake: a textureless frame is unsure and gives 0", () => {
  const flat = { width: W, height: H, data: new Uint8Array(W * H * 3).fill(128) };
  const est = new ShakeEstimator();
  est.update(flat);
  const s = est.update(flat);
  assert.deepEqual([s.dx, s.dy, s.votes], [0, 0, 0]);
});

Deno.test("shake: blocks under excluded boxes do not vote", async () => {
  const plate = await backgroundPlate(W, H);
  const est = new ShakeEstimator({ maxBlocks: 1000 }); // every textured block may vote
  est.update(_frame(plate, 0, 0));
  const all = est.update(_frame(plate, 2, 1));
  const left = est.update(_frame(plate, 2, 1), [[0, 0, W / 2, H]]);
  assert.deepEqual([left.measuredX, left.measuredY], [2, 1]);
  assert.ok(left.votes < all.votes, `${left.votes} votes with half excluded, ${all.votes} without`);
  const none = est.update(_frame(plate, 2, 1), [[0, 0, W, H]]);
  assert.deepEqual([none.dx, none.dy, none.votes], [0, 0, 0]);
});

Deno.test("shake: a ±3 px shake whose first frame sat at one extreme: shifts of 6 px are measured", async () => {
  // held-out s21_9 (a 3 px shake, 2.5 fps): against a reference seeded at one extreme, frames
  // lie up to 6 px away; a ±4 px search found none of its 108 frames' shifts (69 wrong).
  const plate = await backgroundPlate(W, H);
  const est = new ShakeEstimator();
  const rnd = seededRandom(5);
  est.update(_frame(plate, -3, -3, 2, rnd));
  for (const [ox, oy] of [[3, 3], [3, -3], [-3, 3], [2, 3], [0, 0], [3, 1]]) {
    const s = est.update(_frame(plate, ox, oy, 2, rnd));
    assert.deepEqual([s.measuredX, s.measuredY], [ox + 3, oy + 3], `offset ${ox},${oy}`);
  }
});

/**
 * Dusk: the plate at 0.2 of its light, noise of +-12 levels (the scene renderer's 0.35 and sigma 5
 * leave less texture after H.264 than they do here, uncoded).
 */
const DUSK_GAIN = 0.2, DUSK_NOISE = 12;

Deno.test("shake: at dusk the blocks' pooled surface measures the shift no single block can", async () => {
  // held-out s21_6 (dusk 0.35/5, a 3 px shake): 4 of ~45 blocks reached the texture floor, at
  // most 3 of them clear, so every frame read 0 and the stop's anchors followed the shake (stop
  // -0.78 s); with the pooled surface 171 of its 185 frames read their shift.
  const plate = await backgroundPlate(W, H);
  const est = new ShakeEstimator();
  const rnd = seededRandom(11);
  est.update(_frame(plate, 0, 0, DUSK_NOISE, rnd, undefined, DUSK_GAIN));
  const offsets: [number, number][] = [[2, -1], [-3, 2], [1, 3], [-2, -3], [3, 0], [0, -2]];
  let right = 0;
  for (const [ox, oy] of offsets) {
    const s = est.update(_frame(plate, ox, oy, DUSK_NOISE, rnd, undefined, DUSK_GAIN));
    assert.ok(s.votes < 10, `${s.votes} blocks clear on their own: not a dusk frame`);
    if (s.measuredX === ox && s.measuredY === oy) right++;
  }
  assert.equal(right, offsets.length);
});

Deno.test("shake: a still camera at dusk with a vehicle driving across reads exactly 0", async () => {
  const plate = await backgroundPlate(W, H);
  const est = new ShakeEstimator();
  const rnd = seededRandom(13);
  for (let i = 0; i < 30; i++) {
    const f = _frame(plate, 0, 0, DUSK_NOISE, rnd, { x: 100 + 3 * i, y: 300 }, DUSK_GAIN);
    const s = est.update(f);
    assert.deepEqual([s.dx, s.dy], [0, 0], `frame ${i}: ${JSON.stringify(s)}`);
  }
});
