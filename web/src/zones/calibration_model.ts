/**
 * The zone editor's ground calibration (issue #12 §4), pure: the common case of a road rectangle
 * of known width and length (the operator clicks its four corners on the frame and types two
 * distances), the grid it implies on the road (shared/homography.ts, inverted: road -> image),
 * and warnings for a calibration that would give nonsense speeds.
 */
import type { Point } from "../../../shared/geometry.ts";
import {
  applyHomography,
  homographyFromPoints,
  quadrilateralProblem,
} from "../../../shared/homography.ts";

export interface Calibration {
  image: Point[];
  ground: Point[];
}

/**
 * Road coordinates (m) of a width x length rectangle's corners, in the order the operator is
 * asked to click them: near-left, near-right, far-right, far-left (X across, Y along the road).
 */
export function rectangleGround(width_m: number, length_m: number): Point[] {
  return [[0, 0], [width_m, 0], [width_m, length_m], [0, length_m]];
}

/**
 * Grid lines on the road every `step_m` metres across the calibrated rectangle (extended by
 * `extend` rectangle lengths beyond it toward and away from the camera), each as a polyline of
 * normalized image points; road points behind the camera (past the horizon) are left out.
 */
export function calibrationGrid(c: Calibration, step_m = 1, extend = 1): Point[][] {
  const toImage = homographyFromPoints(c.ground, c.image);
  const xs = c.ground.map((p) => p[0]), ys = c.ground.map((p) => p[1]);
  const x0 = Math.min(...xs), x1 = Math.max(...xs), y0 = Math.min(...ys), y1 = Math.max(...ys);
  const len = y1 - y0;
  const ya = y0 - extend * len, yb = y1 + extend * len;
  // Finer than a metre on a small rectangle, at most ~40 lines on a large one.
  const step = Math.max(step_m, (yb - ya) / 40, (x1 - x0) / 20);
  const visible = (p: Point) => {
    const w = _w(toImage, p);
    return w > 0 === (_w(toImage, c.ground[0]) > 0);
  };
  const line = (a: Point, b: Point): Point[] => {
    const pts: Point[] = [];
    for (let k = 0; k <= 16; k++) {
      const p: Point = [a[0] + (b[0] - a[0]) * k / 16, a[1] + (b[1] - a[1]) * k / 16];
      if (visible(p)) pts.push(applyHomography(toImage, p));
    }
    return pts;
  };
  const out: Point[][] = [];
  for (let x = x0; x <= x1 + 1e-9; x += step) out.push(line([x, ya], [x, yb]));
  for (let y = ya; y <= yb + 1e-9; y += step) out.push(line([x0, y], [x1, y]));
  return out.filter((l) => l.length >= 2);
}

function _w(h: number[], p: Point): number {
  return h[6] * p[0] + h[7] * p[1] + h[8];
}

/** Why the calibration cannot be saved (degenerate points or distances), or null. */
export function calibrationError(c: Calibration): string | null {
  const img = quadrilateralProblem(c.image);
  if (img) return `image points: ${img}`;
  const gr = quadrilateralProblem(c.ground);
  if (gr) return `road distances: ${gr}`;
  try {
    homographyFromPoints(c.image, c.ground);
  } catch (e) {
    return (e as Error).message;
  }
  return null;
}

/**
 * Warnings for a calibration that can be saved but probably is wrong: a rectangle with a huge
 * aspect ratio (a distance typed in cm, or a swapped pair), a grid that converges downward
 * (the road's vanishing point below the clicked points, where a camera above the road cannot
 * see it: corners clicked in the wrong order), or points beyond the horizon.
 */
export function calibrationWarnings(c: Calibration): string[] {
  if (calibrationError(c)) return [];
  const out: string[] = [];
  const xs = c.ground.map((p) => p[0]), ys = c.ground.map((p) => p[1]);
  const gw = Math.max(...xs) - Math.min(...xs), gl = Math.max(...ys) - Math.min(...ys);
  const aspect = Math.max(gw, gl) / Math.max(1e-9, Math.min(gw, gl));
  if (aspect > 12) {
    out.push(`the rectangle is ${aspect.toFixed(0)} times longer than wide: check the distances`);
  }
  const toImage = homographyFromPoints(c.ground, c.image);
  const signs = c.ground.map((p) => Math.sign(_w(toImage, p)));
  if (new Set(signs).size > 1) out.push("some points lie beyond the horizon");
  // Vanishing point of the road's length direction (lines of constant X): H [0, 1, 0].
  const w = toImage[7];
  if (Math.abs(w) > 1e-9) {
    const vp: Point = [toImage[1] / w, toImage[4] / w];
    const top = Math.min(...c.image.map((p) => p[1]));
    // A camera above a road sees its lines converge upward, toward the horizon.
    if (vp[1] > top) {
      out.push(
        "the road's lines meet below the clicked points: check the order of the points " +
          "(near-left, near-right, far-right, far-left) and the distances",
      );
    }
  }
  return out;
}
