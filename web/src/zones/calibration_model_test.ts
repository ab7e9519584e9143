import assert from "node:assert/strict";
import type { Point } from "../../../shared/geometry.ts";
import { applyHomography, homographyFromPoints } from "../../../shared/homography.ts";
import {
  calibrationError,
  calibrationGrid,
  calibrationWarnings,
  rectangleGround,
} from "./calibration_model.ts";

/** A lane seen from behind and above: a trapezoid narrowing toward the top of the frame. */
const IMAGE: Point[] = [[0.3, 0.8], [0.6, 0.8], [0.55, 0.5], [0.4, 0.5]];

Deno.test("calibration: rectangle corners in click order and a grid that passes through them", () => {
  const ground = rectangleGround(3.5, 12);
  assert.deepEqual(ground, [[0, 0], [3.5, 0], [3.5, 12], [0, 12]]);
  const c = { image: IMAGE, ground };
  assert.equal(calibrationError(c), null);
  assert.deepEqual(calibrationWarnings(c), []);
  const grid = calibrationGrid(c);
  assert.ok(grid.length > 10);
  // The grid line X = 0 runs through the near-left and far-left corners.
  const toImage = homographyFromPoints(ground, IMAGE);
  const nearLeft = applyHomography(toImage, [0, 0]);
  assert.ok(Math.hypot(nearLeft[0] - 0.3, nearLeft[1] - 0.8) < 1e-6);
  const onLeftEdge = grid.some((l) => l.some((p) => Math.hypot(p[0] - 0.4, p[1] - 0.5) < 1e-3));
  assert.ok(onLeftEdge, "a grid line passes through the far-left corner");
});

Deno.test("calibration: degenerate points are errors, implausible ones warnings", () => {
  assert.match(
    calibrationError({
      image: [[0.1, 0.1], [0.2, 0.2], [0.3, 0.3], [0.1, 0.5]],
      ground: rectangleGround(3, 10),
    })!,
    /image points: three of the points/,
  );
  assert.match(
    calibrationError({ image: IMAGE, ground: rectangleGround(0, 10) })!,
    /road distances/,
  );
  // A width typed in centimetres.
  assert.match(
    calibrationWarnings({ image: IMAGE, ground: rectangleGround(350, 12) })[0],
    /times longer than wide/,
  );
  // Near and far corners swapped: the lane widens away from the camera, lines meet below.
  const flipped: Point[] = [[0.4, 0.8], [0.55, 0.8], [0.6, 0.5], [0.3, 0.5]];
  const w = calibrationWarnings({ image: flipped, ground: rectangleGround(3.5, 12) });
  assert.ok(w.some((m) => /meet below the clicked points/.test(m)), JSON.stringify(w));
});
