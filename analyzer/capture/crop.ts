/** Cut a vehicle out of an RGB24 frame (with some context around it) and encode it as JPEG. */
import jpeg from "jpeg-js";
import type { Box } from "../../shared/geometry.ts";
import { pixelateRegions } from "./privacy_blur.ts";

export interface RgbImage {
  width: number;
  height: number;
  /** RGB24 */
  data: Uint8Array;
}

/** A copy of the rectangle `r` (integer px [x, y, w, h], inside the image) of an RGB24 image. */
export function copyRect(img: RgbImage, r: Box): RgbImage {
  const [x0, y0, w, h] = r;
  const data = new Uint8Array(w * h * 3);
  const rowBytes = w * 3;
  for (let y = 0; y < h; y++) {
    const from = ((y0 + y) * img.width + x0) * 3;
    data.set(img.data.subarray(from, from + rowBytes), y * rowBytes);
  }
  return { width: w, height: h, data };
}

/** The crop rectangle: the box grown by `margin` of its size on each side, clamped, integer. */
export function cropRect(box: Box, frameW: number, frameH: number, margin = 0.2): Box {
  const mx = box[2] * margin;
  const my = box[3] * margin;
  const x0 = Math.max(0, Math.floor(box[0] - mx));
  const y0 = Math.max(0, Math.floor(box[1] - my));
  const x1 = Math.min(frameW, Math.ceil(box[0] + box[2] + mx));
  const y1 = Math.min(frameH, Math.ceil(box[1] + box[3] + my));
  return [x0, y0, Math.max(1, x1 - x0), Math.max(1, y1 - y0)];
}

/**
 * JPEG bytes of the crop of `box` (source px) from the frame; the `blur` regions (source px: the
 * people of a camera with `privacy.blur: [person]`) are pixelated before encoding.
 */
export function encodeCrop(
  frame: RgbImage,
  box: Box,
  quality = 85,
  margin = 0.2,
  blur: readonly Box[] = [],
): Uint8Array {
  const [x0, y0, w, h] = cropRect(box, frame.width, frame.height, margin);
  const rgba = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    let src = ((y0 + y) * frame.width + x0) * 3;
    let dst = y * w * 4;
    for (let x = 0; x < w; x++) {
      rgba[dst] = frame.data[src];
      rgba[dst + 1] = frame.data[src + 1];
      rgba[dst + 2] = frame.data[src + 2];
      rgba[dst + 3] = 255;
      src += 3;
      dst += 4;
    }
  }
  if (blur.length) {
    pixelateRegions(rgba, w, h, blur.map((b): Box => [b[0] - x0, b[1] - y0, b[2], b[3]]));
  }
  const out = jpeg.encode({ data: rgba, width: w, height: h }, quality);
  return new Uint8Array(out.data);
}
