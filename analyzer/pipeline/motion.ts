/**
 * A cheap per-camera motion detector (issue #16 §1, Frigate's approach): each frame is shrunk to
 * a small grayscale copy by block averaging (which also averages away compression noise and
 * sub-block camera shake), compared with a running-average background whose overall brightness
 * is matched to the frame's (lighting drift), compared with the range of the background in its 3x3
 * neighbourhood (camera shake of up to a block), thresholded, dilated and grouped.
 * A frame whose changed share is implausibly large for traffic (a light switched, the camera
 * moved) re-seeds the background and reports the whole frame once.
 *
 * Dark frames: a dusk scene's contrasts are its daylight ones times its brightness, so a fixed
 * threshold misses at dusk what it sees by day. The threshold is divided by the low-light gain
 * the detector's full-frame input gets (analyzer/detector/low_light.ts: mean luma < 70, at most
 * 2.5x), i.e. motion is looked for in the picture the detector sees. Measured on held-out s33_3
 * (dusk 0.46 with noise 6, a van 45 px wide at the pre-stop line 31 m away, 15 fps): at 20 the
 * approaching van first made motion at 3.13 s, after it entered the stop zone (2.87 s), so the
 * gated detector first ran on it there, its track began inside the zone and no pass was judged;
 * its pull-away made none until 9.0 s (it drove off at 7.78). At 20 / 2.5 = 8 it is seen from
 * 1.47 s, as in the same scene's daylight render at 20. Block averaging (8x8 px at 1280 wide,
 * ~5x5 at 768) and the 3x3 blur leave sensor noise at 1/15-1/25 of its per-pixel size in this
 * copy, so the lower threshold stays well above it (motion_test: 0 % false motion at dusk).
 */
import type { Box } from "../../shared/geometry.ts";
import { chooseGain, type LowLightMode, lumaHistogram } from "../detector/low_light.ts";

export interface MotionOptions {
  /** Width of the grayscale copy, px (its height keeps the frame's aspect). */
  width_px: number;
  /** A pixel moved when it differs from the background by more than this (0..255). */
  threshold: number;
  /** Background update weight per frame (a running average). */
  alpha: number;
  /** Dilated blobs smaller than this many small-copy pixels are noise (one pixel dilates to 9). */
  minArea_px: number;
  /** More than this share of the copy changed at once: re-seed instead of reporting boxes. */
  globalShare: number;
}

export const DEFAULT_MOTION: MotionOptions = {
  width_px: 160,
  threshold: 20,
  alpha: 0.05,
  minArea_px: 16,
  globalShare: 0.35,
};

import type { RgbImage } from "../capture/crop.ts";
import { lumaAt } from "./luma.ts";
export type { RgbImage };

export class MotionDetector {
  readonly #o: MotionOptions;
  #bg: Float32Array | null = null;
  #gray = new Float32Array(0);
  #w = 0;
  #h = 0;
  #srcW = 0;
  #srcH = 0;
  readonly #hist = new Uint32Array(256);

  constructor(opts: Partial<MotionOptions> = {}) {
    this.#o = { ...DEFAULT_MOTION, ...opts };
  }

