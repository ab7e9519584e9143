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
          : plate.data[(sy * W + sx) * 3 + c];
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
