/** Builds the overlay tick (ARCHITECTURE §4) from a frame's confirmed tracks. */
import { normalizeBox, round } from "../../shared/geometry.ts";
import type { Tick } from "../../shared/tick.ts";
import type { Track } from "../tracker/iou_tracker.ts";

export interface TickStats {
  fps: number;
  infer_ms: number;
  lag_ms: number;
  dropped: number;
}

export function buildTick(
  camera: string,
  seq: number,
  captureTs: number,
  frame: { w: number; h: number },
  tracks: Track[],
  stats: TickStats,
): Tick {
  return {
    v: 1,
    type: "tick",
    camera,
    seq,
    ts: Math.round(captureTs),
    frame,
    space: "source",
    tracks: tracks.map((t) => ({
      id: t.id,
      label: t.label,
      conf: round(t.conf, 3),
      bbox: normalizeBox(t.box, frame.w, frame.h),
      speed: round(t.speed, 1),
      zone: null,
      phase: null,
      stop_s: null,
    })),
    stats: {
      fps: round(stats.fps, 1),
      infer_ms: round(stats.infer_ms, 1),
      lag_ms: Math.round(stats.lag_ms),
      dropped: stats.dropped,
    },
  };
}
