/**
 * The stop judge (ARCHITECTURE §4 "Stop judgement"): per-track state machine over the tracker's
 * confirmed tracks, one frame at a time, in capture time. Pure logic — no I/O, no clock: every
 * time comes from the frames, so a clip gives the same passes on any machine at any speed.
 *
 * Per track:   approach -> in_zone <-> stopped -> leaving
 * - Reference point: the track's anchor (the camera's `anchor`: by default the bottom centre of
 *   the box, where the vehicle touches the road; as the ground truth of
 *   dev/testing/scenes/oracle.ts). Zones, lines, dwell and the samples use it; the speed comes
 *   from the tracker, measured on it too.
 * - Direction filter: a visit is judged only if the anchor crossed `pre_stop_line` towards the
 *   stop zone's side (the side of the polygon centroid) since the track's previous visit. Without
 *   a pre_stop_line every visit is judged. Unjudged visits report phase null (zone still "stop").
 * - Birth backfill: a new track's tentative detections (`birth`, before the tracker confirmed
 *   it) are replayed first, so a vehicle confirmed just after the pre-stop line still has its
 *   crossing, and its zone entry dates from its first sighting inside.
 * - Inferred direction: a vehicle first seen between the pre-stop line and the zone (on the
 *   zone's side, nearer the line than the zone's centroid, outside the zone) whose motion from
 *   there to its zone entry points from the line towards the zone crossed the line before it
 *   was detected: its first visit is judged, with quality.direction "inferred".
 * - A vehicle first seen inside the zone is never judged for that visit (its approach and any
 *   stop before it was seen are unknown); its phase info says `unjudged: first_seen_in_zone`.
 * - Entry/exit are debounced in capture time and then BACKDATED to the first sample of the
 *   confirmed run, so entered_at/exited_at are frame-exact while edge flicker is ignored. A
 *   vehicle through the zone between two samples (#passedThrough: one inside; #throughBetween:
 *   none inside, the move between them crossing it) is a visit too, entered at the inside sample
 *   or at the move's interpolated crossing.
 * - Parked: in the zone longer than `parked_after_s` -> no pass, ever, for that visit. The tick
 *   phase stays in_zone/stopped (the overlay shows what the vehicle does); a parked visit's
 *   samples are dropped at that moment so a car parked for hours costs O(1) memory.
 * - Calibrated cameras (`calibration`): speeds are measured on road positions (road_speed.ts):
 *   each detection's anchor is mapped to the road in metres. Each sample (and the tick) gets the
 *   causal road speed in m/s, and "stopped" uses stop.stop_speed_mps (default 0.5) instead of
 *   stop_speed_px_s. At pass time the entry (at the instant the anchor crossed into the zone),
 *   minimum and maximum speeds in the zone are re-fitted on the positions on both sides of each
 *   instant, and the rolling-stop verdict uses that minimum against stop.rolling_speed_mps
 *   (default 3.0). Uncalibrated passes report the m/s speeds as null.
 * - Stop times: the live timer is causal (the tracker's speed); when a pass is finalized, each
 *   stop is re-estimated from the positions on both sides (stop_refine.ts), which is what the
 *   pass reports (stop_duration_s, longest_stop_s and the verdict).
 * - Finalization: after the exit, on the capture-line crossing (or at once if it was crossed in
 *   the zone), on track end, or `finalize_after_exit_s` after the exit. A track that ends in the
 *   zone is finalized too (quality.ended_in_zone). Exactly one pass per judged visit.
 * - Captures: the frame where the anchor crosses `capture_line` (either direction, once the
 *   visit is entered); a zone_exit capture is the fallback when the exit is confirmed before any
 *   capture-line crossing. Requests always refer to the frame just passed in.
 */
import type { Box, Point } from "../../shared/geometry.ts";
import { VEHICLE_LABELS } from "../../shared/labels.ts";
import type { Verdict } from "../../shared/verdict.ts";
import {
  type Calibration,
  DEFAULT_ROLLING_SPEED_MPS,
  DEFAULT_STOP_SPEED_MPS,
  StopSchema,
  type StopSettings,
  type Zones,
} from "../../shared/config.ts";
import { type Homography, homographyFromPoints } from "../../shared/homography.ts";
import {
  metresPerPx,
  pixelNoiseStd,
  type RoadSample,
  RoadVelocity,
  toRoad,
  zoneRoadSpeeds,
} from "./road_speed.ts";
import { stalledSpans } from "./road_stalls.ts";
import {
  type CaptureRequest,
  type Pass,
  passId,
  type PassQuality,
  type PassSample,
  type StopStats,
  stopStats,
  type StopStatsMps,
  stopStatsMps,
  type TickPhase,
  verdictOf,
  verdictOfMps,
} from "./pass.ts";
import {
  CrossingTracker,
  farEdges,
  type Line,
  pointInPolygon,
  polygonCentroid,
  segmentInPolygon,
  segmentsIntersect,
  type Side,
  sideOfLine,
  toPixels,
} from "./zone_geometry.ts";
import { refineStop, type StopInterval } from "./stop_refine.ts";

/** A confirmed track as the tracker reports it for one frame (source px). */
export interface JudgeTrack {
  id: number;
  label: string;
  /** Smoothed centre. */
  center: Point;
  /** The judged point (the camera's anchor, e.g. the bottom centre); default: `center`. */
  anchor?: Point;
  /** The anchor of this frame's matched detection (unsmoothed); absent while coasting. */
  rawAnchor?: Point;
  box: Box;
  /** Smoothed speed, px/s. */
  speed_px_s: number;
  conf: number;
  /** Capture time the track was born (for the pass id); default: when the judge first saw it. */
  firstTs?: number;
  /** On the first frame of a track only: anchor points it had before confirmation, oldest first. */
  birth?: { ts: number; point: Point }[];
  /**
   * On the frame the tracker re-found a track after missing it (a pull-away): its detections of
   * the frames it missed (capture time, anchor point, box), oldest first. Replayed as samples
   * of those frames before this one's, so the departure is measured from its first moving box.
   */
  refound?: { ts: number; point: Point; box: Box }[];
}

