/**
 * Recent ticks by capture time, so the overlay can show the tick that matches the frame on
 * screen instead of simply the newest one: video usually reaches the screen later than its
 * metadata (player buffers), and drawing the newest boxes would put them ahead of the picture.
 */
import type { Tick } from "../../../shared/tick.ts";

export interface Selected {
  tick: Tick;
  /** target - tick.ts: how much older the tick is than the frame on screen (ms, may be < 0). */
  ageMs: number;
}

export class TickTimeline {
  #ticks: Tick[] = [];

  /** Ticks kept (by capture time behind the newest): covers any sane video delay. */
  constructor(readonly keepMs = 8000, readonly toleranceMs = 20) {}

  push(tick: Tick): void {
    const t = this.#ticks;
    // Out of order (relay reconnect, clock step): keep the list sorted by capture time.
    let i = t.length;
    while (i > 0 && t[i - 1].ts > tick.ts) i--;
    if (i > 0 && t[i - 1].ts === tick.ts) t[i - 1] = tick;
    else t.splice(i, 0, tick);
    const cutoff = t[t.length - 1].ts - this.keepMs;
    while (t.length > 1 && t[0].ts < cutoff) t.shift();
  }

  clear(): void {
    this.#ticks = [];
  }

  get size(): number {
    return this.#ticks.length;
  }

  /**
   * The newest tick captured at or before `target` (unix ms): the state of the scene at the
   * frame on screen. If every tick is newer (the video is older than the buffer), the oldest.
   */
  select(target: number): Selected | undefined {
    const t = this.#ticks;
    if (t.length === 0) return undefined;
    for (let i = t.length - 1; i >= 0; i--) {
      if (t[i].ts <= target + this.toleranceMs) return { tick: t[i], ageMs: target - t[i].ts };
    }
    return { tick: t[0], ageMs: target - t[0].ts };
  }
}

/**
 * Opacity for metadata `ageMs` older than the frame on screen: full until `fadeFromMs`, then
 * fading, gone at `clearAtMs`. Stale boxes fade instead of freezing on a moving picture.
 */
export function fadeAlpha(ageMs: number, fadeFromMs = 600, clearAtMs = 1500): number {
  if (ageMs <= fadeFromMs) return 1;
  if (ageMs >= clearAtMs) return 0;
  return 1 - (ageMs - fadeFromMs) / (clearAtMs - fadeFromMs);
}
