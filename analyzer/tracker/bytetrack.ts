/**
 * ByteTrack-style multi-object tracker (Zhang et al., "ByteTrack: Multi-Object Tracking by
 * Associating Every Detection Box", ECCV 2022), in capture time.
 *
 * Per update (one frame's detections at capture time `ts`, ms):
 * 1. Every track's Kalman filter predicts to `ts` with the real dt (frames may have been dropped).
 *    Tracks unseen for longer than `maxLostMs` end first, so they cannot be re-found after it.
 * 2. Stage 1: high-score detections (>= highThresh) vs confirmed and lost tracks, by IoU of the
 *    predicted boxes, optimal assignment (assignment.ts), IoU >= matchIou.
 * 3. Stage 2: low-score detections (lowThresh..highThresh) vs the confirmed and lost tracks left,
 *    IoU >= lowMatchIou. This is ByteTrack's point: a partly occluded or blurred vehicle scores
 *    low but is still where its track predicts; using it keeps the track instead of losing it.
 *    (ByteTrack only offers tracked, not lost, tracks here; lost ones are offered too, under the
 *    stricter IoU, because a vehicle emerging from behind an occluder usually scores low first.)
 * 4. Stage 3: tentative tracks vs the high-score detections left (IoU >= tentativeMatchIou).
 * 5. Unmatched confirmed tracks become (or stay) lost and coast on their prediction; unmatched
 *    tentative tracks are dropped (missed once); unmatched high-score detections start tentative
 *    tracks. A tentative track is confirmed after `minHits` consecutive matches and only then
 *    gets an id, so single-frame false positives never burn ids.
 *
 * Association never crosses class groups (detectors confuse car/truck/bus/motorcycle, so those
 * are one "vehicle" group). A track's label is the confidence-weighted majority of its
 * detections' labels, so car/truck flicker does not flip it.
 *
 * Reported speed comes from velocity.ts (adaptive windowing on detection centres) rather than
 * the Kalman rate, because the stop judge needs both a quiet standstill and a fast stop/start
 * response; the Kalman filter is used for prediction (association) and the smoothed box.
 */
import { type Box, iou, type Point } from "../../shared/geometry.ts";
import { isVehicle } from "../../shared/labels.ts";
import type { Detection } from "../detector/detection.ts";
import { linearAssignment } from "./assignment.ts";
import { BoxKalman, type KalmanOptions } from "./kalman.ts";
import { VelocityEstimator, type VelocityOptions } from "./velocity.ts";

export type TrackState = "tentative" | "confirmed" | "lost";

/** A snapshot of one track (a plain object; safe to keep or serialise). */
export interface TrackView {
  /** 0 while tentative; unique and increasing once confirmed. */
  id: number;
  /** Confidence-weighted majority label of the track's detections. */
  label: string;
  /** Confidence of the latest matched detection. */
  conf: number;
  /** Kalman-smoothed box [x, y, w, h], source px (predicted while lost). */
  box: Box;
  /** Last matched detection's box. */
  rawBox: Box;
  /** Smoothed centre [cx, cy], source px. */
  center: Point;
  /** Centre velocity [vx, vy], px/s of capture time. */
  velocity: Point;
  /** |velocity|, px/s. */
  speed_px_s: number;
  state: TrackState;
  /** Matched detections so far. */
  hits: number;
  /** Consecutive updates without a match. */
  missed: number;
  /** Capture ms of the first detection. */
  firstTs: number;
  /** Capture ms of the last matched detection. */
  lastTs: number;
  /** Capture ms from the first detection to the latest update. */
  age: number;
}

export interface ByteTrackOptions {
  /** Stage-1 detections: conf >= highThresh. */
  highThresh: number;
  /** Stage-2 detections: lowThresh <= conf < highThresh; lower ones are ignored. */
  lowThresh: number;
  /** Unmatched detections at or above this start tentative tracks. */
  newTrackThresh: number;
  /** Minimum IoU (predicted box vs detection) in stage 1. */
  matchIou: number;
  /** Minimum IoU in stage 2 (low scores: be stricter). */
  lowMatchIou: number;
  /** Minimum IoU between a tentative track and a detection. */
  tentativeMatchIou: number;
  /** Consecutive matches that confirm a track (and give it an id). */
  minHits: number;
  /** Capture ms a confirmed track may go unmatched before it ends. */
  maxLostMs: number;
  /** Lost tracks unmatched for at most this long are still in `tracks` (0: only matched ones). */
  reportLostMs: number;
  kalman: Partial<KalmanOptions>;
  velocity: Partial<VelocityOptions>;
}

