/** Build valid ticks for tests. */
import type { Tick } from "../tick.ts";

export function makeTick(camera: string, seq: number, tracks = 1): Tick {
  return {
    v: 1,
    type: "tick",
    camera,
    seq,
    ts: Date.now(),
    frame: { w: 768, h: 576 },
    space: "source",
    tracks: Array.from({ length: tracks }, (_, i) => ({
      id: i + 1,
      label: "car",
      conf: 0.5 + (i % 50) / 100,
      bbox: [0.1, 0.2, 0.05, 0.04],
      speed_px_s: 12.5,
      zone: null,
      phase: "approach",
      stop_s: 0,
    })),
    stats: { fps: 15, infer_ms: 12.5, lag_ms: 30, dropped: 0 },
  };
}
