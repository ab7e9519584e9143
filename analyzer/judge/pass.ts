/**
 * A judged pass (one vehicle, one stop-zone visit; ARCHITECTURE §4 "Stop judgement") and the pure
 * functions that turn a visit's samples into its numbers and verdict.
 */
import type { Box } from "../../shared/geometry.ts";
import type { TRACK_PHASES } from "../../shared/tick.ts";
import type { Verdict } from "../../shared/verdict.ts";

/** Phases exactly as the overlay tick names them. */
export type TickPhase = typeof TRACK_PHASES[number];

/** One raw per-frame observation of a judged vehicle (approach -> exit). */
export interface PassSample {
  /** Capture time, unix ms. */
  ts: number;
  /** The judged point (the camera's anchor, by default the box's bottom centre), source px. */
  cx: number;
  cy: number;
  /** Tracker speed, source px/s. */
  speed_px_s: number;
  /** Phase as finally judged (entry/exit debouncing rewrites the samples it backdates). */
  phase: TickPhase;
  /**
   * The matched detection's own anchor point (unsmoothed), when the track was matched at this
   * sample: the judge's stop re-estimate uses it; not part of a written pass.
   */
  rx?: number;
  ry?: number;
  /** Road speed, m/s (calibrated cameras only). */
  speed_mps?: number;
  /** The vehicle's box [x, y, w, h], source px (the replay draws it over the clip). */
  box?: Box;
}

export interface PassQuality {
  /** Samples in `samples` (approach -> exit). */
  samples: number;
  /** Samples between entry and exit. */
  zone_samples: number;
  /** Frames the judge processed between entry and exit (what full detection would give). */
  expected_zone_samples: number;
  /** zone_samples / expected_zone_samples, 0..1 (1 = detected in every frame). */
  coverage: number;
  /** Longest time between two consecutive samples from approach to exit, s. */
  max_gap_s: number;
  /** The track ended while the vehicle was still in the zone (exited_at = last sighting). */
  ended_in_zone: boolean;
  /** What made the pass final. */
  finalized_by: "capture_line" | "exit" | "timeout" | "track_end" | "reentry" | "flush";
  /** Whether a capture request was emitted at the capture line or only at the zone exit. */
  capture: "capture_line" | "zone_exit" | null;
  /**
   * Qualified by crossing the pre-stop line; or "inferred": first seen between the pre-stop line
   * and the zone, moving from the line towards the zone (it crossed before it was detected); or
   * counted because no pre-stop line is configured.
   */
  direction: "pre_stop_line" | "inferred" | "no_pre_stop_line";
}

export interface Pass {
  /** Deterministic `${camera}:${track first ts}:${track_id}` (+ `:${visit}` from the 2nd visit). */
  id: string;
  camera: string;
  track_id: number;
  label: string;
  verdict: Verdict;
  /**
   * Capture time (unix ms) of the first sample with the anchor point in the zone; with none inside
   * (through the zone between two samples) the instant the move between them entered it.
   */
  entered_at: number;
  /** Capture time of the first sample outside after it (or the last sighting, ended_in_zone). */
  exited_at: number;
  time_in_zone_s: number;
  /** Total time stopped in the zone (all stops of the visit), s. */
  stop_duration_s: number;
  /** Longest single stop, s (what the full_stop verdict is based on). */
  longest_stop_s: number;
  /** Minimum tracker speed in the zone, px/s. */
  min_speed_px_s: number;
  /** Tracker speed at the first sample in the zone, px/s. */
  entry_speed_px_s: number;
  /** Road speed at the first sample in the zone, m/s; null when the camera is not calibrated. */
  entry_speed_mps: number | null;
  /** Minimum road speed in the zone, m/s; null when not calibrated. */
  min_speed_mps: number | null;
  /** Maximum road speed in the zone, m/s; null when not calibrated. */
  max_speed_mps: number | null;
  quality: PassQuality;
  samples: PassSample[];
}

/** Ask the caller to crop the frame it just passed in (`ts`) at `box` (source px). */
export interface CaptureRequest {
  passId: string;
  trackId: number;
  ts: number;
  box: Box;
  /** A capture_line crop beats a zone_exit one (the exit crop is the fallback). */
  reason: "capture_line" | "zone_exit";
}

/** Keep the better of two crops for one pass: capture_line wins over zone_exit, first wins ties. */
export function betterCapture(a: CaptureRequest | null, b: CaptureRequest): CaptureRequest {
  if (!a) return b;
  return a.reason === "zone_exit" && b.reason === "capture_line" ? b : a;
}

/** The stop rule's numbers that do not depend on the speed's unit. */
export interface StopRunStats {
  /** Sum of all stop runs in the zone, s. */
  total_s: number;
  /** Longest stop run, s. */
  longest_s: number;
  /** At least one sample in the zone was at or below the stop speed. */
  any_slow: boolean;
  zone_samples: number;
  /** Capture time of the last slow sample considered (seeds the live timer), or null. */
  last_slow_ts: number | null;
  /** Whether the last sample considered was slow. */
  last_was_slow: boolean;
  /** Each stop run as [first, last] slow sample capture ms (what `total_s` sums). */
  runs: { start: number; end: number }[];
}

/** stopStats on the tracker's image speed. */
export interface StopStats extends StopRunStats {
  min_speed_px_s: number;
  entry_speed_px_s: number;
}

/** stopStatsMps on road speeds (calibrated cameras). */
export interface StopStatsMps extends StopRunStats {
  min_speed_mps: number;
  entry_speed_mps: number;
}