export const DEFAULT_BYTETRACK: Omit<ByteTrackOptions, "kalman" | "velocity"> = {
  highThresh: 0.5,
  lowThresh: 0.1,
  newTrackThresh: 0.5,
  matchIou: 0.2,
  lowMatchIou: 0.5,
  tentativeMatchIou: 0.3,
  minHits: 2,
  maxLostMs: 1500,
  reportLostMs: 0,
};

export interface UpdateResult {
  /** Confirmed tracks matched this update, plus lost ones unmatched for <= reportLostMs. */
  tracks: TrackView[];
  /** Tracks confirmed (given an id) this update: emit track_event "new". */
  started: TrackView[];
  /** Confirmed tracks removed this update after being lost too long: emit "end". */
  ended: TrackView[];
}

/** Detectors confuse the vehicle classes; they are one object for association. */
export function classGroup(label: string): string {
  return isVehicle(label) ? "vehicle" : label;
}

class _Track {
  id = 0;
  state: TrackState = "tentative";
  readonly group: string;
  label: string;
  conf: number;
  rawBox: Box;
  hits = 1;
  missed = 0;
  readonly firstTs: number;
  lastTs: number;
  /** Capture time the Kalman state refers to. */
  filterTs: number;
  readonly kf: BoxKalman;
  readonly vel: VelocityEstimator;
  readonly #votes = new Map<string, number>();

  constructor(det: Detection, ts: number, opts: ByteTrackOptions) {
    this.group = classGroup(det.label);
    this.label = det.label;
    this.conf = det.conf;
    this.rawBox = [...det.box];
    this.firstTs = ts;
    this.lastTs = ts;
    this.filterTs = ts;
    this.kf = new BoxKalman(det.box, opts.kalman);
    this.vel = new VelocityEstimator(opts.velocity);
    this.#vote(det);
    this.#pushVelocity(det, ts);
  }

  predict(ts: number): void {
    if (ts > this.filterTs) {
      this.kf.predict(ts - this.filterTs);
      this.filterTs = ts;
    }
  }

  match(det: Detection, ts: number): void {
    this.kf.update(det.box);
    this.rawBox = [...det.box];
    this.conf = det.conf;
    this.hits++;
    this.missed = 0;
    this.lastTs = ts;
    this.#vote(det);
    this.#pushVelocity(det, ts);
  }

  view(now: number): TrackView {
    const v = this.vel.velocity;
    return {
      id: this.id,
      label: this.label,
      conf: this.conf,
      box: this.kf.box,
      rawBox: [...this.rawBox],
      center: this.kf.center,
      velocity: [v[0], v[1]],
      speed_px_s: Math.hypot(v[0], v[1]),
      state: this.state,
      hits: this.hits,
      missed: this.missed,
      firstTs: this.firstTs,
      lastTs: this.lastTs,
      age: Math.max(0, now - this.firstTs),
    };
  }

  #vote(det: Detection): void {
    const w = (this.#votes.get(det.label) ?? 0) + Math.max(det.conf, 1e-3);
    this.#votes.set(det.label, w);
    // Switch only when another label's weight strictly exceeds the current one's.
    if (det.label !== this.label && w > (this.#votes.get(this.label) ?? 0)) this.label = det.label;
  }

  #pushVelocity(det: Detection, ts: number): void {
    const [x, y, w, h] = det.box;
    this.vel.push(ts, x + w / 2, y + h / 2, Math.sqrt(Math.max(0, w * h)));
  }
}

export class ByteTracker {
  #o: ByteTrackOptions;
  #tracks: _Track[] = [];
  #nextId = 1;
  #lastTs = Number.NEGATIVE_INFINITY;

  constructor(opts: Partial<ByteTrackOptions> = {}) {
    this.#o = {
      ...DEFAULT_BYTETRACK,
      kalman: {},
      velocity: {},
      ...opts,
    };
  }

  get options(): Readonly<ByteTrackOptions> {
    return this.#o;
  }

  /** Hot reload: thresholds change from the next update; live tracks and their filters stay. */
  setOptions(opts: Partial<Omit<ByteTrackOptions, "kalman" | "velocity">>): void {
    this.#o = { ...this.#o, ...opts };
  }

