/**
 * Per-frame boxes for blurring clips (`privacy: { blur: [...], clips: true }`): the analyzer
 * keeps, per camera, a short rolling log of the detector's person and vehicle boxes by capture
 * time (every frame the detector ran on). A pass's clip job takes the log's frames of its window
 * (pre-roll and pass when the pass is finalized, the post-roll once the pipeline has gone past
 * it) into the spooled job, so a clip cut later, retried or cut after a restart is blurred with
 * the boxes of its own frames. Each clip frame is blurred with the boxes at its capture time:
 * boxes of one object matched between the detections before and after it are interpolated, an
 * unmatched box is held as it was seen; every box is grown by a margin. A clip frame with no
 * detection within MAX_GAP_MS (the analyzer was down or stalled) is pixelated whole: fail closed.
 */
import type { Box } from "../../shared/geometry.ts";

/** One detected frame: capture time (unix ms), people and vehicles (x, y, w, h flattened, px). */
export type FrameBoxes = [ts: number, people: number[], vehicles: number[]];

/**
 * A clip frame farther than this from every detection is pixelated whole. Motion gating runs
 * the detector at least every `detect.stationary_interval_s` (default 1 s), so 1.5 s is
 * exceeded only when the analyzer did not look at that moment at all.
 */
export const MAX_GAP_MS = 1500;
/** People boxes are grown by this share of their width and height on each side. */
export const PERSON_MARGIN = 0.15;
/** The whole frame, for a frame the analyzer has no boxes for (clamped by the pixelation). */
export const WHOLE_FRAME: Box = [0, 0, 1e6, 1e6];

/** The analyzer's rolling logs, one per camera. */
export class PrivacyBoxLog {
  readonly #keepMs: number;
  readonly #cams = new Map<string, { frames: FrameBoxes[]; coveredToMs: number }>();

  /** `keepMs`: capture time kept behind the newest frame (longer than any clip window). */
  constructor(keepMs = 5 * 60_000) {
    this.#keepMs = keepMs;
  }

  /** A frame the detector ran on, with the people and vehicles it found (px boxes). */
  add(camera: string, ts: number, people: readonly Box[], vehicles: readonly Box[]): void {
    let cam = this.#cams.get(camera);
    if (!cam) this.#cams.set(camera, cam = { frames: [], coveredToMs: -Infinity });
    if (ts <= cam.coveredToMs) return; // capture times never go back; a repeat is ignored
    cam.frames.push([ts, _flat(people), _flat(vehicles)]);
    cam.coveredToMs = ts;
    const cutoff = ts - this.#keepMs;
    let drop = 0;
    while (drop < cam.frames.length && cam.frames[drop][0] < cutoff) drop++;
    if (drop) cam.frames.splice(0, drop);
  }

  /**
   * The frames of `camera` that blur [fromMs, toMs] (with the detection before and after for
   * interpolation), and the capture time the log reaches (-Infinity: nothing logged).
   */
  window(camera: string, fromMs: number, toMs: number): {
    frames: FrameBoxes[];
    coveredToMs: number;
  } {
    const cam = this.#cams.get(camera);
    if (!cam) return { frames: [], coveredToMs: -Infinity };
    const lo = fromMs - MAX_GAP_MS, hi = toMs + MAX_GAP_MS;
    return {
      frames: cam.frames.filter((f) => f[0] >= lo && f[0] <= hi),
      coveredToMs: cam.coveredToMs,
    };
  }
}

/** Frames of two lists merged by capture time (one per ts; `b` wins). */
export function mergeFrames(a: readonly FrameBoxes[], b: readonly FrameBoxes[]): FrameBoxes[] {
  const byTs = new Map<number, FrameBoxes>();
  for (const f of [...a, ...b]) byTs.set(f[0], f);
  return [...byTs.values()].sort((x, y) => x[0] - y[0]);
}

export interface PrivacyRegionOptions {
  people: boolean;
  /** Plate bands of every vehicle logged (`plateBand` of clip_privacy.ts). */
  plateBand?: (vehicle: Box) => Box;
}

/**
 * The regions to pixelate in the clip frame at capture time ts: people (grown by
 * PERSON_MARGIN) and the plate bands of vehicles, from the logged frames before and after ts;
 * the whole frame when no detection is within MAX_GAP_MS.
 */
