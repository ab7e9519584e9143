/**
 * What the analyzer needs from its realtime channel, whichever transport carries it: Postgres
 * NOTIFY (`PgPublisher`, the default) or Supabase Realtime broadcast over HTTP
 * (`SupabaseBroadcastPublisher`). Both are non-blocking: the analysis loop only hands text over.
 */

export interface RealtimePublisher {
  /** Latest-state: the newest tick of a camera replaces an unsent older one (counted as dropped). */
  publish(camera: string, text: string): void;
  /** Track and pass events: sent in order, never coalesced; the queue is bounded. */
  publishEvent(camera: string, text: string): void;
  /** Whether the transport is currently usable (readiness). */
  readonly connected: boolean;
  /** The last transport error, "" when none. */
  readonly lastError: string;
  /** Messages delivered to the transport. */
  readonly published: number;
  /** Messages replaced (latest-state), evicted from a full queue, or given up on. */
  readonly dropped: number;
  close(): Promise<void>;
}

/** The per-camera live status row (always Postgres, whichever realtime transport is used). */
export interface CameraStatusRow {
  camera: string;
  fps: number;
  infer_ms: number;
  lag_ms: number;
  dropped: number;
  frames: number;
  frame_w: number;
  frame_h: number;
  /** Analysis paused by runtime control (no pipeline runs; the counters are zero). */
  paused?: boolean;
  /** The staleness chain's analyzer links when written, ms (null before the first frame). */
  capture_age_ms?: number | null;
  decode_age_ms?: number | null;
  infer_age_ms?: number | null;
  publish_age_ms?: number | null;
  /** Share of the analyzed frames of the last 10 s the detector ran on, 0..1 (motion gating). */
  detected_share?: number | null;
}

export interface StatusWriter {
  /** Upsert the camera's live status (fire and forget). */
  writeStatus(row: CameraStatusRow): void;
}

/** What the analyzer process holds: the realtime channel plus the status row writer. */
export type AnalyzerPublisher = RealtimePublisher & StatusWriter;

/** Events queued beyond this are evicted oldest first (counted), so an outage cannot grow memory. */
export const MAX_QUEUED_EVENTS = 10_000;

/**
 * The shared queueing policy of both transports: newest tick per camera, events in order and
 * bounded. A transport takes work with `next`/`take` and puts back what it failed to deliver.
 */
export class PublishQueue {
  readonly #ticks = new Map<string, string>();
  readonly #events: string[] = [];
  readonly #maxEvents: number;
  /** Ticks replaced before sending plus events evicted from a full queue. */
  dropped = 0;

  constructor(maxEvents = MAX_QUEUED_EVENTS) {
    this.#maxEvents = maxEvents;
  }

  get size(): number {
    return this.#ticks.size + this.#events.length;
  }

  addTick(camera: string, text: string): void {
    if (this.#ticks.has(camera)) this.dropped++;
    this.#ticks.set(camera, text);
  }

  addEvent(text: string): void {
    this.#events.push(text);
    this.#trimEvents();
  }

  /**
   * Take up to `max` items (events first: they are rarer and must not starve behind 15 Hz
   * ticks), stopping before `maxBytes` of text once at least one item is taken.
   */
  take(max: number, maxBytes = Infinity): { camera: string | null; text: string }[] {
    const out: { camera: string | null; text: string }[] = [];
    let bytes = 0;
    const fits = (t: string) =>
      out.length < max && (out.length === 0 || bytes + t.length <= maxBytes);
    while (this.#events.length && fits(this.#events[0])) {
      const text = this.#events.shift()!;
      bytes += text.length;
      out.push({ camera: null, text });
    }
    for (const [camera, text] of this.#ticks) {
      if (!fits(text)) break;
      bytes += text.length;
      out.push({ camera, text });
      this.#ticks.delete(camera);
    }
    return out;
  }

  /**
   * Put back items whose delivery failed: events ahead of newer ones (order kept), ticks only
   * where no newer tick of that camera arrived meanwhile (latest-state).
   */
  putBack(items: { camera: string | null; text: string }[]): void {
    const events = items.filter((i) => i.camera === null).map((i) => i.text);
    this.#events.unshift(...events);
    this.#trimEvents();
    for (const { camera, text } of items) {
      if (camera === null) continue;
      if (this.#ticks.has(camera)) this.dropped++;
      else this.#ticks.set(camera, text);
    }
  }

  #trimEvents(): void {
    const over = this.#events.length - this.#maxEvents;
    if (over > 0) {
      this.#events.splice(0, over);
      this.dropped += over;
    }
  }
}