  /** Associate one frame's detections (capture time `ts`, ms). */
  update(dets: Detection[], ts: number): UpdateResult {
    const o = this.#o;
    // Capture time never runs backwards for one stream; a stray older frame is treated as "now".
    if (ts < this.#lastTs) ts = this.#lastTs;
    this.#lastTs = ts;
    const started: TrackView[] = [];
    const ended: TrackView[] = [];

    // 1. Predict; end tracks unseen for too long (before matching, so they cannot be re-found).
    const alive: _Track[] = [];
    for (const t of this.#tracks) {
      t.predict(ts);
      if (ts - t.lastTs > o.maxLostMs) {
        if (t.id > 0) ended.push(t.view(ts));
      } else alive.push(t);
    }
    this.#tracks = alive;

    const valid = dets.filter((d) =>
      Number.isFinite(d.conf) && d.box.every(Number.isFinite) && d.box[2] > 0 && d.box[3] > 0
    );
    const high = valid.filter((d) => d.conf >= o.highThresh);
    const low = valid.filter((d) => d.conf >= o.lowThresh && d.conf < o.highThresh);

    const pool = this.#tracks.filter((t) => t.state !== "tentative");
    const tentative = this.#tracks.filter((t) => t.state === "tentative");
    const matched = new Set<_Track>();

    // 2. Stage 1: high-score detections vs confirmed + lost.
    const s1 = this.#associate(pool, high, o.matchIou);
    for (const [ti, di] of s1.matches) this.#match(pool[ti], high[di], ts, matched, started);
    const poolLeft = s1.unmatchedRows.map((i) => pool[i]);
    const highLeft = s1.unmatchedCols.map((i) => high[i]);

    // 3. Stage 2: low-score detections vs the remaining confirmed + lost.
    const s2 = this.#associate(poolLeft, low, o.lowMatchIou);
    for (const [ti, di] of s2.matches) this.#match(poolLeft[ti], low[di], ts, matched, started);

    // 4. Stage 3: tentative tracks vs the remaining high-score detections.
    const s3 = this.#associate(tentative, highLeft, o.tentativeMatchIou);
    for (const [ti, di] of s3.matches) {
      this.#match(tentative[ti], highLeft[di], ts, matched, started);
    }

    // 5. Lifecycle of the unmatched.
    const next: _Track[] = [];
    for (const t of this.#tracks) {
      if (matched.has(t)) {
        next.push(t);
        continue;
      }
      t.missed++;
      if (t.state === "tentative") continue; // missed once: dropped, never had an id
      if (t.state === "confirmed") t.kf.freezeSize();
      t.state = "lost";
      next.push(t);
    }
    for (const di of s3.unmatchedCols) {
      const d = highLeft[di];
      if (d.conf < o.newTrackThresh) continue;
      const t = new _Track(d, ts, o);
      if (o.minHits <= 1) this.#confirm(t, ts, started);
      next.push(t);
    }
    this.#tracks = next;

    const tracks: TrackView[] = [];
    for (const t of this.#tracks) {
      if (t.id === 0) continue;
      if (t.state === "confirmed" || (t.state === "lost" && ts - t.lastTs <= o.reportLostMs)) {
        tracks.push(t.view(ts));
      }
    }
    return { tracks, started, ended };
  }

  /** Forget all tracks (a new stream). Ids keep increasing so they never repeat in a session. */
  reset(): void {
    this.#tracks = [];
    this.#lastTs = Number.NEGATIVE_INFINITY;
  }

  /** Every track held, tentative and lost included. */
  get all(): TrackView[] {
    const now = Number.isFinite(this.#lastTs) ? this.#lastTs : 0;
    return this.#tracks.map((t) => t.view(now));
  }

  #associate(
    tracks: _Track[],
    dets: Detection[],
    minIou: number,
  ): ReturnType<typeof linearAssignment> {
    const cost: Float64Array[] = [];
    for (const t of tracks) {
      const row = new Float64Array(dets.length);
      const pred = t.kf.box;
      for (let j = 0; j < dets.length; j++) {
        // Cross-group pairs are forbidden (NaN is never feasible).
        row[j] = classGroup(dets[j].label) === t.group ? 1 - iou(pred, dets[j].box) : NaN;
      }
      cost.push(row);
    }
    return linearAssignment(cost, dets.length, 1 - minIou);
  }

  #match(t: _Track, d: Detection, ts: number, matched: Set<_Track>, started: TrackView[]): void {
    t.match(d, ts);
    matched.add(t);
    if (t.state === "lost") t.state = "confirmed";
    else if (t.state === "tentative" && t.hits >= this.#o.minHits) this.#confirm(t, ts, started);
  }

  #confirm(t: _Track, ts: number, started: TrackView[]): void {
    t.state = "confirmed";
    t.id = this.#nextId++;
    started.push(t.view(ts));
  }
}
