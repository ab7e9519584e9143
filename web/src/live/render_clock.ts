/// <reference lib="dom" />
/**
 * The browser's own link of the staleness chain: when this browser last painted a frame after a
 * camera's tick arrived. A tick marks the camera pending; the next animation frame (the browser
 * actually rendering; none while the tab is hidden) stamps it. Age = now - that stamp.
 */
export class RenderClock {
  readonly #renderedAt = new Map<string, number>();
  readonly #pending = new Set<string>();
  readonly #now: () => number;
  readonly #onFrame: (cb: () => void) => unknown;
  #scheduled = false;

  constructor(
    now: () => number = Date.now,
    onFrame: (cb: () => void) => unknown = (cb) => requestAnimationFrame(cb),
  ) {
    this.#now = now;
    this.#onFrame = onFrame;
  }

  /** A tick of `camera` arrived (it is drawn at the next frame). */
  tickArrived(camera: string): void {
    this.#pending.add(camera);
    if (this.#scheduled) return;
    this.#scheduled = true;
    this.#onFrame(() => {
      this.#scheduled = false;
      const t = this.#now();
      for (const c of this.#pending) this.#renderedAt.set(c, t);
      this.#pending.clear();
    });
  }

  /** Ms since a tick of `camera` was last rendered; null before the first. */
  ageMs(camera: string): number | null {
    const t = this.#renderedAt.get(camera);
    return t === undefined ? null : Math.max(0, this.#now() - t);
  }
}
