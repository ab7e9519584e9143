/**
 * Per-client admission for live fragments (latest-state semantics): a client never queues
 * unboundedly. When its send buffer is over the limit, fragments are dropped, and after any
 * drop the client resumes only at the next keyframe — a decoder cannot continue from a
 * fragment whose reference frames it never received.
 */
export class KeyframeGate {
  /** New clients start waiting: their first fragment must be a keyframe. */
  #waiting = true;
  #dropped = 0;

  constructor(readonly maxBufferedBytes: number) {}

  /** Should this fragment be sent, given what is already buffered for the client? */
  admit(keyframe: boolean, bufferedBytes: number): boolean {
    if (bufferedBytes > this.maxBufferedBytes) {
      this.#waiting = true;
      this.#dropped++;
      return false;
    }
    if (this.#waiting && !keyframe) {
      this.#dropped++;
      return false;
    }
    this.#waiting = false;
    return true;
  }

  /** Start over (a new init segment / stream generation). */
  reset(): void {
    this.#waiting = true;
  }

  get dropped(): number {
    return this.#dropped;
  }
}
