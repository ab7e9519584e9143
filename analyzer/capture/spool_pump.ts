/**
 * The retry loop behind a durable spool (crop uploads, clip jobs): one pass over the spool at a
 * time, started now when something is added and again after a delay while anything is left
 * (the owner picks the delay, e.g. a backoff on its failures). Passes never overlap: a timer
 * that fires during a pass waits 200 ms and tries again.
 */
export interface SpoolPumpOptions {
  /** Work every spooled item once. */
  workAll: () => Promise<void>;
  /** How many items are left in the spool. */
  pending: () => Promise<number>;
  /** The wait before the next pass while items are left. */
  retryDelayMs: () => number;
}

export class SpoolPump {
  readonly #o: SpoolPumpOptions;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running: Promise<void> | null = null;
  #closed = false;

  constructor(opts: SpoolPumpOptions) {
    this.#o = opts;
  }

  /** Run a pass after `delayMs` (0: now, replacing a later timer; otherwise an earlier one wins). */
  schedule(delayMs: number): void {
    if (this.#closed) return;
    if (this.#timer !== undefined) {
      if (delayMs > 0) return;
      clearTimeout(this.#timer);
    }
    this.#timer = setTimeout(async () => {
      this.#timer = undefined;
      if (this.#running) return this.schedule(200);
      this.#running = this.#o.workAll();
      await this.#running;
      this.#running = null;
      if ((await this.#o.pending()) > 0) this.schedule(this.#o.retryDelayMs());
    }, delayMs);
  }

  /** Run one pass now (after the one under way); true when nothing is left. */
  async drain(): Promise<boolean> {
    await this.#running;
    this.#running = this.#o.workAll();
    await this.#running;
    this.#running = null;
    return (await this.#o.pending()) === 0;
  }

  /** No more timers; resolves when the pass under way is done. */
  async stop(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    await this.#running;
  }
}
