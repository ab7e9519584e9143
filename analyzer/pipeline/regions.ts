/**
 * Region-based detection for far vehicles (issue #12 item 3), like Frigate's motion regions.
 *
 * The full frame is shrunk to the model input (768x576 -> 416x416 for NanoDet), so a vehicle
 * 40 px wide in the frame is ~22 px wide in the input: too small for the model. Regions are
 * crops of the approach path (the stop zone, the pre-stop line and the space between) at the
 * model's input size, so the model sees those pixels at (up to) 1:1. Their boxes are mapped
 * back to frame pixels and merged with the full frame's by NMS across sources before tracking.
 */
import type { Box } from "../../shared/geometry.ts";
import type { Zones } from "../../shared/config.ts";
import type { Detection } from "../detector/detection.ts";
import { nms } from "../detector/nms.ts";

/** A square crop of the frame in source pixels (x, y of its top-left corner, side length). */
export interface Region {
  x: number;
  y: number;
  size: number;
}

export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Margin around the approach path's bounding box, as a share of the frame's larger side: a
 * vehicle or two before the pre-stop line, so a far vehicle is confirmed before it crosses. */
export const REGION_MARGIN_SHARE = 0.08;

/**
 * Squares of `inputSide_px` (or the frame's smaller side if that is smaller) covering the
 * bounding box of the stop zone and the pre-stop line, with margin; neighbouring squares
 * overlap so a vehicle cut by one square's edge is whole in the next. Empty without zones.
 */
export function planRegions(
  zones: Zones | undefined,
  frameW_px: number,
  frameH_px: number,
  inputSide_px: number,
): Region[] {
  if (!zones || !(frameW_px > 0 && frameH_px > 0)) return [];
  const pts = [...zones.stop_zone, ...(zones.pre_stop_line ?? [])];
  const margin_px = REGION_MARGIN_SHARE * Math.max(frameW_px, frameH_px);
  const x0 = Math.max(0, Math.min(...pts.map((p) => p[0])) * frameW_px - margin_px);
  const x1 = Math.min(frameW_px, Math.max(...pts.map((p) => p[0])) * frameW_px + margin_px);
  const y0 = Math.max(0, Math.min(...pts.map((p) => p[1])) * frameH_px - margin_px);
  const y1 = Math.min(frameH_px, Math.max(...pts.map((p) => p[1])) * frameH_px + margin_px);
  const size = Math.floor(Math.min(inputSide_px, frameW_px, frameH_px));
  const xs = _starts(x0, x1, size, frameW_px);
  const ys = _starts(y0, y1, size, frameH_px);
  const regions: Region[] = [];
  for (const y of ys) for (const x of xs) regions.push({ x, y, size });
  return regions;
}

/** Start offsets of squares of `size` covering [lo, hi], spread evenly, inside [0, limit]. */
function _starts(lo: number, hi: number, size: number, limit: number): number[] {
  const span = hi - lo;
  const n = Math.max(1, Math.ceil(span / size));
  const clampStart = (v: number) => Math.round(Math.min(Math.max(0, v), limit - size));
  if (n === 1) return [clampStart((lo + hi) / 2 - size / 2)];
  const step = (span - size) / (n - 1);
  return Array.from({ length: n }, (_, i) => clampStart(lo + i * step));
}

/** Copies a region out of an RGB24 frame (the detector owns and transfers its input buffer). */
export function cropRgb(frame: RgbImage, r: Region): RgbImage {
  const data = new Uint8Array(r.size * r.size * 3);
  const rowBytes = r.size * 3;
  for (let row = 0; row < r.size; row++) {
    const src = ((r.y + row) * frame.width + r.x) * 3;
    data.set(frame.data.subarray(src, src + rowBytes), row * rowBytes);
  }
  return { width: r.size, height: r.size, data };
}

/** A box whose edge lies within this many pixels of a crop edge inside the frame is cut. */
const CUT_EDGE_PX = 2;

/**
 * Maps a region's boxes to frame pixels, dropping boxes cut by the crop's edge where the frame
 * continues (the full frame or a neighbouring region sees that vehicle whole).
 */
export function regionToFrame(
  dets: readonly Detection[],
  r: Region,
  frameW_px: number,
  frameH_px: number,
): Detection[] {
  const out: Detection[] = [];
  for (const d of dets) {
    const [bx, by, bw, bh] = d.box;
    const cut = (bx <= CUT_EDGE_PX && r.x > 0) ||
      (by <= CUT_EDGE_PX && r.y > 0) ||
      (bx + bw >= r.size - CUT_EDGE_PX && r.x + r.size < frameW_px) ||
      (by + bh >= r.size - CUT_EDGE_PX && r.y + r.size < frameH_px);
    if (cut) continue;
    const box: Box = [bx + r.x, by + r.y, bw, bh];
    out.push({ ...d, box });
  }
  return out;
}

/** IoU above which boxes from different sources are one vehicle. */
export const MERGE_IOU = 0.5;

/** NMS across the full frame and every region (vehicles merged, as the detector does). */
export function mergeSources(sources: readonly (readonly Detection[])[]): Detection[] {
  return nms(sources.flat(), { iouThreshold: MERGE_IOU });
}
