/**
 * Low-light gain for the detector's input (issue #12, "dusk with sensor noise"): what a camera's
 * AGC or an analytics box's night mode does before the model. NanoDet was trained on daylight
 * COCO; at dusk (every pixel x0.3-0.5 plus sensor noise) a 46 px van is a dim, noisy blob it
 * boxes only once the van is large (docs/PERFORMANCE.md "Low light").
 *
 * Per model input (the full frame, and each region crop on its own: the road can be darker than
 * the sky): a luma histogram of every 2nd pixel in x and y; when its mean is below `darkMean` the
 * input is smoothed by a 3x3 binomial filter (the gain would otherwise amplify per-pixel sensor
 * noise into texture) and every channel multiplied by the gain that puts its 99th luma
 * percentile at 255, at most `maxGain`, clipped at 255 (hue kept; no black-point offset: measured
 * on s4_1, stretching the 1st..99th percentiles to full range (gain up to 4) boxed the van in
 * fewer frames than no gain at all: 16 against 48 of 99 on the full frame). The gain is folded
 * into a 256-entry table per model plane together with the model's mean/std, so the resize reads
 * the table instead of multiplying. Inputs that are not dark get no table and are preprocessed
 * exactly as before.
 */
import type { Normalization } from "./preprocess.ts";

/** `auto`: gain dark inputs; `off`: never (config `detect.low_light`). */
export type LowLightMode = "auto" | "off";

export interface LowLightOptions {
  /** An input is dark when its mean luma (0..255) is below this. */
  darkMean: number;
  /** The gain puts this percentile (0..1) of the input's luma at 255. */
  highPct: number;
  /** Gain cap: a nearly black input (night, a lens cap) is not turned into amplified noise. */
  maxGain: number;
  /**
   * Below this gain nothing is done (a dark input that already reaches near 255, e.g. lights at
   * night, would only be clipped). A guard, not tuned: every dusk input measured got 2.5.
   */
  minGain: number;
  /** Histogram sampling step in pixels along x and y (2: a quarter of the pixels). */
  step: number;
  /** Gained inputs are first smoothed by a 3x3 binomial filter (1: yes, 0: no). */
  denoise: number;
}

/**
 * Measured on held-out s4_1 (docs/PERFORMANCE.md "Low light"), van frames boxed by the full frame
 * of 99: off 48; gain <= 2 / 2.5 / 3 without smoothing 55 / 50 / 45; 2.5 with smoothing 57 (the
 * daylight render: 56). Mean luma 70: daylight renders ~120, dusk draws ~36-60, real clips >= 113
 * except the carpark's last 2 s (exposure drop to 51-70).
 */
export const DEFAULT_LOW_LIGHT: LowLightOptions = Object.freeze({
  darkMean: 70,
  highPct: 0.99,
  maxGain: 2.5,
  minGain: 1.25,
  step: 2,
  denoise: 1,
});

/** The gain chosen for one input: every channel value v becomes min(255, v * gain). */
export interface LowLightGain {
  gain: number;
  /** The input's mean luma (0..255) that made it dark. */
  meanLuma: number;
}

/** Luma (BT.601, integer) histogram of an RGB24 image, every `step`-th pixel in x and y. */
export function lumaHistogram(
  frame: { width: number; height: number; data: Uint8Array },
  step: number,
  hist: Uint32Array = new Uint32Array(256),
): Uint32Array {
  hist.fill(0);
  const { width: W, height: H, data } = frame;
  const s = Math.max(1, Math.floor(step));
  for (let y = 0; y < H; y += s) {
    let p = y * W * 3;
    const end = p + W * 3;
    for (; p < end; p += 3 * s) {
      hist[(77 * data[p] + 150 * data[p + 1] + 29 * data[p + 2]) >> 8]++;
    }
  }
  return hist;
}

/** The stretch for an input with this luma histogram, or null when it is not dark. */
export function chooseGain(
  hist: Uint32Array,
  opts: LowLightOptions = DEFAULT_LOW_LIGHT,
): LowLightGain | null {
  let n = 0, sum = 0;
  for (let v = 0; v < 256; v++) {
    n += hist[v];
    sum += v * hist[v];
  }
  if (n === 0) return null;
  const meanLuma = sum / n;
  if (meanLuma >= opts.darkMean) return null;
  const hi = _percentile(hist, n, opts.highPct);
  const gain = Math.min(opts.maxGain, 255 / Math.max(1, hi));
  if (gain < opts.minGain) return null;
  return { gain, meanLuma };
}

function _percentile(hist: Uint32Array, n: number, q: number): number {
  const target = q * n;
  let acc = 0;
  for (let v = 0; v < 256; v++) {
    acc += hist[v];
    if (acc > target) return v;
  }
  return 255;
}

/**
 * The 3 x 256 lookup table (model plane p, source value v at p * 256 + v) that applies `g` and
 * then the model's mean/std: plane p's value for source byte v is
 * (min(v * gain, 255) - mean[p]) / std[p].
 */
export function gainTable(
  g: LowLightGain,
  norm: Normalization,
  out: Float32Array = new Float32Array(768),
): Float32Array {
  for (let p = 0; p < 3; p++) {
    const k = 1 / norm.std[p], b = norm.mean[p];
    for (let v = 0; v < 256; v++) {
      const s = v * g.gain;
      out[p * 256 + v] = ((s > 255 ? 255 : s) - b) * k;
    }
  }
  return out;
}

/**
 * A 3x3 binomial ([1 2 1] / 4 along x, then y) smoothing of an RGB24 image into `out`'s buffer
 * (reused when its size fits): sensor noise is per pixel, a vehicle's edges span several, so the
 * gain does not turn the noise into texture the model reads. Borders repeat the edge pixel.
 */
export function smooth3(
  frame: { width: number; height: number; data: Uint8Array },
  scratch: { tmp: Uint16Array; out: Uint8Array },
): { width: number; height: number; data: Uint8Array } {
  const { width: W, height: H, data } = frame;
  const n = W * H * 3;
  if (scratch.tmp.length < n) scratch.tmp = new Uint16Array(n);
  if (scratch.out.length < n) scratch.out = new Uint8Array(n);
  const tmp = scratch.tmp, out = scratch.out;
  const row = W * 3;
  // Along x: tmp = left + 2 * centre + right (0..1020).
  for (let y = 0; y < H; y++) {
    const r = y * row;
    for (let c = 0; c < 3; c++) {
      tmp[r + c] = 3 * data[r + c] + data[r + 3 + c];
      tmp[r + row - 3 + c] = 3 * data[r + row - 3 + c] + data[r + row - 6 + c];
    }
    for (let i = r + 3, end = r + row - 3; i < end; i++) {
      tmp[i] = data[i - 3] + 2 * data[i] + data[i + 3];
    }
  }
  // Along y, with rounding: (up + 2 * centre + down + 8) / 16.
  for (let y = 0; y < H; y++) {
    const r = y * row, up = y > 0 ? r - row : r, down = y < H - 1 ? r + row : r;
    for (let x = 0; x < row; x++) {
      out[r + x] = (tmp[up + x] + 2 * tmp[r + x] + tmp[down + x] + 8) >> 4;
    }
  }
  return { width: W, height: H, data: out.subarray(0, n) };
}
