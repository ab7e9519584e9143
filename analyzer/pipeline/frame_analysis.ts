/**
 * The per-frame analysis of one camera, shared by the live analyzer and the offline CLI:
 * detections -> ByteTrack tracks -> stop judge (phases, passes, crop requests) -> track events.
 * Pure given its inputs (capture timestamps, not wall time), so the same clip gives the same
 * results at any speed.
 */
import type { CameraConfig } from "../../shared/config.ts";
import { type Anchor, anchorPoint, normalizeBox, round } from "../../shared/geometry.ts";
import type { TrackEvent, TrackSnapshot } from "../../shared/events.ts";
import { type CaptureRequest, type Pass, StopJudge, type TrackPhaseInfo } from "../judge/mod.ts";
import type { Detection } from "../detector/detection.ts";
import { ByteTracker, type TrackView } from "../tracker/mod.ts";

export interface FrameResult {
  tracks: TrackView[];
  phases: Map<number, TrackPhaseInfo>;
  events: TrackEvent[];
  passes: Pass[];
  captures: CaptureRequest[];
  /** Pass ids whose crops will never be used (e.g. the vehicle turned out parked). */
  discarded: string[];
}

/** Detections at or above this go to ByteTrack's second (low-score) association stage. */
export const LOW_SCORE = 0.1;

export class FrameAnalysis {
  readonly camera: string;
  #tracker: ByteTracker;
  #judge: StopJudge;
  #last = new Map<number, TrackSnapshot>();
  #frame = { w: 0, h: 0 };
  #anchor: Anchor;
  /** Capture time of the last step: the end of a file ends the tracks still held then. */
  #lastTs: number | null = null;

  constructor(camera: string, cfg: CameraConfig) {
    this.camera = camera;
    this.#anchor = cfg.anchor;
    this.#tracker = new ByteTracker(_trackerOptions(cfg));
    this.#judge = new StopJudge(camera, cfg.zones, cfg.stop, { calibration: cfg.calibration });
  }

  /** Hot reload: thresholds and zones change from the next frame; live tracks are kept. */
  setConfig(cfg: CameraConfig): void {
    this.#anchor = cfg.anchor;
    this.#tracker.setOptions?.(_trackerOptions(cfg));
    this.#judge.setConfig(cfg.zones, cfg.stop, cfg.calibration ?? null);
  }

  step(dets: Detection[], ts: number, w: number, h: number): FrameResult {
    this.#frame = { w, h };
    this.#lastTs = ts;
    const { tracks, started, ended } = this.#tracker.update(dets, ts, { w, h });
    const births = new Map(started.map((t) => [t.id, t.birth]));
    const out = this.#judge.update({
      ts,
      w,
      h,
      tracks: tracks.map((t) => ({
        id: t.id,
        label: t.label,
        center: t.center,
        anchor: t.anchor,
        // The matched detection's own anchor (the stop re-estimate wants unsmoothed positions).
        rawAnchor: t.lastTs === ts ? anchorPoint(t.rawBox, this.#anchor) : undefined,
        box: t.box,
        speed_px_s: t.speed_px_s,
        conf: t.conf,
        firstTs: t.firstTs,
        birth: births.get(t.id),
        ...(t.refound ? { refound: t.refound } : {}),
      })),
      ended: ended.map((t) => t.id),
    });
    const events: TrackEvent[] = [];
    const ev = (
      event: TrackEvent["event"],
      before: TrackSnapshot | null,
      after: TrackSnapshot | null,
    ) => events.push({ v: 1, type: "track_event", event, camera: this.camera, ts, before, after });
    for (const t of started) {
      const snap = this.#snapshot(t, out.phases.get(t.id));
      this.#last.set(t.id, snap);
      ev("new", null, snap);
    }
    for (const t of tracks) {
      const prev = this.#last.get(t.id);
      if (!prev) continue;
      const snap = this.#snapshot(t, out.phases.get(t.id));
      // Frigate-style updates on meaningful changes only: phase, zone, label or judging.
      if (
        snap.phase !== prev.phase || snap.zone !== prev.zone || snap.label !== prev.label ||
        snap.unjudged !== prev.unjudged
      ) {
        ev("update", prev, snap);
      }
      this.#last.set(t.id, snap);
    }
    for (const t of ended) {
      const prev = this.#last.get(t.id) ?? null;
      this.#last.delete(t.id);
      if (prev) ev("end", prev, null);
    }
    return { ...out, tracks, events };
  }

  /**
   * A frame the detector skipped (motion gating): the tracks of the last step predicted to `ts`.
   * Neither the tracker nor the judge is fed, so gated and always-detect runs judge the same
   * detections (analyzer/pipeline/motion_gating_test.ts) and nothing is counted twice.
   */
  predict(ts: number): TrackView[] {
    return this.#tracker.predict(ts);
  }

  /**
   * End of a file (or of the camera): finalize every open pass, and end every track still held,
   * so each `new` track event has its `end` (a vehicle still in view when the clip stops would
   * otherwise stay "present" for an MQTT or Home Assistant consumer of the events).
   */
  flush(): { passes: Pass[]; events: TrackEvent[] } {
    const passes = this.#judge.flush();
    const events: TrackEvent[] = [];
    const ts = this.#lastTs;
    if (ts !== null) {
      for (const before of this.#last.values()) {
        events.push({
          v: 1,
          type: "track_event",
          event: "end",
          camera: this.camera,
          ts,
          before,
          after: null,
        });
      }
    }
    this.#last.clear();
    return { passes, events };
  }

  #snapshot(t: TrackView, p: TrackPhaseInfo | undefined): TrackSnapshot {
    return {
      id: t.id,
      label: t.label,
      conf: round(t.conf, 3),
      bbox: normalizeBox(t.box, this.#frame.w, this.#frame.h),
      speed_px_s: round(t.speed_px_s, 1),
      phase: p?.phase ?? null,
      zone: p?.zone ?? null,
      ...(p?.unjudged ? { unjudged: p.unjudged } : {}),
    };
  }
}

function _trackerOptions(cfg: CameraConfig) {
  // A track starts from a detection at min_conf or above; weaker ones keep tracks alive, and
  // start one only as a chain that moves like a vehicle (ByteTracker #lowStarts).
  return {
    highThresh: cfg.detect.min_conf,
    newTrackThresh: cfg.detect.min_conf,
    lowThresh: LOW_SCORE,
    maxBoxArea: cfg.detect.max_box_area,
    anchor: cfg.anchor,
  };
}
