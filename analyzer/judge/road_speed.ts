/**
 * Road speeds (m/s) of a calibrated camera, measured on road positions (issue #12).
 *
 * Why not the image velocity through the homography's Jacobian: a vehicle at constant road speed
 * moves ever faster in the image as it nears the camera, so a windowed image velocity averages
 * older, slower image motion and read 15-31 % low on the perspective scenes
 * (dev/testing/scenes/perspective_catalog.ts). Here each detection's anchor point (the raw box's
 * bottom centre by default) is mapped to the road first, and the speed is fitted on metres:
 *
 * - `RoadVelocity` (causal, live): the tracker's adaptive-window estimator (tracker/velocity.ts)
 *   on road positions. Its noise model is the detector's pixel jitter times the metres one pixel
 *   spans at that point (`metresPerPx`): a 1 px jitter is ~0.6 m at 45 m in the perspective
 *   camera and ~5 cm at 13 m, so the window grows far away and stays short near.
 * - `roadSpeedAt` (non-causal, at pass time): a pass is written after the vehicle left the zone,
 *   so its entry, minimum and maximum speeds are fitted on positions on both sides of each
 *   instant: a weighted local quadratic over the window around t (symmetric or one-sided) that
 *   fits within the noise and has the smallest variance at t. A causal window lags a braking
 *   vehicle by half its length (entry speeds read 13-23 % high on the scenes); a fixed symmetric
 *   window straddles the end of a brake and reads a rolling stop's 1.5 m/s entry as 1.8-2.1.
 */
import type { Point } from "../../shared/geometry.ts";
import { applyHomography, type Homography } from "../../shared/homography.ts";
import { DEFAULT_VELOCITY, VelocityEstimator } from "../tracker/velocity.ts";

/** A road position, metres, at a capture time (ms), with its noise std (m). */
export interface RoadSample {
  ts: number;
  X: number;
  Y: number;
  sigma_m: number;
}

/** Detector jitter of an anchor coordinate, px: the tracker's floor (velocity.ts). */
export function pixelNoiseStd(boxW: number, boxH: number): number {
  return Math.max(
    DEFAULT_VELOCITY.noiseStdPx,
    DEFAULT_VELOCITY.noiseStdFrac * Math.sqrt(Math.max(0, boxW * boxH)),
  );
}

/** The road point (m) of an image point in source px. */
export function toRoad(h: Homography, p: Point, w: number, hh: number): Point {
  return applyHomography(h, [p[0] / w, p[1] / hh]);
}

/**
 * Metres on the road that one source pixel spans at image point `p` (px), in the direction
 * where it spans most (along the road, away from the camera).
 */
export function metresPerPx(h: Homography, p: Point, w: number, hh: number): number {
  const g0 = toRoad(h, p, w, hh);
  const gx = toRoad(h, [p[0] + 1, p[1]], w, hh);
  const gy = toRoad(h, [p[0], p[1] + 1], w, hh);
  return Math.max(
    Math.hypot(gx[0] - g0[0], gx[1] - g0[1]),
    Math.hypot(gy[0] - g0[0], gy[1] - g0[1]),
  );
}

/** Causal road speed of one track (live tick `speed_mps`, the causal stop timer). */
export class RoadVelocity {
  // Noise floor in metres comes in per sample (`size` = sigma_m with noiseStdFrac 1).
  readonly #vel = new VelocityEstimator({ noiseStdPx: 0.002, noiseStdFrac: 1 });

  push(s: RoadSample): void {
    this.#vel.push(s.ts, s.X, s.Y, s.sigma_m);
  }

  /** m/s */
  get speed(): number {
    return this.#vel.speed;
  }
}

/** Longest window around t used by the non-causal fit, ms each side. */
const FIT_SPAN_MS = 1200;
/** Fewest samples of a fitted window (a quadratic plus two degrees of freedom for the test). */
const FIT_MIN_SAMPLES = 5;
/**
 * A window fits when its weighted residual sum is at most dof + FIT_Z sqrt(2 dof) (a chi-square
 * bound, about 2 sigma) — otherwise the motion in it is not one constant acceleration.
 */
const FIT_Z = 2;

interface _Fit {
  v: number;
  variance: number;
  chi2: number;
  dof: number;
}

/**
 * Weighted least-squares polynomial of degree 1 or 2 in u = (ts - t)/1000 on samples [a, b];
 * slope at u = 0, its variance (per unit noise) and the weighted residual sum.
 */
