/**
 * Publishes ticks and events with `pg_notify` over one connection that reconnects with backoff,
 * and keeps the per-camera status row fresh. Latest-state: while a notify is in flight only the
 * newest tick per camera waits; older ones are dropped (counted). Never blocks the analysis loop.
 * With `notify: false` it only writes the status row (the realtime channel is elsewhere).
 */
import pg from "../../shared/db/pg.ts";
import { TICK_CHANNEL } from "../../shared/channels.ts";
import {
  ANSWER_TIMEOUT_MS,
  isUnanswered,
  longLivedClientConfig,
  probeConnection,
} from "../../shared/db/pg_liveness.ts";
import { type AnalyzerPublisher, type CameraStatusRow, PublishQueue } from "./publisher.ts";

export type { CameraStatusRow } from "./publisher.ts";

type _Client = InstanceType<typeof pg.Client>;

export class PgPublisher implements AnalyzerPublisher {
  readonly #url: string;
  readonly #notify: boolean;
  readonly #log: (msg: string) => void;
  #client: _Client | null = null;
  /** Drops the current connection and schedules a new one (a no-op once it was replaced). */
  #drop: (why: string) => void = () => {};
  #connected = false;
  #closed = false;
  #backoff = 250;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #inFlight = false;
  readonly #queue = new PublishQueue();
  published = 0;
  /** Notifies that failed (the payload names its camera, so nothing else is lost). */
  #failed = 0;
  lastError = "";

  constructor(
    databaseUrl: string,
    log: (msg: string) => void = () => {},
    opts: { notify?: boolean } = {},
  ) {
    this.#url = databaseUrl;
    this.#log = log;
    this.#notify = opts.notify ?? true;
    this.#connect();
  }

  get dropped(): number {
    return this.#queue.dropped + this.#failed;
  }

  get connected(): boolean {
    return this.#connected;
  }

  /** Queue the newest tick text of a camera for NOTIFY (replaces an unsent older one). */
  publish(camera: string, text: string): void {
    if (!this.#notify) return;
    this.#queue.addTick(camera, text);
    this.#pump();
  }

  /** Queue a track or pass event for NOTIFY, in order (never coalesced). */
  publishEvent(_camera: string, text: string): void {
    if (!this.#notify) return;
    this.#queue.addEvent(text);
    this.#pump();
  }

  /** Upsert the camera's live status (fire and forget; skipped while disconnected). */
  writeStatus(row: CameraStatusRow): void {
    if (!this.#client || !this.#connected) return;
    this.#client.query(
      `insert into camera_status (camera, updated_at, fps, infer_ms, lag_ms, dropped, frames, frame_w, frame_h,
         paused, capture_age_ms, decode_age_ms, infer_age_ms, publish_age_ms, detected_share)
       values ($1, now(), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
       on conflict (camera) do update set updated_at = now(), fps = $2, infer_ms = $3, lag_ms = $4,
         dropped = $5, frames = $6, frame_w = $7, frame_h = $8, paused = $9, capture_age_ms = $10,
         decode_age_ms = $11, infer_age_ms = $12, publish_age_ms = $13, detected_share = $14`,
      [
        row.camera,
        row.fps,
        row.infer_ms,
        row.lag_ms,
        row.dropped,
        row.frames,
        row.frame_w,
        row.frame_h,
        row.paused ?? false,
        row.capture_age_ms ?? null,
        row.decode_age_ms ?? null,
        row.infer_age_ms ?? null,
        row.publish_age_ms ?? null,
        row.detected_share ?? null,
      ],
    ).catch((e) => this.#failedQuery(e));
  }

  /** A refused query only says why; an unanswered one means the connection is gone. */
  #failedQuery(e: unknown): void {
    if (isUnanswered(e)) this.#drop(`no answer in ${ANSWER_TIMEOUT_MS} ms`);
    else this.lastError = (e as Error).message;
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retry);
    const c = this.#client;
    this.#drop("closed");
    await c?.end().catch(() => {});
  }

  async #pump(): Promise<void> {
    if (this.#inFlight || !this.#connected || !this.#client) return;
    const [item] = this.#queue.take(1);
    if (!item) return;
    this.#inFlight = true;
    try {
      await this.#client.query("select pg_notify($1, $2)", [TICK_CHANNEL, item.text]);
      this.published++;
    } catch (e) {
      // Not put back: a payload Postgres refused would be refused again.
      this.#failed++;
      this.#failedQuery(e);
    } finally {
      this.#inFlight = false;
    }
    this.#pump();
  }

  async #connect(): Promise<void> {
    if (this.#closed) return;
    const c = new pg.Client(longLivedClientConfig(this.#url));
    this.#client = c;
    let stopProbing = () => {};
    const lost = (why: string) => {
      if (this.#client !== c) return;
      stopProbing();
      this.#client = null;
      this.#connected = false;
      this.lastError = why;
      c.end().catch(() => {});
      if (this.#closed) return;
      this.#log(`database: ${why}; reconnecting in ${this.#backoff} ms`);
      this.#retry = setTimeout(() => this.#connect(), this.#backoff);
      this.#backoff = Math.min(this.#backoff * 2, 5000);
    };
    this.#drop = lost;
    c.on("error", (e) => lost(e.message));
    c.on("end", () => lost("connection ended"));
    try {
      await c.connect();
      if (this.#client !== c) return;
      // Ticks keep a running camera's connection busy; the probe covers a quiet one.
      stopProbing = probeConnection(c, lost);
      this.#connected = true;
      this.#backoff = 250;
      this.#pump();
    } catch (e) {
      lost((e as Error).message);
    }
  }
}