export interface JudgeFrame {
  /** Capture time, unix ms. */
  ts: number;
  /** Frame size in px (normalized geometry is scaled by it). */
  w: number;
  h: number;
  tracks: JudgeTrack[];
  /** Track ids the tracker ended at this frame. */
  ended?: number[];
}

export interface TrackPhaseInfo {
  /** null: not a judged vehicle (wrong direction, not a vehicle class, or no zones). */
  phase: TickPhase | null;
  zone: "stop" | null;
  /** Live stop timer of the current visit, s (total stopped time in the zone so far). */
  stop_s: number | null;
  /** Why the current (or last) zone visit gets no pass, when the reason is not the phase's. */
  unjudged?: "first_seen_in_zone";
  /** Road speed, m/s (calibrated cameras only). */
  speed_mps?: number;
}

export interface JudgeOutput {
  /** One entry per track in this frame. */
  phases: Map<number, TrackPhaseInfo>;
  passes: Pass[];
  captures: CaptureRequest[];
  /** Pass ids that got a capture request but will never get a pass (parked): drop their crops. */
  discarded: string[];
}

export interface JudgeOptions {
  /** Labels that are judged (default car, truck, bus, motorcycle); others get phase null. */
  vehicleLabels?: Iterable<string>;
  /**
   * Re-estimate stops at pass time from the positions around them (default true); false
   * reports the causal stop timer's numbers (tests of the causal rule).
   */
  refineStops?: boolean;
  /** Ground-plane calibration: verdicts use road speeds (m/s) and passes report them. */
  calibration?: Calibration | null;
}

/** Approach samples kept before an entry (the pass's lead-in); bounded in time and count. */
const APPROACH_KEEP_MS = 5000;
const APPROACH_KEEP_MAX = 300;
/** Frame capture times kept to tell consecutive frames (a track's refound replay spans a few). */
const FRAME_TS_KEEP = 16;
/*
 * ENTRY_BLIP: a pending entry (inside for less than `stop.enter_debounce_s`) survives a run
 * outside shorter than `stop.exit_debounce_s`, as a confirmed visit would: the entry stays dated
 * at the first inside sample, as the oracle's visit is (dev/testing/scenes/oracle.ts). Measured
 * (fresh held-out s45_3, 10 fps, 2026-12-03): the first van's smoothed anchor entered at 3.2 s with
 * the truth, then a box 99 px tall for 75 (a part of the van behind) pulled the filter's bottom
 * 3 px back out at 3.4 s; the entry was dropped and dated again at 3.43 s, 0.2 s after the van's
 * true crossing, braking at 3.0 m/s^2: entry speed -21.3 %.
 */

interface _Geometry {
  zone: Point[];
  pre: Line | null;
  cap: Line | null;
  /** Side of pre_stop_line the zone lies on (centroid); 0 if the centroid is on the line. */
  zoneSide: Side;
}

/** The speed the verdict is judged on: road m/s when calibrated, else image px/s. */
interface _SpeedRule {
  /** Normalized image -> metres, or null (uncalibrated). */
  homography: Homography | null;
  stop: number;
  rolling: number;
}

interface _Visit {
  /** Judged visit number of the track (1-based), 0 for unjudged visits. */
  n: number;
  id: string;
  judged: boolean;
  direction: PassQuality["direction"];
  parked: boolean;
  enteredAt: number;
  enterFrame: number;
  exitPending: { ts: number; frame: number } | null;
  exitedAt: number | null;
  exitFrame: number | null;
  samples: PassSample[];
  labels: Map<string, number>;
  capture: "capture_line" | "zone_exit" | null;
  /** Live stop timer, s, and the state stopStats would carry (see pass.ts for the rule). */
  stopS: number;
  lastSlowTs: number | null;
  prevSlow: boolean;
}

interface _Track {
  id: number;
  firstTs: number;
  lastTs: number;
  lastFrame: number;
  last: PassSample | null;
  qualified: boolean;
  pre: CrossingTracker;
  cap: CrossingTracker;
  recent: PassSample[];
  /** The first inside sample of an entry not yet confirmed; `outSince`: back outside since. */
  pendingEnter: { ts: number; frame: number; outSince?: number } | null;
  visit: _Visit | null;
  visits: number;
  visited: boolean;
  /** First sighting (birth backfill included), for the inferred direction. */
  first: Point | null;
  /** Born inside the zone: its first visit is not judged. */
  bornInZone: boolean;
  unjudged: TrackPhaseInfo["unjudged"];
}

/**
 * The stops of a finalized visit re-estimated non-causally (stop_refine.ts) from the raw anchor
 * positions on both sides, clipped to the time in the zone; overlapping stops merge.
 *
 * In source px on calibrated cameras too, for now: refineStop can fit road metres (`m_per_px`),
 * and on the perspective scenes (analyzer/perspective_test.ts, full and half rate, 2026-11-30)
 * that brought the arrivals closer (-0.04..+0.11 s vs -0.04..+0.21 s in pixels) but moved the
 * departures early (-0.18..-0.02 s vs -0.06..+0.08 s; on exact anchors -0.095..-0.05 s vs
 * +0.01..+0.145 s). Their scripted pull-away accelerates at 5 m/s^2 for 0.4 s, then at 3.3: a
 * constant acceleration from rest fitted across that change in metres starts too early, while in
 * pixels the van's image speed growing as it nears the camera happened to cancel it. The
 * shaking-camera stop then read 2.235 s for 2.5 (limit ±0.25 s).
 */
