/**
 * A live camera's processed frames under load, offline and seeded (PipelineDeps.liveTiming):
 * - latest-state decoding (analyzer/source/decode_worker.ts): while the detector is busy, frames
 *   arriving are replaced by newer ones; the pipeline then gets the newest. A busy worker is
 *   modelled per processed frame: with probability `busyProb` its processing overruns the
 *   frame interval by 1 to `maxSkip` source frames, which the pipeline never sees; rarer, with
 *   probability `stallProb`, it stalls for 0.5 s to `stallMaxS` (a starved box: GC, the other
 *   cameras' inference);
 * - capture-time jitter: each frame's capture time is its PTS plus a uniform ±`jitterMs`, never
 *   going backwards (analyzer/source/capture_clock.ts guarantees that much).
 * The pipeline's own detect.fps rule (dueAtFps) decides which delivered frames it processes; the
 * model uses the same rule to know which frame the detector is busy with.
 */
import { dueAtFps } from "../../analyzer/pipeline/camera_pipeline.ts";
import type { FrameMeta } from "../../analyzer/source/decode_protocol.ts";
import { seededRandom } from "../../shared/testing/prng.ts";

export interface LiveTimingOptions {
  /** detect.fps of the camera. */
  fps: number;
  seed: number;
  /** Share of processed frames whose processing overruns (default 0.2). */
  busyProb?: number;
  /** Source frames lost at most per overrun (default 3). */
  maxSkip?: number;
  /** Share of processed frames followed by a stall (default 0). */
  stallProb?: number;
  /** Longest stall, s (default 3). */
  stallMaxS?: number;
  /** Capture-time jitter, ± ms (default 40). */
  jitterMs?: number;
}

export interface LiveTiming {
  /** The hook for PipelineDeps.liveTiming. */
  timing: (meta: FrameMeta) => number | null;
  /** The PTS (s) of each processed frame, by its capture time in whole ms (a tick's ts). */
  ptsByTs: Map<number, number>;
  /** Source frames replaced while the detector was busy. */
  lost: number;
  /** Frames the pipeline processed (as its fps rule decides). */
  processed: number;
}

export function liveTiming(o: LiveTimingOptions): LiveTiming {
  const rand = seededRandom(o.seed);
  const busyProb = o.busyProb ?? 0.2;
  const maxSkip = o.maxSkip ?? 3;
  const jitterMs = o.jitterMs ?? 40;
  const stallProb = o.stallProb ?? 0;
  const stallMaxS = o.stallMaxS ?? 3;
  const intervalMs = 1000 / o.fps;
  let busyUntilMs = -Infinity;
  let prevPtsMs: number | null = null;
  let lastTs = -Infinity;
  let lastProcessedTs = -Infinity;
  const out: LiveTiming = {
    ptsByTs: new Map(),
    lost: 0,
    processed: 0,
    timing: (meta) => {
      const ptsMs = meta.ptsS * 1000;
      const frameMs = prevPtsMs === null ? 0 : ptsMs - prevPtsMs;
      prevPtsMs = ptsMs;
      // A newer frame arrives before the detector is free: this one is replaced.
      if (ptsMs + frameMs <= busyUntilMs) {
        out.lost++;
        return null;
      }
      const ts = Math.max(ptsMs + (rand() * 2 - 1) * jitterMs, lastTs);
      lastTs = ts;
      if (dueAtFps(ts, lastProcessedTs, o.fps)) {
        lastProcessedTs = ts;
        out.processed++;
        out.ptsByTs.set(Math.round(ts), meta.ptsS);
        if (rand() < busyProb) {
          const skip = 1 + Math.floor(rand() * maxSkip);
          busyUntilMs = ptsMs + intervalMs + skip * frameMs;
        }
        if (stallProb && rand() < stallProb) {
          busyUntilMs = ptsMs + 500 + rand() * (stallMaxS - 0.5) * 1000;
        }
      }
      return ts;
    },
  };
  return out;
}