function _poly(
  s: readonly RoadSample[],
  a: number,
  b: number,
  t: number,
  deg: 1 | 2,
): _Fit | null {
  const m = [0, 0, 0, 0, 0]; // sums of w u^k, k = 0..4
  const rx = [0, 0, 0], ry = [0, 0, 0];
  for (let i = a; i <= b; i++) {
    const u = (s[i].ts - t) / 1000;
    const w = 1 / (s[i].sigma_m * s[i].sigma_m);
    let p = w;
    for (let k = 0; k <= 4; k++) {
      m[k] += p;
      if (k <= 2) {
        rx[k] += p * s[i].X;
        ry[k] += p * s[i].Y;
      }
      p *= u;
    }
  }
  let cx: number[], cy: number[], variance: number;
  if (deg === 2) {
    const inv = _inverse3([[m[0], m[1], m[2]], [m[1], m[2], m[3]], [m[2], m[3], m[4]]]);
    if (!inv) return null;
    const coef = (r: number[]) => inv.map((row) => row[0] * r[0] + row[1] * r[1] + row[2] * r[2]);
    cx = coef(rx);
    cy = coef(ry);
    variance = inv[1][1];
  } else {
    const det = m[0] * m[2] - m[1] * m[1];
    if (!(det > 0)) return null;
    const coef = (
      r: number[],
    ) => [(m[2] * r[0] - m[1] * r[1]) / det, (m[0] * r[1] - m[1] * r[0]) / det, 0];
    cx = coef(rx);
    cy = coef(ry);
    variance = m[0] / det;
  }
  let chi2 = 0;
  for (let i = a; i <= b; i++) {
    const u = (s[i].ts - t) / 1000;
    const ex = s[i].X - (cx[0] + cx[1] * u + cx[2] * u * u);
    const ey = s[i].Y - (cy[0] + cy[1] * u + cy[2] * u * u);
    chi2 += (ex * ex + ey * ey) / (s[i].sigma_m * s[i].sigma_m);
  }
  // Two coordinates, deg + 1 parameters each.
  return { v: Math.hypot(cx[1], cy[1]), variance, chi2, dof: 2 * (b - a + 1) - 2 * (deg + 1) };
}

function _inverse3(a: number[][]): number[][] | null {
  const [[p, q, r], [s, t, u], [v, w, x]] = a;
  const c00 = t * x - u * w, c01 = -(s * x - u * v), c02 = s * w - t * v;
  const det = p * c00 + q * c01 + r * c02;
  if (!(Math.abs(det) > 1e-300) || !Number.isFinite(det)) return null;
  const c10 = -(q * x - r * w), c11 = p * x - r * v, c12 = -(p * w - q * v);
  const c20 = q * u - r * t, c21 = -(p * u - r * s), c22 = p * t - q * s;
  return [
    [c00 / det, c10 / det, c20 / det],
    [c01 / det, c11 / det, c21 / det],
    [c02 / det, c12 / det, c22 / det],
  ];
}

/**
 * Road speed (m/s) at capture time `t` from road samples on both sides (sorted by ts), or null
 * when fewer than FIT_MIN_SAMPLES lie within FIT_SPAN_MS. Every window [a, b] of consecutive
 * samples within the span that contains t (or ends next to it) is fitted with a quadratic;
 * among the windows that fit within the noise, the one whose slope at t has the least variance
 * wins (long windows where the motion is smooth, one-sided ones next to a sudden change). When
 * none fits, the best-fitting one is used.
 */
export function roadSpeedAt(samples: readonly RoadSample[], t: number): number | null {
  let lo = 0;
  while (lo < samples.length && samples[lo].ts < t - FIT_SPAN_MS) lo++;
  let hi = samples.length - 1;
  while (hi >= 0 && samples[hi].ts > t + FIT_SPAN_MS) hi--;
  if (hi - lo + 1 < FIT_MIN_SAMPLES) return null;
  // First sample at or after t: windows must reach it or the one before it.
  let k = lo;
  while (k <= hi && samples[k].ts < t) k++;
  let best: _Fit | null = null;
  let fallback: _Fit | null = null;
  for (let a = lo; a <= Math.min(k, hi); a++) {
    for (let b = Math.max(k - 1, a + FIT_MIN_SAMPLES - 1); b <= hi; b++) {
      for (const deg of [1, 2] as const) {
        if (deg === 1 && b - a + 1 < FIT_MIN_SAMPLES - 1) continue;
        const f = _poly(samples, a, b, t, deg);
        if (!f || !Number.isFinite(f.variance) || f.variance <= 0) continue;
        const ok = f.chi2 <= f.dof + FIT_Z * Math.sqrt(2 * Math.max(1, f.dof));
        if (ok && (!best || f.variance < best.variance)) best = f;
        if (!fallback || f.chi2 / Math.max(1, f.dof) < fallback.chi2 / Math.max(1, fallback.dof)) {
          fallback = f;
        }
      }
    }
  }
  const f = best ?? fallback;
  return f ? f.v : null;
}
