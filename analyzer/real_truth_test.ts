import assert from "node:assert/strict";
import { offPath, pathAt, type PathPoint } from "./real_truth.ts";

const path: PathPoint[] = [[1, 0.2, 0.5, 0.1], [2, 0.4, 0.7, 0.2]];

Deno.test("pathAt: linear between points, held at the ends", () => {
  assert.deepEqual(pathAt(path, 0), [0.2, 0.5, 0.1]);
  assert.deepEqual(pathAt(path, 3), [0.4, 0.7, 0.2]);
  const [x, y, w] = pathAt(path, 1.5);
  assert.ok(Math.abs(x - 0.3) < 1e-9 && Math.abs(y - 0.6) < 1e-9 && Math.abs(w - 0.15) < 1e-9);
});

Deno.test("offPath: distance in the vehicle's widths, px on both axes", () => {
  // A 352x288 frame: 0.1 of the height is 28.8 px, 0.08182 of the width; the car is 35.2 px wide.
  const aspect = 352 / 288;
  assert.equal(offPath(path, 1, 0.2, 0.5, aspect), 0);
  assert.ok(Math.abs(offPath(path, 1, 0.2, 0.6, aspect) - 28.8 / 35.2) < 1e-9);
  assert.ok(Math.abs(offPath(path, 1, 0.25, 0.5, aspect) - 0.5) < 1e-9);
});
