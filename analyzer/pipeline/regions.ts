/**
 * Region-based detection for far vehicles (issue #12 item 3), like Frigate's motion regions.
 *
 * The full frame is shrunk to the model input (768x576 -> 416x416 for NanoDet), so a vehicle
 * 40 px wide in the frame is ~22 px wide in the input: too small for the model. Regions are
 * crops of the approach path (the stop zone, the pre-stop line and the space between) at the
 * model's input size, so the model sees those pixels at (up to) 1:1. Their boxes are mapped
 * back to frame pixels and merged with the full frame's by NMS across sources before tracking.
 */
import { type Box, intersectionArea, iou } from "../../shared/geometry.ts";
import type { Zones } from "../../shared/config.ts";
import type { Detection } from "../detector/detection.ts";
import { nms } from "../detector/nms.ts";
import { classGroup } from "../../shared/labels.ts";
import { copyRect, type RgbImage } from "../capture/crop.ts";

/** A square crop of the frame in source pixels (x, y of its top-left corner, side length). */
export interface Region {
  x: number;
  y: number;
  size: number;
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
  return copyRect(frame, [r.x, r.y, r.size, r.size]);
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

/**
 * What makes a region worth its inference. The full frame reaches the model shrunk by
 * `fullScale` (416/768 = 0.54 for a 768x576 camera and NanoDet's 416 input); a region crop reaches
 * it at 1:1. NanoDet-g on the full frame misses vehicles narrower than ~55-60 frame px (~30 px at
 * model input, ARCHITECTURE "measured"), so only things smaller than `smallInput_px` at model
 * input (36 px: ~66 px in a 768 px wide frame) ask for a region.
 */
export interface RegionPolicy {
  /** Region inferences per frame at most (the cost cap). */
  maxPerFrame: number;
  /** A box whose larger side at full-frame model scale is below this (px) asks for a region. */
  smallInput_px: number;
  /**
   * Regions only when a region sees at least this many times the full frame's pixels per frame
   * pixel (1 / fullScale): a 640x480 camera gains 1.54x from a 416 crop, a 416x416 one nothing.
   */
  minGain: number;
  /** Motion or tracks this far (share of the frame's larger side) around the approach path count. */
  nearShare: number;
}

export const DEFAULT_REGION_POLICY: RegionPolicy = {
  maxPerFrame: 2,
  smallInput_px: 36,
  minGain: 1.5,
  nearShare: 0.15,
};

/** Something a region should look at this frame (frame px), most important first. */
export interface RegionNeed {
  box: Box;
  /** 0: a track on the approach path (it is being judged); 1: a moving track; 2: motion. */
  rank: 0 | 1 | 2;
}

/** What the previous detection saw of a track (frame px). */
export interface RegionTrack {
  box: Box;
  speed_px_s: number;
  /** The judge's phase (approach, in_zone, stopped, leaving) or null (not on the path). */
  phase: string | null;
  /** Its box at that detection was a region's (`Detection.region`). */
  regionBoxed?: boolean;
}

/** Too small for the full frame: its larger side at full-frame model scale under `smallInput_px`. */
function _small(box: Box, fullScale: number, policy: RegionPolicy): boolean {
  return Math.max(box[2], box[3]) * fullScale < policy.smallInput_px;
}

/** The full frame's scale into the model input (letterboxed: the smaller of the two ratios). */
export function fullFrameScale(frameW_px: number, frameH_px: number, inputSide_px: number): number {
  return Math.min(inputSide_px / frameW_px, inputSide_px / frameH_px, 1);
}

/** The approach path's bounding box with `share` of the frame's larger side around it (frame px). */
export function approachBox(
  zones: Zones,
  frameW_px: number,
  frameH_px: number,
  share: number,
): Box {
  const pts = [...zones.stop_zone, ...(zones.pre_stop_line ?? []), ...(zones.capture_line ?? [])];
  const m = share * Math.max(frameW_px, frameH_px);
  const x0 = Math.max(0, Math.min(...pts.map((p) => p[0])) * frameW_px - m);
  const y0 = Math.max(0, Math.min(...pts.map((p) => p[1])) * frameH_px - m);
  const x1 = Math.min(frameW_px, Math.max(...pts.map((p) => p[0])) * frameW_px + m);
  const y1 = Math.min(frameH_px, Math.max(...pts.map((p) => p[1])) * frameH_px + m);
  return [x0, y0, x1 - x0, y1 - y0];
}

const _overlaps = (a: Box, b: Box) =>
  a[0] < b[0] + b[2] && a[0] + a[2] > b[0] && a[1] < b[1] + b[3] && a[1] + a[3] > b[1];

/** `inner` lies inside the square with `pad_px` to spare on every side the frame continues. */
function _covers(r: Region, inner: Box, pad_px: number, frameW_px: number, frameH_px: number) {
  const padL = r.x > 0 ? pad_px : 0, padT = r.y > 0 ? pad_px : 0;
  const padR = r.x + r.size < frameW_px ? pad_px : 0;
  const padB = r.y + r.size < frameH_px ? pad_px : 0;
  return inner[0] >= r.x + padL && inner[1] >= r.y + padT &&
    inner[0] + inner[2] <= r.x + r.size - padR && inner[1] + inner[3] <= r.y + r.size - padB;
}

/**
 * This frame's small things worth a region: tracks of the previous detection that are small at
 * full-frame scale and either in the stop zone (judged) or moving near the approach path,
 * and small motion boxes near the approach path. A large box needs nothing: the full frame sees
 * it at enough pixels; nor does motion mostly inside a large track's box (a large vehicle that
 * stands still fades into the background in pieces: small blobs, measured on the bundled
 * full_stop scene as regions on 17 % of its frames). Parked small cars off the path (still, no
 * phase) ask for nothing.
 *
 * Except a track whose box at the previous detection was a region's (`regionBoxed`): it keeps a
 * region while it is judged or moving, however large, so its box keeps coming from one source
 * (see mergeSources for why that matters).
 */
export function regionNeeds(
  tracks: readonly RegionTrack[],
  motion: readonly Box[],
  near: Box,
  fullScale: number,
  policy: RegionPolicy,
  stillSpeed_px_s: number,
): RegionNeed[] {
  const small = (b: Box) => _small(b, fullScale, policy);
  const needs: RegionNeed[] = [];
  for (const t of tracks) {
    if (!(small(t.box) || (t.regionBoxed && t.phase)) || !_overlaps(t.box, near)) continue;
    // In the zone a vehicle is judged moving or not (its stop must stay tracked); elsewhere only
    // moving ones: the judge gives parked cars beside the path the `approach` phase too (seen on
    // the vtest plate), and a small parked car must not cost a region on every frame.
    const judged = t.phase === "in_zone" || t.phase === "stopped";
    const moving = t.speed_px_s > stillSpeed_px_s;
    if (judged || moving) needs.push({ box: t.box, rank: t.phase ? 0 : 1 });
  }
  const large = tracks.filter((t) => !small(t.box)).map((t) => t.box);
  for (const b of motion) {
    if (!small(b) || !_overlaps(b, near)) continue;
    if (large.some((l) => intersectionArea(b, l) >= 0.5 * b[2] * b[3])) continue;
    needs.push({ box: b, rank: 2 });
  }
  return needs.sort((a, b) => a.rank - b.rank);
}

/**
 * The regions to detect this frame, at most `maxPerFrame`: for each need (most important first)
 * not yet inside a chosen square, the approach-path square that holds it whole, else a square
 * of `size` centred on it. Nothing when the frame is too small for a region to add pixels.
 */
export function chooseRegions(
  needs: readonly RegionNeed[],
  planned: readonly Region[],
  frameW_px: number,
  frameH_px: number,
  inputSide_px: number,
  policy: RegionPolicy,
): Region[] {
  const size = Math.floor(Math.min(inputSide_px, frameW_px, frameH_px));
  const gain = size / (inputSide_px * fullFrameScale(frameW_px, frameH_px, inputSide_px));
  if (gain < policy.minGain || size <= 0) return [];
  const pad_px = CUT_EDGE_PX + 4;
  const chosen: Region[] = [];
  for (const n of needs) {
    if (chosen.length >= policy.maxPerFrame) break;
    if (chosen.some((r) => _covers(r, n.box, pad_px, frameW_px, frameH_px))) continue;
    const fixed = planned.find((r) => _covers(r, n.box, pad_px, frameW_px, frameH_px));
    if (fixed) {
      chosen.push(fixed);
      continue;
    }
    const cx = n.box[0] + n.box[2] / 2, cy = n.box[1] + n.box[3] / 2;
    chosen.push({
      x: Math.round(Math.min(Math.max(0, cx - size / 2), frameW_px - size)),
      y: Math.round(Math.min(Math.max(0, cy - size / 2), frameH_px - size)),
      size,
    });
  }
  return chosen;
}

/**
 * The boxes of the previous detection's tracks that keep the full frame's box this frame
 * (mergeSources `keepFull`): those the full frame sees well enough (not small) whose box was the
 * full frame's (not `regionBoxed`).
 */
export function fullFrameTracks(
  tracks: readonly RegionTrack[],
  fullScale: number,
  policy: RegionPolicy,
): Box[] {
  return tracks.filter((t) => !t.regionBoxed && !_small(t.box, fullScale, policy)).map((t) =>
    t.box
  );
}

/** IoU above which boxes from different sources are one vehicle. */
export const MERGE_IOU = 0.5;

/**
 * NMS across the full frame (`sources[0]`) and every region (vehicles merged, as the detector
 * does): one detection per vehicle, the most confident one's label and score; but where a region
 * also saw that vehicle, the region's box (its most confident one there). Why: a region reaches
 * the model at 1:1 and the full frame shrunk (`minGain` at least 1.5x coarser), and the two boxes'
 * bottom edges differ by a few pixels. Taking whichever scored higher made the judged anchor jump
 * when the scores crossed, which they do as a vehicle comes to rest: bench/held_out_scenes.ts s4_6
 * (2.5 fps, 10.5 px of road per metre) was boxed by the region at 0.53-0.60 ("truck", bottom
 * within 0.07 m of the wheels) while braking and by the full frame at 0.50-0.52 ("car", 2 px
 * higher, 0.30 m behind) at rest, so the road track lost 0.3 m in the last metres of the brake
 * and the entry read 1.59 m/s for 1.82 (-12.8 %).
 *
 * The same step comes when the source changes under a vehicle, so a tracked vehicle keeps its
 * source: one whose box was the full frame's and that the full frame sees well enough (not small:
 * `keepFull`, from fullFrameTracks) keeps the full frame's box when a region run for something
 * else sees it too, and one whose box was a region's keeps its region while it is judged or
 * moving (regionNeeds). Held-out s32_2 (5 fps, a roadside camera at 16.7 px/m): the first van,
 * 47 px at full-frame model scale, was boxed by the small queued van's region from 3.4 s and by
 * the full frame again from 4.8 s, when that van stopped; the 2.8 px step 1 s into its stop read
 * as the last of its arrival: +0.626 s (stop 2.34 s for 2.98). Keeping a region on it whenever a
 * region had held it (without `keepFull`) moved the step instead: the synthetic back_to_back's
 * second van, boxed by the full frame, was held by a region over motion the first van left
 * behind and kept it, and its stop read 1.41 s for 2.0.
 */
export function mergeSources(
  sources: readonly (readonly Detection[])[],
  keepFull: readonly Box[] = [],
): Detection[] {
  const kept = nms(sources.flat(), { iouThreshold: MERGE_IOU });
  const full = new Set(sources[0] ?? []);
  const regional = sources.slice(1).flat();
  if (regional.length === 0) return kept;
  const taken = new Set<Detection>();
  return kept.map((d): Detection => {
    if (!full.has(d)) return { ...d, region: true };
    if (keepFull.some((b) => iou(b, d.box) >= MERGE_IOU)) return d;
    // The region boxes this one suppressed: the same vehicle seen at the finer scale.
    let best: Detection | null = null;
    for (const r of regional) {
      if (
        taken.has(r) || classGroup(r.label) !== classGroup(d.label) ||
        iou(r.box, d.box) <= MERGE_IOU
      ) {
        continue;
      }
      if (!best || r.conf > best.conf) best = r;
    }
    if (!best) return d;
    taken.add(best);
    return { ...d, box: best.box, region: true };
  });
}
