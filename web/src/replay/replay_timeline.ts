/**
 * A pass's stored samples on its clip's timeline: the clip's time 0 is the capture time
 * `clip_start`, so the frame at media time t shows the instant clip_start + t, and the sample
 * drawn over it is the last one captured at or before that instant (the sample of that very
 * frame when the analyzer saw it). Also the live stop timer at that instant, as the judge ran
 * it: time spent in `stopped` up to the shown sample.
 */
import type { PassSample } from "../../../shared/pass_row.ts";

export interface ReplayState {
  /** Capture time shown, unix ms. */
  captureMs: number;
  /** The sample of that instant, or null before the first / after the last (plus a gap). */
  sample: PassSample | null;
  /** Stopped time so far, s. */
  stopS: number;
}

const _ms = (t: number | string) => (typeof t === "number" ? t : Date.parse(t));

export class ReplayTimeline {
  readonly clipStartMs: number;
  readonly samples: readonly PassSample[];
  readonly #ts: number[];
  /** A sample stands for this long at most when the next one is missing (a detection gap). */
  readonly holdMs: number;

  constructor(samples: readonly PassSample[], clipStartMs: number, holdMs = 500) {
    this.samples = [...samples].sort((a, b) => _ms(a.ts) - _ms(b.ts));
    this.#ts = this.samples.map((s) => _ms(s.ts));
    this.clipStartMs = clipStartMs;
    this.holdMs = holdMs;
  }

  /** Capture time of the frame at media time `t` s. */
  captureMsAt(mediaTimeS: number): number {
    return this.clipStartMs + mediaTimeS * 1000;
  }

  /** Media time (s) of a capture time. */
  mediaTimeAt(captureMs: number): number {
    return (captureMs - this.clipStartMs) / 1000;
  }

  /** Seconds from the first sample (the speed plot's x) of a capture time, and back. */
  plotTimeAt(captureMs: number): number {
    return this.#ts.length ? (captureMs - this.#ts[0]) / 1000 : 0;
  }

  captureMsAtPlotTime(plotT: number): number {
    return (this.#ts[0] ?? this.clipStartMs) + plotT * 1000;
  }

  /** Index of the last sample captured at or before `captureMs` (-1 if none). */
  indexAt(captureMs: number): number {
    let lo = 0;
    let hi = this.#ts.length - 1;
    let best = -1;
    // Half a millisecond of slack: media times are float seconds, sample times integer ms.
    const t = captureMs + 0.5;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.#ts[mid] <= t) [best, lo] = [mid, mid + 1];
      else hi = mid - 1;
    }
    return best;
  }

  stateAt(mediaTimeS: number): ReplayState {
    const captureMs = this.captureMsAt(mediaTimeS);
    const i = this.indexAt(captureMs);
    let sample: PassSample | null = i >= 0 ? this.samples[i] : null;
    if (sample && i === this.samples.length - 1 && captureMs - this.#ts[i] > this.holdMs) {
      sample = null;
    }
    let stopMs = 0;
    for (let k = 0; k <= i; k++) {
      if (this.samples[k].phase !== "stopped") continue;
      // Up to the shown sample's own capture time: the timer of the frame on screen.
      if (k + 1 <= i) stopMs += this.#ts[k + 1] - this.#ts[k];
    }
    return { captureMs, sample, stopS: stopMs / 1000 };
  }
}