  /**
   * Motion boxes in frame pixels (empty: nothing moved). `lowLight` as the camera's
   * `detect.low_light`: `auto` lowers the threshold on dark frames (see above).
   */
  update(frame: RgbImage, lowLight: LowLightMode = "auto"): Box[] {
    this.#shrink(frame);
    const n = this.#w * this.#h;
    if (!this.#bg || this.#bg.length !== n) {
      this.#bg = this.#gray.slice();
      return [[0, 0, frame.width, frame.height]];
    }
    const bg = this.#bg, gray = this.#gray;
    let sumG = 0, sumB = 0;
    for (let i = 0; i < n; i++) {
      sumG += gray[i];
      sumB += bg[i];
    }
    const drift = (sumG - sumB) / n; // a global brightness change is lighting, not motion
    const mask = new Uint8Array(n);
    let changed = 0;
    const gain = lowLight === "auto" ? this.#gain(frame) : 1;
    const w = this.#w, h = this.#h, thr = this.#o.threshold / gain;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = y * w + x, g = gray[i] - drift;
        // Camera shake: a shifted frame's pixel is a blend of neighbouring background pixels,
        // so a pixel moved only if it lies outside their range (plus the threshold).
        let lo = Infinity, hi = -Infinity;
        for (let dy = -1; dy <= 1; dy++) {
          const yy = y + dy;
          if (yy < 0 || yy >= h) continue;
          for (let dx = -1; dx <= 1; dx++) {
            const xx = x + dx;
            if (xx < 0 || xx >= w) continue;
            const b = bg[yy * w + xx];
            if (b < lo) lo = b;
            if (b > hi) hi = b;
          }
        }
        if (g < lo - thr || g > hi + thr) {
          mask[i] = 1;
          changed++;
        }
      }
    }
    if (changed > this.#o.globalShare * n) {
      this.#bg = gray.slice();
      return [[0, 0, frame.width, frame.height]];
    }
    const a = this.#o.alpha;
    for (let i = 0; i < n; i++) {
      // Moving pixels are learned slowly so a passing vehicle does not burn into the background.
      bg[i] += (mask[i] ? a * 0.1 : a) * (gray[i] - bg[i]);
    }
    if (changed === 0) return [];
    const sx = this.#srcW / this.#w, sy = this.#srcH / this.#h;
    return this.#boxes(_dilate(mask, this.#w, this.#h)).map(([x, y, w, h]) => [
      x * sx,
      y * sy,
      w * sx,
      h * sy,
    ]);
  }

  /** The low-light gain of this frame (1 when it is not dark), sampled every 4th pixel. */
  #gain(frame: RgbImage): number {
    return chooseGain(lumaHistogram(frame, 4, this.#hist))?.gain ?? 1;
  }

  #shrink(frame: RgbImage): void {
    const w = Math.min(this.#o.width_px, frame.width);
    const h = Math.max(1, Math.round((frame.height * w) / frame.width));
    if (w !== this.#w || h !== this.#h) {
      this.#gray = new Float32Array(w * h);
      this.#bg = null;
    }
    this.#w = w;
    this.#h = h;
    this.#srcW = frame.width;
    this.#srcH = frame.height;
    const out = this.#gray;
    out.fill(0);
    const count = new Float32Array(w * h);
    const d = frame.data;
    for (let y = 0; y < frame.height; y++) {
      const row = Math.min(h - 1, Math.floor((y * h) / frame.height)) * w;
      for (let x = 0; x < frame.width; x++) {
        const i = (y * frame.width + x) * 3;
        const o = row + Math.min(w - 1, Math.floor((x * w) / frame.width));
        out[o] += lumaAt(d, i);
        count[o]++;
      }
    }
    for (let i = 0; i < out.length; i++) out[i] /= count[i] || 1;
    // A 3x3 box blur: fine texture shifted by shake changes block means beyond their blend.
    const src = out.slice();
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let sum = 0, k = 0;
        for (let yy = Math.max(0, y - 1); yy <= Math.min(h - 1, y + 1); yy++) {
          for (let xx = Math.max(0, x - 1); xx <= Math.min(w - 1, x + 1); xx++) {
            sum += src[yy * w + xx];
            k++;
          }
        }
        out[y * w + x] = sum / k;
      }
    }
  }

  /** Connected components (4-neighbour) of the mask as boxes in small-copy pixels. */
  #boxes(mask: Uint8Array): Box[] {
    const w = this.#w, h = this.#h;
    const seen = new Uint8Array(mask.length);
    const boxes: Box[] = [];
    const stack: number[] = [];
    for (let start = 0; start < mask.length; start++) {
      if (!mask[start] || seen[start]) continue;
      let x0 = w, y0 = h, x1 = -1, y1 = -1, area = 0;
      stack.push(start);
      seen[start] = 1;
      while (stack.length) {
        const i = stack.pop()!;
        const x = i % w, y = (i - x) / w;
        area++;
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
        for (const j of [i - 1, i + 1, i - w, i + w]) {
          if (j < 0 || j >= mask.length || seen[j] || !mask[j]) continue;
          if ((j === i - 1 || j === i + 1) && Math.floor(j / w) !== y) continue;
          seen[j] = 1;
          stack.push(j);
        }
      }
      if (area >= this.#o.minArea_px) boxes.push([x0, y0, x1 - x0 + 1, y1 - y0 + 1]);
    }
    return boxes;
  }
}

/** 3x3 dilation: a vehicle's changed pixels join into one blob. */
function _dilate(mask: Uint8Array, w: number, h: number): Uint8Array {
  const out = new Uint8Array(mask.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (!mask[y * w + x]) continue;
      for (let dy = -1; dy <= 1; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= h) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx >= 0 && xx < w) out[yy * w + xx] = 1;
        }
      }
    }
  }
  return out;
}
