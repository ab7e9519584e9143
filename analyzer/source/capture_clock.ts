/**
 * Capture time of each frame: a wall-clock anchor plus the frame's PTS offset.
 *
 * Offline the anchor is given (PTS 0 = --start). Live, the anchor is estimated as the minimum
 * over frames of (arrival - PTS). A stream joined mid-way arrives as a burst of older frames
 * (everything since the last keyframe) and then at the live pace; anchoring at the first
 * frame's arrival would put every later timestamp ahead of real capture by up to a GOP. The
 * minimum settles at the live edge after the burst, never lets a timestamp run ahead of its
 * arrival, and follows a source clock that runs slightly fast. Timestamps never go backwards.
 */
export class CaptureClock {
  #anchor: number | null;
  readonly #fixed: boolean;
  #last = -Infinity;

  constructor(anchorMs: number | null) {
    this.#anchor = anchorMs;
    this.#fixed = anchorMs !== null;
  }

  /** Capture time (unix ms) of a frame `ptsS` seconds into the stream that arrived at `nowMs`. */
  captureTs(ptsS: number, nowMs: number): number {
    const ptsMs = ptsS * 1000;
    if (!this.#fixed) {
      const est = nowMs - ptsMs;
      this.#anchor = this.#anchor === null ? est : Math.min(this.#anchor, est);
    }
    const ts = Math.max(this.#anchor! + ptsMs, this.#last);
    this.#last = ts;
    return ts;
  }
}
