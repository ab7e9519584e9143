/**
 * Ground-plane calibration: the homography that maps image points (normalized to the frame, as
 * zones are) to road-plane coordinates in metres, from four points seen in the image and
 * measured on the road. Used by the analyzer (road positions, so
 * speeds in m/s) and by config validation.
 */
import type { Point } from "./geometry.ts";

/** 3x3 matrix, row-major; maps [x, y, 1] to [X w, Y w, w]. */
export type Homography = [number, number, number, number, number, number, number, number, number];

/** Cross products below this (relative to the quadrilateral's size squared) are degenerate. */
const REL_EPS = 1e-3;

function _cross(o: Point, a: Point, b: Point): number {
  return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
}

/**
 * Why four points do not make a usable quadrilateral (in the order given, as a polygon), or
 * null when they do: each corner must turn the same way (convex, not self-intersecting) and no
 * three points may be (nearly) collinear; otherwise the homography is undefined or wildly
 * unstable.
 */
export function quadrilateralProblem(pts: readonly Point[]): string | null {
  if (pts.length !== 4) return "needs exactly four points";
  if (!pts.every((p) => Number.isFinite(p[0]) && Number.isFinite(p[1]))) {
    return "points must be finite numbers";
  }
  let size = 0;
  for (const a of pts) {
    for (const b of pts) size = Math.max(size, Math.hypot(a[0] - b[0], a[1] - b[1]));
  }
  if (size === 0) return "the four points coincide";
  const eps = REL_EPS * size * size;
  let sign = 0;
  for (let i = 0; i < 4; i++) {
    const c = _cross(pts[i], pts[(i + 1) % 4], pts[(i + 2) % 4]);
    if (Math.abs(c) <= eps) return "three of the points are (nearly) on one line";
    const s = Math.sign(c);
    if (sign !== 0 && s !== sign) {
      return "the points do not form a convex quadrilateral in this order";
    }
    sign = s;
  }
  return null;
}

/** Solve A x = b (n x n) by Gaussian elimination with partial pivoting; null if singular. */
function _solve(a: number[][], b: number[]): number[] | null {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r;
    if (Math.abs(m[p][c]) < 1e-12) return null;
    [m[c], m[p]] = [m[p], m[c]];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r][c] / m[c][c];
      for (let k = c; k <= n; k++) m[r][k] -= f * m[c][k];
    }
  }
  return m.map((row, i) => row[n] / row[i]);
}

/**
 * The homography taking each `image[i]` to `ground[i]` (direct linear transform, h33 = 1).
 * Throws when either quadrilateral is degenerate.
 */
export function homographyFromPoints(
  image: readonly Point[],
  ground: readonly Point[],
): Homography {
  const bad = quadrilateralProblem(image) ?? quadrilateralProblem(ground);
  if (bad) throw new Error(`calibration: ${bad}`);
  const a: number[][] = [];
  const b: number[] = [];
  for (let i = 0; i < 4; i++) {
    const [x, y] = image[i], [u, v] = ground[i];
    a.push([x, y, 1, 0, 0, 0, -u * x, -u * y]);
    b.push(u);
    a.push([0, 0, 0, x, y, 1, -v * x, -v * y]);
    b.push(v);
  }
  const h = _solve(a, b);
  if (!h) throw new Error("calibration: the points give no homography");
  return [...h, 1] as Homography;
}

/** Map an image point (normalized) to the road plane (metres). */
export function applyHomography(h: Homography, p: Point): Point {
  const w = h[6] * p[0] + h[7] * p[1] + h[8];
  return [(h[0] * p[0] + h[1] * p[1] + h[2]) / w, (h[3] * p[0] + h[4] * p[1] + h[5]) / w];
}