function _refinedStops(
  samples: readonly PassSample[],
  runs: readonly StopInterval[],
  enteredAt: number,
  exitedAt: number,
): { total_s: number; longest_s: number } {
  if (!runs.length) return { total_s: 0, longest_s: 0 };
  const positions = samples.map((s) => ({
    ts: s.ts,
    x: s.rx ?? s.cx,
    y: s.ry ?? s.cy,
    box: s.box,
  }));
  const refined = runs
    .map((r) => refineStop(positions, r))
    .map((r) => ({ start: Math.max(r.start, enteredAt), end: Math.min(r.end, exitedAt) }))
    .filter((r) => r.end >= r.start)
    .sort((a, b) => a.start - b.start);
  const merged: StopInterval[] = [];
  for (const r of refined) {
    const last = merged[merged.length - 1];
    if (last && r.start <= last.end) last.end = Math.max(last.end, r.end);
    else merged.push({ ...r });
  }
  const lens = merged.map((r) => (r.end - r.start) / 1000);
  return { total_s: lens.reduce((a, b) => a + b, 0), longest_s: Math.max(0, ...lens) };
}

/**
 * When the anchor crossed the zone's edge between samples `a` and `b` (capture ms): it moved
 * linearly between them; bisected to 1/4096 of the interval. With both samples outside, the move
 * between them may still cross the zone (a vehicle through it between two frames): then where the
 * move enters it (`edge` "enter") or leaves it ("leave"); else the midpoint (as when the debounce
 * dated the crossing across a gap, both samples on the same side).
 */
function _crossing(a: PassSample, b: PassSample, zone: Point[], edge: "enter" | "leave"): number {
  const inside = (u: number) =>
    pointInPolygon([a.cx + u * (b.cx - a.cx), a.cy + u * (b.cy - a.cy)], zone);
  const start = inside(0);
  let lo = 0, hi = 1;
  if (start !== inside(1)) {
    for (let i = 0; i < 12; i++) {
      const m = (lo + hi) / 2;
      if (inside(m) === start) lo = m;
      else hi = m;
    }
  } else {
    const span = start ? null : segmentInPolygon([a.cx, a.cy], [b.cx, b.cy], zone);
    hi = span ? (edge === "enter" ? span.enter : span.leave) : 0.5;
  }
  return a.ts + hi * (b.ts - a.ts);
}

/**
 * A visit with no sample inside the zone (through it between two samples, `#throughBetween`):
 * the tracker's px/s speed at the entry instant, interpolated between the samples around it,
 * stands in for the first and the minimum zone sample's.
 */
function _speedBetween(samples: readonly PassSample[], t: number): number {
  const k = samples.findIndex((s) => s.ts >= t);
  if (k < 0) return samples[samples.length - 1]?.speed_px_s ?? 0;
  const b = samples[k], a = samples[k - 1];
  if (!a || b.ts === a.ts) return b.speed_px_s;
  return a.speed_px_s + ((t - a.ts) / (b.ts - a.ts)) * (b.speed_px_s - a.speed_px_s);
}

function _r(v: number, d = 3): number {
  const f = 10 ** d;
  return Math.round(v * f) / f;
}

export class StopJudge {
  readonly camera: string;
  #zones: Zones | null = null;
  #stop: StopSettings;
  #labels: Set<string>;
  #refine: boolean;
  #calibration: Calibration | null = null;
  #rule: _SpeedRule = { homography: null, stop: 0, rolling: 0 };
  #geom: _Geometry | null = null;
  #geomKey = "";
  #tracks = new Map<number, _Track>();
  /** Causal road speed per track id (calibrated cameras), every track, judged or not. */
  #road = new Map<number, { vel: RoadVelocity; lastTs: number; mps: number }>();
  #frame = 0;
  /** Capture times of the latest frames judged, oldest first (`#throughBetween`'s gap test). */
  #frameTs: number[] = [];
  #frameW = 1;
  #frameH = 1;

  constructor(
    camera: string,
    zones: Zones | null | undefined,
    stop: Partial<StopSettings> = {},
    opts: JudgeOptions = {},
  ) {
    this.camera = camera;
    this.#stop = StopSchema.parse(stop);
    this.#labels = new Set(opts.vehicleLabels ?? VEHICLE_LABELS);
    this.#refine = opts.refineStops ?? true;
    this.setConfig(zones, stop, opts.calibration);
  }

  /**
   * Hot reload: new zones/settings apply from the next frame. Live track state (qualification,
   * visits, stop timers) is kept — a reload must not drop or duplicate the pass in progress.
   */
  setConfig(
    zones: Zones | null | undefined,
    stop: Partial<StopSettings> = {},
    calibration: Calibration | null | undefined = this.#calibration,
  ): void {
    this.#zones = zones ?? null;
    this.#stop = StopSchema.parse(stop);
    this.#calibration = calibration ?? null;
    const c = this.#calibration;
    this.#rule = c
      ? {
        homography: homographyFromPoints(c.image, c.ground),
        stop: this.#stop.stop_speed_mps ?? DEFAULT_STOP_SPEED_MPS,
        rolling: this.#stop.rolling_speed_mps ?? DEFAULT_ROLLING_SPEED_MPS,
      }
      : {
        homography: null,
        stop: this.#stop.stop_speed_px_s,
        rolling: this.#stop.rolling_speed_px_s,
      };
    this.#geom = null;
    this.#geomKey = "";
  }

