/**
 * Constant-velocity Kalman filter on a box (centre x, centre y, width, height and their rates),
 * as in SORT / ByteTrack, but in continuous capture time: `predict(dtMs)` takes the real interval
 * between the frames' capture timestamps, so dropped frames (dt varies) neither slow nor speed up
 * the motion model.
 *
 * With F, H, Q and R all block-diagonal per coordinate (as in ByteTrack's 8-state filter), the
 * 8x8 filter is exactly four independent 2-state [position, rate] filters; they are run as such,
 * which is the same maths with 2x2 algebra and no allocation per step.
 *
 * Noise scales with the box height (ByteTrack's idea): a near, big vehicle jitters and moves more
 * pixels than a far, small one, so one setting fits all distances.
 */
import type { Box, Point } from "../../shared/geometry.ts";

export interface KalmanOptions {
  /** Measurement std of each coordinate, as a fraction of the box height. */
  measStdFrac: number;
  /** Floor of the measurement std, px (small boxes still jitter a pixel or so). */
  measStdMinPx: number;
  /** White-noise acceleration std of the centre, fraction of box height per s^2. */
  accelStdFrac: number;
  /** Same for width and height (sizes change slower than positions). */
  sizeAccelStdFrac: number;
  /** Initial rate std, fraction of box height per s (the first detection says nothing of speed). */
  initRateStdFrac: number;
}

export const DEFAULT_KALMAN: KalmanOptions = {
  measStdFrac: 0.03,
  measStdMinPx: 1,
  accelStdFrac: 1.5,
  sizeAccelStdFrac: 0.3,
  initRateStdFrac: 2,
};

/** Axis order in the state arrays. */
const CX = 0;
const CY = 1;
const W = 2;
const H = 3;

export class BoxKalman {
  readonly #o: KalmanOptions;
  /** Per axis: position and rate. */
  readonly #p = new Float64Array(4);
  readonly #v = new Float64Array(4);
  /** Per axis covariance [P00, P01, P11]. */
  readonly #P = new Float64Array(12);

  constructor(box: Box, opts: Partial<KalmanOptions> = {}) {
    this.#o = { ...DEFAULT_KALMAN, ...opts };
    const z = _measure(box);
    const h = Math.max(1, z[H]);
    const r = this.#measStd(h);
    const rate = this.#o.initRateStdFrac * h;
    for (let k = 0; k < 4; k++) {
      this.#p[k] = z[k];
      this.#v[k] = 0;
      this.#P[k * 3] = r * r;
      this.#P[k * 3 + 1] = 0;
      this.#P[k * 3 + 2] = k < 2 ? rate * rate : (rate / 4) ** 2;
    }
  }

  /** Advance the state by dtMs of capture time (no-op for dt <= 0). */
  predict(dtMs: number): void {
    if (!(dtMs > 0)) return;
    const dt = dtMs / 1000;
    const h = Math.max(1, this.#p[H]);
    for (let k = 0; k < 4; k++) {
      const sa = (k < 2 ? this.#o.accelStdFrac : this.#o.sizeAccelStdFrac) * h;
      const q = sa * sa;
      const i = k * 3;
      const p00 = this.#P[i], p01 = this.#P[i + 1], p11 = this.#P[i + 2];
      this.#p[k] += this.#v[k] * dt;
      // Discretised continuous white-noise acceleration: exact for any dt.
      this.#P[i] = p00 + dt * (2 * p01 + dt * p11) + (q * dt * dt * dt) / 3;
      this.#P[i + 1] = p01 + dt * p11 + (q * dt * dt) / 2;
      this.#P[i + 2] = p11 + q * dt;
    }
    // A box cannot shrink through zero while coasting.
    if (this.#p[W] < 1) this.#p[W] = 1;
    if (this.#p[H] < 1) this.#p[H] = 1;
  }

  /** Fuse a detection box [x, y, w, h]. */
  update(box: Box): void {
    const z = _measure(box);
    const r = this.#measStd(Math.max(1, this.#p[H]));
    const rr = r * r;
    for (let k = 0; k < 4; k++) {
      const i = k * 3;
      const p00 = this.#P[i], p01 = this.#P[i + 1], p11 = this.#P[i + 2];
      const s = p00 + rr;
      const k0 = p00 / s;
      const k1 = p01 / s;
      const y = z[k] - this.#p[k];
      this.#p[k] += k0 * y;
      this.#v[k] += k1 * y;
      this.#P[i] = (1 - k0) * p00;
      this.#P[i + 1] = (1 - k0) * p01;
      this.#P[i + 2] = p11 - k1 * p01;
    }
  }

  /**
   * Set the centre rate to one measured elsewhere (px/s), with the variance of a filter that has
   * seen a steady track: a track born from a chain of boxes (ByteTracker #lowStarts) takes the
   * rate of the line fitted through all of them, not the last few boxes' jitter.
   */
  seedRate([vx, vy]: Point, rateStdPx: number): void {
    this.#v[CX] = vx;
    this.#v[CY] = vy;
    for (const k of [CX, CY]) {
      this.#P[k * 3 + 1] = 0;
      this.#P[k * 3 + 2] = rateStdPx * rateStdPx;
    }
  }

  /**
   * Stop extrapolating size change (ByteTrack zeroes the height rate of lost tracks): a box that
   * was growing as a vehicle approached must not keep growing for a second and a half of coasting.
   */
  freezeSize(): void {
    this.#v[W] = 0;
    this.#v[H] = 0;
  }

  /**
   * The box predicted dtMs ahead, without advancing the filter (motion-gated frames publish it
   * while the detector is skipped; the next detection still predicts from the last update).
   */
  boxAfter(dtMs: number): Box {
    const dt = Math.max(0, dtMs) / 1000;
    const cx = this.#p[CX] + this.#v[CX] * dt, cy = this.#p[CY] + this.#v[CY] * dt;
    const w = Math.max(1, this.#p[W] + this.#v[W] * dt);
    const h = Math.max(1, this.#p[H] + this.#v[H] * dt);
    return [cx - w / 2, cy - h / 2, w, h];
  }

  /** Smoothed box [x, y, w, h]. */
  get box(): Box {
    const w = this.#p[W], h = this.#p[H];
    return [this.#p[CX] - w / 2, this.#p[CY] - h / 2, w, h];
  }

  get center(): Point {
    return [this.#p[CX], this.#p[CY]];
  }

  /** Filter's centre rate, px/s (used for prediction; reported speed comes from velocity.ts). */
  get velocity(): Point {
    return [this.#v[CX], this.#v[CY]];
  }

  /** Position variance of the centre x (for tests and diagnostics). */
  get centerVariance(): number {
    return this.#P[CX * 3];
  }

  #measStd(h: number): number {
    return Math.max(this.#o.measStdMinPx, this.#o.measStdFrac * h);
  }
}

function _measure(box: Box): [number, number, number, number] {
  return [box[0] + box[2] / 2, box[1] + box[3] / 2, box[2], box[3]];
}
