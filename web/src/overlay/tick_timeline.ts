/**
 * Recent ticks by capture time, so the overlay can show the tick that matches the frame on
 * screen instead of simply the newest one: video usually reaches the screen later than its
 * metadata (player buffers), and drawing the newest boxes would put them ahead of the picture.
 */
import type { Tick } from "../../../shared/tick.ts";

export interface Selected {
  /** The tick captured at (or just before) the target, tracks moved to the target when known. */
  tick: Tick;
  /** target - tick.ts: how much older the tick is than the frame on screen (ms, may be < 0). */
  ageMs: number;
  /** The tracks were moved towards the next tick (sample()). */
  moved?: boolean;
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

  /**
   * As select(), with each track's box moved to where it was at `target` when the next tick
   * (captured after the target, at most `maxGapMs` after the selected one) has the same track:
   * the analyzer runs at `detect.fps` (10-15), the video at up to 30 fps, and a box that jumps
   * every second or third frame lags the picture by up to a tick interval in between.
   */
  sample(target: number, maxGapMs = 250): Selected | undefined {
    const sel = this.select(target);
    if (!sel) return undefined;
    const t = this.#ticks;
    const i = t.indexOf(sel.tick);
    const next = t[i + 1];
    const a = sel.tick;
    if (!next || target <= a.ts || target >= next.ts || next.ts - a.ts > maxGapMs) return sel;
    const f = (target - a.ts) / (next.ts - a.ts);
    const later = new Map(next.tracks.map((tr) => [tr.id, tr]));
    const tracks = a.tracks.map((tr) => {
      const b = later.get(tr.id);
      if (!b) return tr;
      const bbox = tr.bbox.map((v, k) => v + (b.bbox[k] - v) * f) as typeof tr.bbox;
      return { ...tr, bbox };
    });
    return { tick: { ...a, tracks }, ageMs: sel.ageMs, moved: true };
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
