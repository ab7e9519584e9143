/**
 * Publishes ticks and events to Supabase Realtime broadcast through its HTTP API
 * (`POST <SUPABASE_URL>/realtime/v1/api/broadcast`, `apikey` + `Authorization: Bearer` headers,
 * body `{messages:[{topic, event, payload, private}]}`, answered 202), so browsers subscribed
 * with `@supabase/realtime-js` to `camera:<id>` get events `tick`, `track_event` and `pass`.
 *
 * One request at a time, batching whatever queued meanwhile: ticks are latest-state per camera
 * while a request is in flight, events keep their order in a bounded queue. A failed request
 * (network, timeout, 408/429/5xx) is retried with backoff; other 4xx answers drop the batch
 * (retrying a rejected request cannot succeed) but still back off, so a bad key cannot spin.
 */
import { PublishQueue, type RealtimePublisher } from "./publisher.ts";

export interface SupabaseBroadcastOptions {
  /** The project URL (`SUPABASE_URL`), e.g. https://<ref>.supabase.co. */
  url: string;
  /** A key allowed to broadcast (`SUPABASE_SERVICE_ROLE_KEY`); sent as apikey and bearer. */
  key: string;
  /** Mark messages private (subscribers then need RLS on realtime.messages). Default false. */
  private?: boolean;
  /** Most messages per request. */
  maxBatch?: number;
  /** Stop adding messages to a request past this many bytes of payload text. */
  maxBatchBytes?: number;
  /** Events queued beyond this are evicted oldest first (counted). */
  maxQueuedEvents?: number;
  requestTimeoutMs?: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  fetch?: typeof fetch;
  log?: (msg: string) => void;
}

/** The channel topic of a camera (realtime-js clients call `channel("camera:<id>")`). */
export function cameraTopic(camera: string): string {
  return `camera:${camera}`;
}

export class SupabaseBroadcastPublisher implements RealtimePublisher {
  readonly #endpoint: string;
  readonly #headers: Record<string, string>;
  readonly #private: boolean;
  readonly #maxBatch: number;
  readonly #maxBatchBytes: number;
  readonly #timeoutMs: number;
  readonly #minBackoff: number;
  readonly #maxBackoff: number;
  readonly #fetch: typeof fetch;
  readonly #log: (msg: string) => void;
  readonly #queue: PublishQueue;
  #backoff: number;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #inFlight: Promise<void> | null = null;
  #closed = false;
  /** Optimistic until a request fails: there may be nothing to send for a while. */
  #connected = true;
  #failed = 0;
  published = 0;
  /** Requests sent (a batch is one request). */
  requests = 0;
  lastError = "";

  constructor(opts: SupabaseBroadcastOptions) {
    this.#endpoint = `${opts.url.replace(/\/+$/, "")}/realtime/v1/api/broadcast`;
    this.#headers = {
      apikey: opts.key,
      authorization: `Bearer ${opts.key}`,
      "content-type": "application/json",
    };
    this.#private = opts.private ?? false;
    this.#maxBatch = opts.maxBatch ?? 100;
    this.#maxBatchBytes = opts.maxBatchBytes ?? 512 * 1024;
    this.#timeoutMs = opts.requestTimeoutMs ?? 5_000;
    this.#minBackoff = opts.minBackoffMs ?? 250;
    this.#maxBackoff = opts.maxBackoffMs ?? 5_000;
    this.#backoff = this.#minBackoff;
    this.#fetch = opts.fetch ?? fetch;
    this.#log = opts.log ?? (() => {});
    this.#queue = new PublishQueue(opts.maxQueuedEvents);
  }

  get connected(): boolean {
    return this.#connected;
  }

  get dropped(): number {
    return this.#queue.dropped + this.#failed;
  }

  /** Messages waiting (bounded: one tick per camera plus the event queue). */
  get queued(): number {
    return this.#queue.size;
  }

  publish(camera: string, text: string): void {
    if (this.#closed) return;
    this.#queue.addTick(camera, text);
    this.#pump();
  }

  publishEvent(_camera: string, text: string): void {
    if (this.#closed) return;
    this.#queue.addEvent(text);
    this.#pump();
  }

  /** Stop retrying and wait for the request in flight; what is still queued is dropped. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retry);
    this.#retry = undefined;
    await this.#inFlight;
  }

  #pump(): void {
    if (this.#closed || this.#inFlight || this.#retry !== undefined) return;
    const items = this.#queue.take(this.#maxBatch, this.#maxBatchBytes);
    if (!items.length) return;
    this.#inFlight = this.#send(items).finally(() => {
      this.#inFlight = null;
      this.#pump();
    });
  }

  async #send(items: { camera: string | null; text: string }[]): Promise<void> {
    const messages: string[] = [];
    for (const item of items) {
      const m = _message(item, this.#private);
      if (m) messages.push(m);
      else this.#failed++; // not a typed realtime message: retrying cannot help
    }
    if (!messages.length) return;
    let retry = true;
    try {
      this.requests++;
      const res = await this.#fetch(this.#endpoint, {
        method: "POST",
        headers: this.#headers,
        body: `{"messages":[${messages.join(",")}]}`,
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      const detail = (await res.text().catch(() => "")).slice(0, 200);
      if (res.ok) {
        this.published += messages.length;
        this.#connected = true;
        this.#backoff = this.#minBackoff;
        return;
      }
      this.lastError = `broadcast: HTTP ${res.status} ${detail}`.trim();
      retry = res.status >= 500 || res.status === 408 || res.status === 429;
    } catch (e) {
      this.lastError = `broadcast: ${(e as Error).message}`;
    }
    this.#connected = false;
    if (retry) this.#queue.putBack(items);
    else this.#failed += messages.length;
    if (this.#closed) return;
    this.#log(
      `${this.lastError}; ${retry ? "retrying" : "batch dropped"}, next in ${this.#backoff} ms`,
    );
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      this.#pump();
    }, this.#backoff);
    this.#backoff = Math.min(this.#backoff * 2, this.#maxBackoff);
  }
}

/**
 * One `messages[]` entry as JSON, or null when an event is not a typed message. The message
 * text is already JSON, so it is spliced in as the payload rather than parsed and re-serialized;
 * only events (rare) are parsed, for their type and camera.
 */
function _message(
  item: { camera: string | null; text: string },
  isPrivate: boolean,
): string | null {
  let camera = item.camera;
  let event = "tick";
  if (camera === null) {
    let msg: { type?: unknown; camera?: unknown } | null;
    try {
      msg = JSON.parse(item.text);
    } catch {
      return null;
    }
    if (typeof msg?.type !== "string" || typeof msg.camera !== "string") return null;
    camera = msg.camera;
    event = msg.type;
  }
  return `{"topic":${JSON.stringify(cameraTopic(camera))},"event":${
    JSON.stringify(event)
  },"payload":${item.text},"private":${isPrivate}}`;
}