/**
 * Stop time from samples, in capture time.
 *
 * Rule: time between two slow samples (speed <= `stopSpeedPxS`) counts as stopped when they are
 * consecutive, or when only fast samples lie between them and they are at most `bridgeS` apart.
 * Samples from entered_at count; the first sample at or after exited_at only closes a run.
 * - A run of k consecutive slow samples is (k-1) frame intervals — first to last slow sample —
 *   the same convention as `_slowTime` in dev/testing/scenes/oracle.ts. Counting a whole
 *   interval per slow sample would add a frame at each end: the frames flanking a real stop are
 *   already below 10 px/s (a van braking to 0 does 3.75 px/s in its last 0.1 s), so the
 *   synthetic 3.0 s stop would read 3.2 s; this rule reads 3.1 s.
 * - The bridge: a standing vehicle's tracker speed blips over the threshold now and then (box
 *   jitter); without the bridge each blip cuts 2 intervals from the stop and can split one long
 *   stop into two short ones. A real pull-away lasts longer than `bridgeS`.
 * - Consecutive slow samples across a detection gap count (a stopped car briefly occluded stays
 *   stopped); quality.max_gap_s says when that happened.
 */
export function stopStats(
  samples: readonly { ts: number; speed_px_s: number }[],
  enteredAt: number,
  exitedAt: number,
  stopSpeedPxS: number,
  bridgeS = 0,
): StopStats {
  const { min, entry, ...runs } = _stopRuns(
    samples,
    (s) => s.speed_px_s,
    enteredAt,
    exitedAt,
    stopSpeedPxS,
    bridgeS,
  );
  return { ...runs, min_speed_px_s: min, entry_speed_px_s: entry };
}

/** stopStats' rule on road speeds (m/s), for cameras with a ground-plane calibration. */
export function stopStatsMps(
  samples: readonly { ts: number; speed_mps: number }[],
  enteredAt: number,
  exitedAt: number,
  stopSpeedMps: number,
  bridgeS = 0,
): StopStatsMps {
  const { min, entry, ...runs } = _stopRuns(
    samples,
    (s) => s.speed_mps,
    enteredAt,
    exitedAt,
    stopSpeedMps,
    bridgeS,
  );
  return { ...runs, min_speed_mps: min, entry_speed_mps: entry };
}

/** The rule behind stopStats and stopStatsMps; `min`/`entry` are in `speedOf`'s unit. */
function _stopRuns<S extends { ts: number }>(
  samples: readonly S[],
  speedOf: (s: S) => number,
  enteredAt: number,
  exitedAt: number,
  stopSpeed: number,
  bridgeS: number,
): StopRunStats & { min: number; entry: number } {
  let total = 0, run = 0, longest = 0, anySlow = false, min = Infinity, n = 0;
  let entry = NaN;
  let lastSlow: number | null = null, prevSlow = false;
  const runs: { start: number; end: number }[] = [];
  for (const s of samples) {
    if (s.ts < enteredAt) continue;
    const inZone = s.ts < exitedAt;
    const speed = speedOf(s);
    const slow = speed <= stopSpeed;
    if (inZone) {
      n++;
      if (Number.isNaN(entry)) entry = speed;
      min = Math.min(min, speed);
      anySlow ||= slow;
    }
    if (slow) {
      if (lastSlow !== null && (prevSlow || s.ts - lastSlow <= bridgeS * 1000 + 1e-6)) {
        const dt = (s.ts - lastSlow) / 1000;
        total += dt;
        run += dt;
        longest = Math.max(longest, run);
        if (runs.length) runs[runs.length - 1].end = s.ts;
      } else {
        run = 0;
        // A run begins at a slow sample in the zone (a closing sample after the exit does not).
        if (inZone) runs.push({ start: s.ts, end: s.ts });
      }
      lastSlow = s.ts;
    }
    prevSlow = slow;
    if (!inZone) break;
  }
  return {
    total_s: total,
    longest_s: longest,
    any_slow: anySlow,
    min: n ? min : NaN,
    entry,
    zone_samples: n,
    last_slow_ts: lastSlow,
    last_was_slow: prevSlow,
    runs,
  };
}

/**
 * The verdict. The LONGEST single stop decides full_stop (as the ground truth of
 * dev/testing/scenes/oracle.ts does): two 0.3 s creeps are not a 0.6 s full stop, and the
 * traffic rule is about coming to a stop, not about accumulated slow time. stop_duration_s
 * still reports the total.
 */
export function verdictOf(
  stats: Pick<StopStats, "longest_s" | "any_slow" | "min_speed_px_s">,
  stop: { full_stop_min_s: number; rolling_speed_px_s: number },
): Verdict {
  return _verdict(stats, stats.min_speed_px_s, stop.full_stop_min_s, stop.rolling_speed_px_s);
}

/** verdictOf on road speeds (calibrated cameras): the rolling threshold is in m/s. */
export function verdictOfMps(
  stats: Pick<StopStatsMps, "longest_s" | "any_slow" | "min_speed_mps">,
  stop: { full_stop_min_s: number; rolling_speed_mps: number },
): Verdict {
  return _verdict(stats, stats.min_speed_mps, stop.full_stop_min_s, stop.rolling_speed_mps);
}

function _verdict(
  stats: Pick<StopRunStats, "longest_s" | "any_slow">,
  minSpeed: number,
  fullStopMinS: number,
  rollingSpeed: number,
): Verdict {
  if (stats.any_slow && stats.longest_s >= fullStopMinS - 1e-9) return "full_stop";
  if (minSpeed <= rollingSpeed) return "rolling_stop";
  return "no_stop";
}

/** Deterministic pass id, so re-running a clip or retrying a write is idempotent. */
export function passId(camera: string, trackFirstTs: number, trackId: number, visit: number) {
  const base = `${camera}:${Math.round(trackFirstTs)}:${trackId}`;
  return visit > 1 ? `${base}:${visit}` : base;
}