  /** A road sample (m) of a source-px anchor point of a box `box` wide/high (calibrated). */
  #roadSample(h: Homography, ts: number, p: Point, box: Box): RoadSample {
    const w = this.#frameW, hh = this.#frameH;
    const [X, Y] = toRoad(h, p, w, hh);
    return { ts, X, Y, sigma_m: pixelNoiseStd(box[2], box[3]) * metresPerPx(h, p, w, hh) };
  }

  /**
   * Causal road speed (m/s) of a track's judged point this frame, or null when uncalibrated:
   * the matched detection's anchor (and, on a new track, its tentative detections) mapped to the
   * road and fed to the track's road estimator; a coasting frame keeps the last speed.
   */
  #roadSpeed(tr: JudgeTrack, ts: number): number | null {
    const h = this.#rule.homography;
    if (!h) return null;
    let r = this.#road.get(tr.id);
    if (!r) {
      r = { vel: new RoadVelocity(), lastTs: ts, mps: 0 };
      this.#road.set(tr.id, r);
      for (const b of tr.birth ?? []) {
        if (b.ts < ts) r.vel.push(this.#roadSample(h, b.ts, b.point, tr.box));
      }
    }
    if (tr.rawAnchor) {
      r.vel.push(this.#roadSample(h, ts, tr.rawAnchor, tr.box));
      r.mps = r.vel.speed;
    }
    r.lastTs = ts;
    return _r(r.mps, 3);
  }

  /** The judged speed of a sample: road m/s when calibrated, else px/s. */
  #judged(s: { speed_px_s: number; speed_mps?: number }): number {
    return this.#rule.homography ? (s.speed_mps ?? s.speed_px_s) : s.speed_px_s;
  }

  get settings(): Readonly<StopSettings> {
    return this.#stop;
  }

  /** Tracks held in memory (bounded: ended and timed-out tracks are forgotten). */
  get size(): number {
    return this.#tracks.size;
  }

  /** Judge one frame. */
  update(frame: JudgeFrame): JudgeOutput {
    const out: JudgeOutput = { phases: new Map(), passes: [], captures: [], discarded: [] };
    const f = ++this.#frame;
    this.#frameTs.push(frame.ts);
    if (this.#frameTs.length > FRAME_TS_KEEP) this.#frameTs.shift();
    const g = this.#geometry(frame.w, frame.h);
    this.#frameW = frame.w;
    this.#frameH = frame.h;
    for (const tr of frame.tracks) {
      this.#replayRefound(tr, frame.ts, f, g, out);
      const mps = this.#roadSpeed(tr, frame.ts);
      if (!g || !this.#labels.has(tr.label)) {
        out.phases.set(tr.id, {
          phase: null,
          zone: null,
          stop_s: null,
          ...(mps !== null ? { speed_mps: mps } : {}),
        });
        continue;
      }
      let t = this.#tracks.get(tr.id);
      if (!t) {
        t = {
          id: tr.id,
          firstTs: tr.firstTs ?? frame.ts,
          lastTs: frame.ts,
          lastFrame: f,
          last: null,
          qualified: false,
          pre: new CrossingTracker(),
          cap: new CrossingTracker(),
          recent: [],
          pendingEnter: null,
          visit: null,
          visits: 0,
          visited: false,
          first: null,
          bornInZone: false,
          unjudged: undefined,
        };
        this.#tracks.set(tr.id, t);
        this.#backfill(t, tr, frame.ts, f, g, mps);
      }
      this.#step(t, tr, frame.ts, f, g, mps, out);
    }
    for (const id of frame.ended ?? []) {
      const t = this.#tracks.get(id);
      if (t) this.#end(t, "track_end", out);
      this.#road.delete(id);
    }
    this.#timeouts(frame.ts, out);
    return out;
  }

  /**
   * A re-found track's missed detections (JudgeTrack.refound), each stepped as the track at its
   * own capture time (the raw anchor as birth backfill uses it), after the track's last sample
   * and before this frame's; only for a track the judge already follows (a new one has `birth`).
   */
  #replayRefound(
    tr: JudgeTrack,
    ts: number,
    f: number,
    g: _Geometry | null,
    out: JudgeOutput,
  ): void {
    const t = this.#tracks.get(tr.id);
    if (!t || !tr.refound) return;
    for (const m of tr.refound) {
      if (!(m.ts > t.lastTs && m.ts < ts)) continue;
      const at: JudgeTrack = { ...tr, anchor: m.point, rawAnchor: m.point, box: m.box };
      const mps = this.#roadSpeed(at, m.ts);
      if (g && this.#labels.has(tr.label)) this.#step(t, at, m.ts, f, g, mps, out);
    }
  }

  /** Finalize everything still open (end of a file); returns the passes. */
  flush(): Pass[] {
    const out: JudgeOutput = { phases: new Map(), passes: [], captures: [], discarded: [] };
    for (const t of [...this.#tracks.values()]) this.#end(t, "flush", out);
    return out.passes;
  }

  #geometry(w: number, h: number): _Geometry | null {
    if (!this.#zones) return null;
    const key = `${w}x${h}`;
    if (this.#geom && this.#geomKey === key) return this.#geom;
    const z = this.#zones;
    const zone = toPixels(z.stop_zone as Point[], w, h);
    const pre = z.pre_stop_line ? toPixels(z.pre_stop_line as Line, w, h) : null;
    const cap = z.capture_line ? toPixels(z.capture_line as Line, w, h) : null;
    const zoneSide = pre ? sideOfLine(polygonCentroid(zone), pre) : 0;
    this.#geom = { zone, pre, cap, zoneSide };
    this.#geomKey = key;
    return this.#geom;
  }

  /**
   * Replay a new track's detections from before its confirmation: crossings, a pending zone
   * entry (so the entry is backdated to the first sighting inside) and approach samples. Their
   * speed is unknown; the track's speed at confirmation (px/s and m/s) stands in.
   */
  #backfill(
    t: _Track,
    tr: JudgeTrack,
    ts: number,
    f: number,
    g: _Geometry,
    mps: number | null,
  ): void {
    const pts = (tr.birth ?? []).filter((b) => b.ts < ts);
    t.first = pts[0]?.point ?? (tr.anchor ?? tr.center);
    t.bornInZone = pointInPolygon(t.first, g.zone);
    for (const b of pts) {
      const p = b.point;
      const dir = g.pre ? t.pre.step(p, g.pre) : 0;
      if (dir !== 0) t.qualified = g.zoneSide === 0 || dir === g.zoneSide;
      if (g.cap) t.cap.step(p, g.cap);
      if (pointInPolygon(p, g.zone)) t.pendingEnter ??= { ts: b.ts, frame: f };
      else t.pendingEnter = null;
      const [x, y] = [_r(p[0], 2), _r(p[1], 2)];
      t.recent.push({
        ts: b.ts,
        cx: x,
        cy: y,
        speed_px_s: tr.speed_px_s,
        ...(mps !== null ? { speed_mps: mps } : {}),
        phase: "approach",
        rx: x,
        ry: y,
      });
    }
  }

  /**
   * Was the track first seen between the pre-stop line and the zone, and did it move from there
   * towards the zone (it crossed the line before the detector saw it)?
   */
  #inferredDirection(t: _Track, g: _Geometry, now: Point): boolean {
    if (!g.pre || g.zoneSide === 0 || !t.first || t.bornInZone || t.visits > 0 || t.visited) {
      return false;
    }
    const [a, b] = g.pre;
    // Normal of the line pointing to the zone's side; s(p) = how far p is on that side.
    const n: Point = [-(b[1] - a[1]) * g.zoneSide, (b[0] - a[0]) * g.zoneSide];
    const s = (p: Point) => n[0] * (p[0] - a[0]) + n[1] * (p[1] - a[1]);
    const s0 = s(t.first);
    return s0 > 0 && s0 < s(polygonCentroid(g.zone)) && s(now) > s0;
  }

  /**
   * Went the vehicle through the zone between samples? A pending entry (one sample inside, less
   * than enter_debounce_s ago) followed by a sample beyond the zone's far side (farther from the
   * pre-stop line than every zone corner), on a visit qualified by crossing the line. Edge
   * flicker cannot do that (it stays at the entry edge). Measured: persp_no_stop at 2.5 fps
   * (36 km/h through a 3 m deep zone, 0.3 s inside) has one sample in the zone, so the debounce
   * alone gave no pass (perspective_test).
   */
  #passedThrough(t: _Track, g: _Geometry, now: Point, from: Point | null): boolean {
    if (!g.pre || g.zoneSide === 0 || !t.qualified) return false;
    const [a, b] = g.pre;
    const n: Point = [-(b[1] - a[1]) * g.zoneSide, (b[0] - a[0]) * g.zoneSide];
    const s = (p: Point) => n[0] * (p[0] - a[0]) + n[1] * (p[1] - a[1]);
    if (s(now) > Math.max(...g.zone.map(s))) return true;
    // Or the move from the last sample crossed an edge of the zone that faces away from the line.
    // Why: a zone drawn on an oblique road has a far edge slanted to the line, and a vehicle
    // leaving by its near end is past the zone long before it is past the far corner. Measured:
    // held-out s10_10 (44 km/h at 10 fps, roadside camera) had two anchors inside, the next 7 px
    // past the far edge but 12 px short of its far corner, and gave no pass.
    return !!from && farEdges(g.zone, n).some(([p, q]) => segmentsIntersect(from, now, p, q));
  }

  /**
   * Went the vehicle through the whole zone between the previous sample and this one, with no
   * sample inside? Both are detections (not coasting predictions) of consecutive frames, the
   * previous one outside and this one beyond the zone's far side on a visit qualified by the line
   * crossing (`#passedThrough`), and the straight move between them crosses the zone.
   * Returns the instant the move entered the zone (interpolated), or null. Measured: held-out
   * scene s6_10 (47 km/h at 2.5 fps, 5.2 m of road per frame, a 3 m zone) had anchors 13 px before
   * the zone and 14.5 px past it and gave no pass. A detection gap (a missed or coasting frame)
   * does not count: the vehicle could have stopped in the zone unseen.
   */
  #throughBetween(t: _Track, g: _Geometry, now: Point, ts: number, raw: boolean): number | null {
    const prev = t.last ?? t.recent[t.recent.length - 1];
    if (!raw || !prev || prev.rx === undefined || !(prev.ts < ts)) return null;
    const frames = this.#frameTs;
    if (!(prev.ts >= frames[0]) || frames.some((x) => x > prev.ts && x < ts)) return null;
    if (!this.#passedThrough(t, g, now, [prev.cx, prev.cy])) return null;
    const span = segmentInPolygon([prev.cx, prev.cy], now, g.zone);
    if (!span || span.enter <= 0) return null;
    return prev.ts + span.enter * (ts - prev.ts);
  }

  #step(
    t: _Track,
    tr: JudgeTrack,
    ts: number,
    f: number,
    g: _Geometry,
    mps: number | null,
    out: JudgeOutput,
  ): void {
    const stop = this.#stop;
    const p = tr.anchor ?? tr.center;
    const inside = pointInPolygon(p, g.zone);

    // Direction filter. The crossing trackers are stepped on every sample so their anchors stay
    // current; only crossings outside a visit change the qualification.
    const dir = g.pre ? t.pre.step(p, g.pre) : 0;
    if (dir !== 0 && !this.#inVisit(t)) {
      // A zone side of 0 (centroid on the line: misconfiguration) accepts either direction.
      t.qualified = g.zoneSide === 0 || dir === g.zoneSide;
    }
    const capDir = g.cap ? t.cap.step(p, g.cap) : 0;

    const sample: PassSample = {
      ts,
      cx: _r(p[0], 2),
      cy: _r(p[1], 2),
      speed_px_s: tr.speed_px_s,
      phase: "approach",
      box: tr.box.map((v) => _r(v, 1)) as Box,
      ...(tr.rawAnchor ? { rx: _r(tr.rawAnchor[0], 2), ry: _r(tr.rawAnchor[1], 2) } : {}),
    };
    if (mps !== null) sample.speed_mps = mps;
    const slow = this.#judged(sample) <= this.#rule.stop;

    // Zone entry (debounced, backdated to the first inside sample).
    if (!this.#inVisit(t)) {
      if (inside) {
        t.pendingEnter ??= { ts, frame: f };
        delete t.pendingEnter.outSince;
        if (ts - t.pendingEnter.ts >= stop.enter_debounce_s * 1000 - 1e-6) {
          this.#enter(t, p, out);
        }
      } else if (
        t.pendingEnter && this.#passedThrough(t, g, p, t.last ? [t.last.cx, t.last.cy] : null)
      ) {
        // Through the zone between two samples (too fast for the debounce): entered at the
        // inside sample, and this outside one starts the exit.
        this.#enter(t, p, out);
      } else if (
        t.pendingEnter &&
        ts - (t.pendingEnter.outSince ??= ts) < stop.exit_debounce_s * 1000 - 1e-6
      ) {
        // A run outside shorter than the exit debounce keeps the entry pending (ENTRY_BLIP).
      } else {
        t.pendingEnter = null;
        // Through the whole zone since the last sample, none inside: entered where the move
        // between them crossed into it, and this outside one starts the exit.
        const tIn = this.#throughBetween(t, g, p, ts, !!tr.rawAnchor);
        if (tIn !== null) {
          t.pendingEnter = { ts: Math.round(tIn), frame: f };
          this.#enter(t, p, out);
        }
      }
    }

    let v = t.visit;
    // Zone exit (debounced, backdated to the first outside sample).
    let exitedNow = false;
    if (v && v.exitedAt === null) {
      if (inside) v.exitPending = null;
      else {
        v.exitPending ??= { ts, frame: f };
        if (ts - v.exitPending.ts >= stop.exit_debounce_s * 1000 - 1e-6) exitedNow = true;
      }
    }

    // Live stop timer: stopStats' rule applied incrementally (recomputed exactly at the exit).
    if (v && v.exitedAt === null) {
      if (slow) {
        if (
          v.lastSlowTs !== null &&
          (v.prevSlow || ts - v.lastSlowTs <= stop.stop_bridge_s * 1000 + 1e-6)
        ) v.stopS += (ts - v.lastSlowTs) / 1000;
        v.lastSlowTs = ts;
      }
      v.prevSlow = slow;
    }

    // Parked: measured to the (pending) exit, so a car that has just left is not parked late.
    if (v && v.judged && !v.parked && v.exitedAt === null) {
      const until = v.exitPending?.ts ?? ts;
      if (until - v.enteredAt > stop.parked_after_s * 1000) {
        v.parked = true;
        v.samples = [];
        if (v.capture) out.discarded.push(v.id);
      }
    }

    // Phase of this sample.
    sample.phase = v && v.exitedAt === null
      ? (slow ? "stopped" : "in_zone")
      : t.visited || v
      ? "leaving"
      : "approach";
    if (v && v.judged && !v.parked) {
      v.samples.push(sample);
      v.labels.set(tr.label, (v.labels.get(tr.label) ?? 0) + 1);
    } else if (!v) {
      t.recent.push(sample);
      this.#trimRecent(t, ts);
    }
    t.last = sample;
    t.lastTs = ts;
    t.lastFrame = f;

    if (exitedNow && v) {
      this.#exit(t, v, out);
      if (!t.visit) v = null; // unjudged or parked visits end at the exit
      else if (v.capture === "capture_line") {
        this.#finalize(t, "exit", out);
        v = null;
      } else if (capDir === 0) {
        v.capture = "zone_exit";
        out.captures.push({ passId: v.id, trackId: t.id, ts, box: tr.box, reason: "zone_exit" });
      }
    }

    // Capture line: once per visit, in either direction, once the visit is entered.
    if (capDir !== 0 && v && v.judged && !v.parked && v.capture !== "capture_line") {
      v.capture = "capture_line";
      out.captures.push({ passId: v.id, trackId: t.id, ts, box: tr.box, reason: "capture_line" });
      if (v.exitedAt !== null) this.#finalize(t, "capture_line", out);
    }

    const cur = t.visit;
    const inZone = !!cur && cur.exitedAt === null;
    let phase: TickPhase | null;
    if (inZone) phase = cur.judged ? (slow ? "stopped" : "in_zone") : null;
    else phase = cur || t.visited ? "leaving" : "approach";
    out.phases.set(t.id, {
      phase,
      zone: inZone ? "stop" : null,
      stop_s: cur && cur.judged ? _r(cur.stopS, 2) : null,
      ...(t.unjudged ? { unjudged: t.unjudged } : {}),
      ...(mps !== null ? { speed_mps: mps } : {}),
    });
  }

  #inVisit(t: _Track): boolean {
    return !!t.visit && t.visit.exitedAt === null;
  }

  #trimRecent(t: _Track, ts: number): void {
    const keepFrom = t.pendingEnter?.ts ?? Infinity;
    let drop = 0;
    while (
      drop < t.recent.length && t.recent[drop].ts < keepFrom &&
      (t.recent[drop].ts < ts - APPROACH_KEEP_MS || t.recent.length - drop > APPROACH_KEEP_MAX)
    ) drop++;
    if (drop) t.recent.splice(0, drop);
  }

  #enter(t: _Track, p: Point, out: JudgeOutput): void {
    const pe = t.pendingEnter!;
    // A re-entry before the previous pass was final closes that pass first.
    if (t.visit) this.#finalize(t, "reentry", out);
    const g = this.#geom!;
    const bornInside = t.bornInZone && t.visits === 0 && !t.visited;
    const inferred = !bornInside && !!g.pre && !t.qualified && this.#inferredDirection(t, g, p);
    const judged = !bornInside && (!g.pre || t.qualified || inferred);
    t.unjudged = bornInside ? "first_seen_in_zone" : undefined;
    const n = judged ? ++t.visits : 0;
    const samples = judged ? t.recent : [];
    for (const s of samples) {
      if (s.ts >= pe.ts) s.phase = this.#judged(s) <= this.#rule.stop ? "stopped" : "in_zone";
    }
    const labels = new Map<string, number>();
    const st = this.#stats(samples, pe.ts, Infinity);
    t.visit = {
      n,
      id: judged ? passId(this.camera, t.firstTs, t.id, n) : "",
      judged,
      direction: !g.pre ? "no_pre_stop_line" : inferred ? "inferred" : "pre_stop_line",
      parked: false,
      enteredAt: pe.ts,
      enterFrame: pe.frame,
      exitPending: null,
      exitedAt: null,
      exitFrame: null,
      samples,
      labels,
      capture: null,
      stopS: st.total_s,
      lastSlowTs: st.last_slow_ts,
      prevSlow: st.last_was_slow,
    };
    t.recent = [];
    t.pendingEnter = null;
    // Each visit needs its own approach: the next one must cross the pre-stop line again.
    t.qualified = false;
  }

  /** Confirm the pending exit (backdated). Unjudged and parked visits end here. */
  #exit(t: _Track, v: _Visit, out: JudgeOutput): void {
    const ep = v.exitPending!;
    v.exitedAt = ep.ts;
    v.exitFrame = ep.frame;
    v.exitPending = null;
    for (const s of v.samples) if (s.ts >= ep.ts) s.phase = "leaving";
    if (v.judged && !v.parked && v.exitedAt - v.enteredAt > this.#stop.parked_after_s * 1000) {
      v.parked = true;
      if (v.capture) out.discarded.push(v.id);
    }
    if (!v.judged || v.parked) {
      t.visit = null;
      t.visited = true;
      return;
    }
    v.stopS = this.#stats(v.samples, v.enteredAt, v.exitedAt).total_s;
  }

  /** The stop rule on the judged speed (m/s when calibrated) against the matching threshold. */
  #stats(
    samples: readonly PassSample[],
    enteredAt: number,
    exitedAt: number,
  ): StopStats | StopStatsMps {
    const bridgeS = this.#stop.stop_bridge_s;
    if (!this.#rule.homography) {
      return stopStats(samples, enteredAt, exitedAt, this.#rule.stop, bridgeS);
    }
    const road = samples.map((s) => ({ ts: s.ts, speed_mps: this.#judged(s) }));
    return stopStatsMps(road, enteredAt, exitedAt, this.#rule.stop, bridgeS);
  }

  /** The verdict in the unit the stats were judged in. */
  #verdict(stats: StopStats | StopStatsMps): Verdict {
    const fullStopMinS = this.#stop.full_stop_min_s;
    return "min_speed_mps" in stats
      ? verdictOfMps(stats, {
        full_stop_min_s: fullStopMinS,
        rolling_speed_mps: this.#rule.rolling,
      })
      : verdictOf(stats, { full_stop_min_s: fullStopMinS, rolling_speed_px_s: this.#rule.rolling });
  }

  /** The track is gone (ended, timed out, or flushed): close what it has open and forget it. */
  #end(t: _Track, by: "track_end" | "timeout" | "flush", out: JudgeOutput): void {
    const v = t.visit;
    if (v) {
      if (v.exitedAt === null && v.exitPending) this.#exit(t, v, out);
      if (t.visit) {
        // A parked visit's crop was already discarded when it became parked.
        if (!v.parked) this.#finalize(t, by === "timeout" ? "track_end" : by, out);
      }
    }
    this.#tracks.delete(t.id);
  }

  #timeouts(ts: number, out: JudgeOutput): void {
    const afterExit = this.#stop.finalize_after_exit_s * 1000;
    const stale = this.#stop.track_timeout_s * 1000;
    for (const t of [...this.#tracks.values()]) {
      const v = t.visit;
      if (v && v.exitedAt !== null && ts - v.exitedAt >= afterExit - 1e-6) {
        this.#finalize(t, "timeout", out);
      }
      if (ts - t.lastTs > stale) this.#end(t, "timeout", out);
    }
    for (const [id, r] of this.#road) if (ts - r.lastTs > stale) this.#road.delete(id);
  }

  /**
   * A finalized visit's road speeds (calibrated cameras), re-fitted non-causally on the raw
   * anchors of its samples (approach, zone and leaving) mapped to the road (road_speed.ts):
   * `entry` at the instant the anchor crossed into the zone (interpolated between the last
   * sample outside and the first inside), `min` over the zone samples and the entry, `max` over
   * those and the instant it crossed out of the zone (road_speed.ts zoneRoadSpeeds: unless the
   * vehicle pulls away through the exit, fitted without the samples past it).
   * Where the fit has too few samples around an instant, the causal sample speed stands in.
   */
  /** The visit's raw anchors on the road (null when uncalibrated). */
  #visitRoad(v: _Visit): RoadSample[] | null {
    const h = this.#rule.homography;
    if (!h) return null;
    const road: RoadSample[] = [];
    let box: Box | undefined;
    // Backfilled birth samples carry no box: the nearest later box sizes their noise.
    for (let i = v.samples.length - 1; i >= 0; i--) {
      const s = v.samples[i];
      box = s.box ?? box;
      if (s.rx === undefined || s.ry === undefined || !box) continue;
      road.push(this.#roadSample(h, s.ts, [s.rx, s.ry], box));
    }
    return road.reverse();
  }

  #passRoadSpeeds(
    v: _Visit,
    exitedAt: number,
  ): { entry: number; min: number; max: number } | null {
    const h = this.#rule.homography;
    const road = this.#visitRoad(v);
    if (!h || !road) return null;
    const k = v.samples.findIndex((s) => s.ts >= v.enteredAt);
    if (k < 0) return null;
    const cur = v.samples[k], prev = v.samples[k - 1];
    const zone = this.#geom?.zone;
    const tEntry = prev && zone ? _crossing(prev, cur, zone, "enter") : cur.ts;
    const zoneTs = v.samples.filter((s) => s.ts >= v.enteredAt && s.ts < exitedAt).map((s) => s.ts);
    // The exit too (the same bisection): a vehicle pulling away is fastest where it leaves, and
    // the last zone sample can be a whole frame interval before that (persp_queue's second van
    // at half rate: 2.05 m/s at its last zone sample, 2.33 at the exit).
    const j = v.samples.findIndex((s) => s.ts >= exitedAt);
    const tExit = j > 0 && zone ? _crossing(v.samples[j - 1], v.samples[j], zone, "leave") : null;
    // Too few samples around an instant: the causal speed of the latest sample up to it.
    const fallback = (t: number) => {
      if (t === tEntry) return cur.speed_mps ?? 0;
      let m: number | undefined;
      for (const s of v.samples) if (s.ts <= t) m = s.speed_mps ?? m;
      return m ?? 0;
    };
    // The entry speed, still at tEntry, only from fits whose own road path crosses the zone's edge
    // around this frame interval (road_speed.ts roadEntrySpeed: a line through the van at rest
    // inside, extrapolated back to tEntry, read 0.06 m/s for 1.82 at 2.5 fps).
    const w = this.#frameW, hh = this.#frameH;
    const entryEdge = prev && zone
      ? { from: prev.ts, to: cur.ts, zone: zone.map((p) => toRoad(h, p, w, hh)) }
      : null;
    return zoneRoadSpeeds(road, tEntry, zoneTs, tExit, fallback, entryEdge);
  }

  #finalize(t: _Track, by: PassQuality["finalized_by"], out: JudgeOutput): void {
    const v = t.visit!;
    t.visit = null;
    t.visited = true;
    // Parked visits never reach here with a capture pending (their discard is emitted when they
    // become parked); unjudged visits have nothing to report.
    if (!v.judged || v.parked) return;
    const endedInZone = v.exitedAt === null;
    const exitedAt = v.exitedAt ?? t.lastTs;
    const causal = this.#stats(v.samples, v.enteredAt, endedInZone ? Infinity : exitedAt);
    // A stop the live speed saw while the box stood and the vehicle drove on is no stop
    // (road_stalls.ts: held-out s17_8, a 1.88 m/s roll read a 0.39 s stop).
    const stalls = this.#refine ? stalledSpans(this.#visitRoad(v) ?? []) : [];
    const runs = causal.runs.filter((r) => !stalls.some(([a, b]) => r.start >= a && r.end <= b));
    const stats = this.#refine
      ? { ...causal, ..._refinedStops(v.samples, runs, v.enteredAt, exitedAt) }
      : causal;
    const samples = v.samples.filter((s) => s.ts <= exitedAt).map(({ rx: _x, ry: _y, ...s }) => s);
    // Reported speeds: px/s always (the tracker's), m/s when calibrated.
    let px = "min_speed_px_s" in causal
      ? causal
      : stopStats(v.samples, v.enteredAt, endedInZone ? Infinity : exitedAt, Infinity);
    if (px.zone_samples === 0) {
      // Through the zone between two samples: the speed at the interpolated entry instant.
      const entry = _speedBetween(v.samples, v.enteredAt);
      px = { ...px, entry_speed_px_s: entry, min_speed_px_s: entry };
    }
    const road = this.#passRoadSpeeds(v, endedInZone ? Infinity : exitedAt);
    const mps = (x: number | undefined) => (x === undefined ? null : _r(x, 2));
    let maxGap = 0;
    for (let i = 1; i < samples.length; i++) {
      maxGap = Math.max(maxGap, samples[i].ts - samples[i - 1].ts);
    }
    const expected = endedInZone
      ? t.lastFrame - v.enterFrame + 1
      : (v.exitFrame ?? v.enterFrame) - v.enterFrame;
    let label = "";
    let best = -1;
    for (const [l, c] of v.labels) if (c > best) [label, best] = [l, c];
    out.passes.push({
      id: v.id,
      camera: this.camera,
      track_id: t.id,
      label,
      // Calibrated: the rolling-stop test uses the re-fitted minimum road speed.
      verdict: this.#verdict(
        road && "min_speed_mps" in stats
          ? { ...stats, min_speed_mps: road.min }
          : "min_speed_px_s" in stats
          ? { ...stats, min_speed_px_s: px.min_speed_px_s }
          : stats,
      ),
      entered_at: v.enteredAt,
      exited_at: exitedAt,
      time_in_zone_s: _r((exitedAt - v.enteredAt) / 1000),
      stop_duration_s: _r(stats.total_s),
      longest_stop_s: _r(stats.longest_s),
      min_speed_px_s: _r(px.min_speed_px_s, 2),
      entry_speed_px_s: _r(px.entry_speed_px_s, 2),
      entry_speed_mps: mps(road?.entry),
      min_speed_mps: mps(road?.min),
      max_speed_mps: mps(road?.max),
      quality: {
        samples: samples.length,
        zone_samples: stats.zone_samples,
        expected_zone_samples: expected,
        coverage: expected > 0 ? _r(Math.min(1, stats.zone_samples / expected)) : 0,
        max_gap_s: _r(maxGap / 1000),
        ended_in_zone: endedInZone,
        finalized_by: by,
        capture: v.capture,
        direction: v.direction,
      },
      samples,
    });
  }
}
