/**
 * Capped exponential backoff with jitter, shared by every reconnecting connection (players,
 * tick socket). Jitter keeps many tabs from reconnecting in lockstep after a server restart.
 */
export class Backoff {
  #attempt = 0;
  constructor(readonly minMs = 500, readonly maxMs = 8000, readonly random = Math.random) {}

  /** The next delay (ms); each call doubles the base up to maxMs. */
  next(): number {
    const base = Math.min(this.maxMs, this.minMs * 2 ** this.#attempt);
    this.#attempt++;
    return base * (0.8 + this.random() * 0.4);
  }

  reset(): void {
    this.#attempt = 0;
  }

  get attempts(): number {
    return this.#attempt;
  }
}
