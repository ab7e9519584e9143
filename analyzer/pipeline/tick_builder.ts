/** Builds the overlay tick (ARCHITECTURE §4) from a frame's tracks and their judge phases. */
import { normalizeBox, round } from "../../shared/geometry.ts";
import type { Tick } from "../../shared/tick.ts";
import type { Box } from "../../shared/geometry.ts";
import type { TrackPhaseInfo } from "../judge/mod.ts";

export interface TickStats {
  fps: number;
  infer_ms: number;
  lag_ms: number;
  dropped: number;
  /** Share of the last 10 s of processed frames the detector ran on (motion gating), 0..1. */
  detected_share?: number;
}

export interface TickTrackInput {
  id: number;
  label: string;
  conf: number;
  box: Box;
  speed_px_s: number;
}

export function buildTick(
  camera: string,
  seq: number,
  captureTs: number,
  frame: { w: number; h: number },
  tracks: TickTrackInput[],
  phases: Map<number, TrackPhaseInfo>,
  stats: TickStats,
  /** The frame's PTS in the stream's own timeline, ms (tick `media_ms`); omitted when unknown. */
  mediaMs?: number,
): Tick {
  return {
    v: 1,
    type: "tick",
    camera,
    seq,
    ts: Math.round(captureTs),
    // Microsecond rounding: the players' frame times are exact to far better than a frame.
    ...(mediaMs === undefined || !Number.isFinite(mediaMs) ? {} : { media_ms: round(mediaMs, 3) }),
    frame,
    space: "source",
    tracks: tracks.map((t) => {
      const p = phases.get(t.id);
      return {
        id: t.id,
        label: t.label,
        conf: round(t.conf, 3),
        bbox: normalizeBox(t.box, frame.w, frame.h),
        speed_px_s: round(t.speed_px_s, 1),
        zone: p?.zone ?? null,
        phase: p?.phase ?? null,
        stop_s: p?.stop_s == null ? null : round(p.stop_s, 2),
        ...(p?.speed_mps == null ? {} : { speed_mps: round(p.speed_mps, 2) }),
      };
    }),
    stats: {
      fps: round(stats.fps, 1),
      infer_ms: round(stats.infer_ms, 1),
      lag_ms: Math.round(stats.lag_ms),
      dropped: stats.dropped,
      ...(stats.detected_share === undefined
        ? {}
        : { detected_share: round(stats.detected_share, 3) }),
    },
  };
}