export function regionsAt(
  frames: readonly FrameBoxes[],
  ts: number,
  o: PrivacyRegionOptions,
): Box[] {
  // The last frame at or before ts and the first after it (frames are in time order).
  let i = 0;
  while (i < frames.length && frames[i][0] <= ts) i++;
  const a = i > 0 ? frames[i - 1] : null;
  const b = i < frames.length ? frames[i] : null;
  const near = (f: FrameBoxes | null) => f !== null && Math.abs(f[0] - ts) <= MAX_GAP_MS;
  if (!near(a) && !near(b)) return [WHOLE_FRAME];
  const pa = near(a) ? a : null, pb = near(b) ? b : null;
  const f = pa && pb && pb[0] > pa[0] ? (ts - pa[0]) / (pb[0] - pa[0]) : 0;
  let out: Box[] = [];
  if (o.people) {
    for (const box of _between(_boxes(pa?.[1]), _boxes(pb?.[1]), pa && pb ? f : pa ? 0 : 1)) {
      out.push(_grow(box, PERSON_MARGIN));
    }
    // Overlapping boxes (one person found twice at a low score, a group) become one region:
    // one coarse mosaic instead of overlaid grids whose block edges add detail back.
    out = mergeOverlapping(out);
  }
  if (o.plateBand) {
    for (const box of _between(_boxes(pa?.[2]), _boxes(pb?.[2]), pa && pb ? f : pa ? 0 : 1)) {
      out.push(o.plateBand(box));
    }
  }
  return out;
}

/**
 * Boxes at fraction f between two detections: each box of `a` matched to its best-overlapping
 * box of `b` (greedy, by IoU, or by centre distance under the larger side) is interpolated; an
 * unmatched box is held as seen.
 */
function _between(a: Box[], b: Box[], f: number): Box[] {
  const used = new Set<number>();
  const out: Box[] = [];
  for (const p of a) {
    let best = -1, bestScore = 0;
    for (const [j, q] of b.entries()) {
      if (used.has(j)) continue;
      const score = _matchScore(p, q);
      if (score > bestScore) [best, bestScore] = [j, score];
    }
    if (best < 0) {
      out.push(p);
      continue;
    }
    used.add(best);
    const q = b[best];
    out.push([0, 1, 2, 3].map((k) => p[k] + (q[k] - p[k]) * f) as Box);
  }
  for (const [j, q] of b.entries()) if (!used.has(j)) out.push(q);
  return out;
}

/** > 0 when two boxes can be one object a detection apart: IoU, else closeness of centres. */
function _matchScore(p: Box, q: Box): number {
  const ix = Math.max(0, Math.min(p[0] + p[2], q[0] + q[2]) - Math.max(p[0], q[0]));
  const iy = Math.max(0, Math.min(p[1] + p[3], q[1] + q[3]) - Math.max(p[1], q[1]));
  const inter = ix * iy;
  if (inter > 0) return 1 + inter / (p[2] * p[3] + q[2] * q[3] - inter);
  const d = Math.hypot(p[0] + p[2] / 2 - q[0] - q[2] / 2, p[1] + p[3] / 2 - q[1] - q[3] / 2);
  const reach = Math.max(p[2], p[3], q[2], q[3]);
  return d < reach ? 1 - d / reach : 0;
}

/** Boxes that overlap replaced by their bounding box, until none overlap. */
export function mergeOverlapping(boxes: readonly Box[]): Box[] {
  const out = boxes.map((b) => [...b] as Box);
  for (let merged = true; merged;) {
    merged = false;
    for (let i = 0; i < out.length && !merged; i++) {
      for (let j = i + 1; j < out.length; j++) {
        const [p, q] = [out[i], out[j]];
        if (
          p[0] >= q[0] + q[2] || q[0] >= p[0] + p[2] || p[1] >= q[1] + q[3] || q[1] >= p[1] + p[3]
        ) {
          continue;
        }
        const x0 = Math.min(p[0], q[0]), y0 = Math.min(p[1], q[1]);
        out[i] = [
          x0,
          y0,
          Math.max(p[0] + p[2], q[0] + q[2]) - x0,
          Math.max(p[1] + p[3], q[1] + q[3]) - y0,
        ];
        out.splice(j, 1);
        merged = true;
        break;
      }
    }
  }
  return out;
}

function _grow(b: Box, m: number): Box {
  return [b[0] - b[2] * m, b[1] - b[3] * m, b[2] * (1 + 2 * m), b[3] * (1 + 2 * m)];
}

function _flat(boxes: readonly Box[]): number[] {
  return boxes.flatMap((b) => b.map((v) => Math.round(v * 10) / 10));
}

function _boxes(flat: readonly number[] | undefined): Box[] {
  const out: Box[] = [];
  if (!flat) return out;
  for (let k = 0; k + 3 < flat.length; k += 4) {
    out.push([flat[k], flat[k + 1], flat[k + 2], flat[k + 3]]);
  }
  return out;
}

/** Valid spooled frames only (a job file is input: a malformed frame is dropped). */
export function validFrames(v: unknown): FrameBoxes[] {
  if (!Array.isArray(v)) return [];
  const ok = (a: unknown) =>
    Array.isArray(a) && a.length % 4 === 0 &&
    a.every((x) => typeof x === "number" && Number.isFinite(x));
  return v.filter((f): f is FrameBoxes =>
    Array.isArray(f) && f.length === 3 && typeof f[0] === "number" && Number.isFinite(f[0]) &&
    ok(f[1]) && ok(f[2])
  ).sort((x, y) => x[0] - y[0]);
}
