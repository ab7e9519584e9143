import assert from "node:assert/strict";
import type { Point } from "./geometry.ts";
import { applyHomography, homographyFromPoints, quadrilateralProblem } from "./homography.ts";

/** A road seen in perspective: a 3.5 m x 20 m rectangle whose far end is narrower. */
const IMAGE: Point[] = [[0.40, 0.30], [0.60, 0.30], [0.90, 0.90], [0.10, 0.90]];
const GROUND: Point[] = [[0, 20], [3.5, 20], [3.5, 0], [0, 0]];

Deno.test("homography maps the four calibration points exactly, and lines to lines", () => {
  const h = homographyFromPoints(IMAGE, GROUND);
  for (let i = 0; i < 4; i++) {
    const [x, y] = applyHomography(h, IMAGE[i]);
    assert.ok(Math.abs(x - GROUND[i][0]) < 1e-9 && Math.abs(y - GROUND[i][1]) < 1e-9, `${i}`);
  }
  // The image centre line of the road maps to X = 1.75 m at every depth.
  for (const t of [0, 0.3, 0.7, 1]) {
    const p: Point = [0.5, 0.3 + 0.6 * t];
    assert.ok(Math.abs(applyHomography(h, p)[0] - 1.75) < 1e-9);
  }
  // Perspective: equal image steps near the top cover more road than near the bottom.
  const far = applyHomography(h, [0.5, 0.35])[1] - applyHomography(h, [0.5, 0.40])[1];
  const near = applyHomography(h, [0.5, 0.80])[1] - applyHomography(h, [0.5, 0.85])[1];
  assert.ok(far > 3 * near, `far ${far} m vs near ${near} m per 0.05 of the frame`);
});

Deno.test("degenerate quadrilaterals are refused with the reason", () => {
  assert.equal(quadrilateralProblem(IMAGE), null);
  assert.match(
    quadrilateralProblem([[0.1, 0.1], [0.5, 0.1], [0.9, 0.1], [0.5, 0.8]])!,
    /on one line/,
  );
  assert.match(
    quadrilateralProblem([[0.1, 0.1], [0.9, 0.9], [0.9, 0.1], [0.1, 0.9]])!,
    /convex/,
    "a bow tie (crossed order)",
  );
  assert.match(quadrilateralProblem([[0.2, 0.2], [0.2, 0.2], [0.2, 0.2], [0.2, 0.2]])!, /coincide/);
  assert.match(quadrilateralProblem([[0, 0], [1, 0], [1, 1]])!, /four points/);
  assert.throws(() => homographyFromPoints(IMAGE, [[0, 0], [1, 0], [2, 0], [0, 5]]), /one line/);
});
