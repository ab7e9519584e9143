/// <reference lib="dom" />
/**
 * The live page's tick feed over Supabase Realtime broadcast (`REALTIME=supabase`): one
 * `@supabase/realtime-js` client on `<url>/realtime/v1` with the public anon key, one channel
 * `camera:<id>` with the analyzer's events `tick`, `track_event` and `pass` (and `status`, which
 * only our relay's Phoenix endpoint sends). Every message is validated exactly as on `/ws`.
 *
 * Analyzer liveness: Supabase has no status event, so no tick for `offlineAfterMs` while
 * subscribed reports "offline" (and the next tick "online"); a `status` event is honoured too.
 * realtime-js rejoins by itself after a socket drop or a failed join; a channel the server
 * closes (e.g. an expired token) is retried here with a new client and backoff.
 */
import type { RealtimeChannel, RealtimeClient, RealtimeClientOptions } from "@supabase/realtime-js";
import { Backoff } from "../backoff.ts";
import { lazyImport } from "../lazy_import.ts";
import { RELAY_EVENTS } from "../../../shared/relay_messages.ts";
import {
  type AnalyzerStatus,
  dispatchTickMessage,
  type SocketState,
  type TickCallbacks,
  type TickSource,
} from "./tick_source.ts";

/** The broadcast events a camera's channel carries. */
export const REALTIME_EVENTS = RELAY_EVENTS;

export interface RealtimeTickSourceOptions extends TickCallbacks {
  /** The Supabase project URL (https://<ref>.supabase.co), or any origin serving /realtime/v1. */
  url: string;
  /** The project's public anon key (the socket's `apikey`). */
  anonKey: string;
  camera: string;
  /** The user's token, sent as the channel's access token (auth on); null: none. */
  accessToken?: () => string | null;
  /** No tick for this long while subscribed: the analyzer is reported offline. */
  offlineAfterMs?: number;
  /** Retry delays after the server closed the channel. */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** More options for the client (tests: heartbeat interval, vsn, timeouts). */
  client?: Omit<RealtimeClientOptions, "params">;
  now?: () => number;
}

/** `https://x.supabase.co/` -> `wss://x.supabase.co/realtime/v1`. */
export function realtimeEndpoint(url: string): string {
  return `${url.replace(/\/+$/, "").replace(/^http(s?):/i, "ws$1:")}/realtime/v1`;
}

/** realtime-js is loaded on first use: pages on the relay's /ws never download it. */
const _loadRealtime = lazyImport(() => import("@supabase/realtime-js"));

const _LEAVE_WAIT_MS = 2_000;
/** A paused camera's analyzer says so every 2 s; silent this long, it is offline. */
const _PAUSED_STALE_MS = 10_000;
const _LIVENESS_CHECK_MS = 250;

export class RealtimeTickSource implements TickSource {
  readonly #o: RealtimeTickSourceOptions;
  readonly #cb: TickCallbacks;
  readonly #backoff: Backoff;
  readonly #offlineMs: number;
  readonly #now: () => number;
  #client: RealtimeClient | undefined;
  #channel: RealtimeChannel | undefined;
  #running = false;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #liveness: ReturnType<typeof setInterval> | undefined;
  /** The analyzer status last reported (undefined: none since subscribing). */
  #status: AnalyzerStatus | undefined;
  /** When the analyzer last showed life (a tick or an online status), or the subscription. */
  #lastLife = 0;
  #closing: Promise<void> = Promise.resolve();
  /** Counts opens, so one that awaited the realtime-js download knows it is still current. */
  #attempt = 0;
  state: SocketState = "closed";
  /** Messages rejected by validation. */
  invalid = 0;

  constructor(opts: RealtimeTickSourceOptions) {
    this.#o = opts;
    this.#backoff = new Backoff(opts.reconnectMinMs ?? 500, opts.reconnectMaxMs ?? 8000);
    this.#offlineMs = opts.offlineAfterMs ?? 2_000;
    this.#now = opts.now ?? Date.now;
    // The validated messages, with liveness tracked on the way through.
    this.#cb = {
      onTick: (tick) => {
        this.#lastLife = this.#now();
        this.#report("online");
        opts.onTick(tick);
      },
      onStatus: (s) => {
        // The analyzer repeats "paused" every 2 s for a paused camera: that is life too.
        if (s === "online" || s === "paused") this.#lastLife = this.#now();
        this.#report(s);
      },
      onEvent: (msg) => opts.onEvent?.(msg),
    };
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#liveness = setInterval(() => this.checkLiveness(), _LIVENESS_CHECK_MS);
    void this.#open();
  }

  /** Leave the channel and disconnect; {@link closed} resolves when that is done. */
  stop(): void {
    this.#running = false;
    this.#attempt++;
    clearTimeout(this.#retry);
    clearInterval(this.#liveness);
    this.#retry = this.#liveness = undefined;
    this.#drop();
    this.#setState("closed");
  }

  /** Resolves once the last client stopped has left its channel and disconnected. */
  get closed(): Promise<void> {
    return this.#closing;
  }

  /** Report the analyzer offline after a silence while subscribed (public for tests). */
  checkLiveness(): void {
    // Paused: no ticks on purpose; offline only when the analyzer stops repeating it (as the relay).
    const silentMs = this.#status === "paused" ? _PAUSED_STALE_MS : this.#offlineMs;
    if (this.state === "open" && this.#now() - this.#lastLife > silentMs) {
      this.#report("offline");
    }
  }

  /** Dispatch one broadcast (public so it can be tested without a socket). */
  handleBroadcast(event: string, payload: unknown): void {
    // The event names the message type; a mismatch is as invalid as a bad message.
    const type = (payload as { type?: unknown } | null)?.type;
    if (type !== event || !dispatchTickMessage(payload, this.#cb)) this.invalid++;
  }

  async #open(): Promise<void> {
    if (!this.#running) return;
    this.#setState("connecting");
    const attempt = ++this.#attempt;
    let mod: typeof import("@supabase/realtime-js");
    try {
      mod = await _loadRealtime();
    } catch {
      if (attempt === this.#attempt && this.#running) {
        this.#retry = setTimeout(() => void this.#open(), this.#backoff.next());
      }
      return;
    }
    // Stopped, or a newer attempt started, while the module loaded.
    if (!this.#running || attempt !== this.#attempt) return;
    const client = new mod.RealtimeClient(realtimeEndpoint(this.#o.url), {
      ...this.#o.client,
      params: { apikey: this.#o.anonKey },
    });
    this.#client = client;
    const token = this.#o.accessToken?.();
    // Sent as the join's access_token (and kept across realtime-js's own rejoins).
    if (token) await client.setAuth(token);
    if (client !== this.#client) return; // stopped meanwhile
    const channel = client.channel(`camera:${this.#o.camera}`);
    this.#channel = channel;
    for (const event of REALTIME_EVENTS) {
      channel.on("broadcast", { event }, (m: { payload?: unknown }) => {
        if (channel === this.#channel) this.handleBroadcast(event, m.payload);
      });
    }
    channel.subscribe((status) => {
      if (channel !== this.#channel) return;
      if (status === "SUBSCRIBED") {
        this.#backoff.reset();
        this.#lastLife = this.#now();
        this.#setState("open");
      } else if (status === "CLOSED") {
        // The server ended the channel; realtime-js does not rejoin a closed channel.
        this.#drop();
        this.#setState("closed");
        this.#retry = setTimeout(() => void this.#open(), this.#backoff.next());
      } else {
        // CHANNEL_ERROR (socket dropped, join refused) or TIMED_OUT: realtime-js rejoins.
        this.#setState("connecting");
      }
    });
  }

  /** Forget the current client: leave its channel (briefly waited for), then disconnect. */
  #drop(): void {
    const client = this.#client;
    const channel = this.#channel;
    this.#client = this.#channel = undefined;
    if (!client) return;
    const prev = this.#closing;
    this.#closing = (async () => {
      if (channel) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const waited = new Promise<void>((r) => (timer = setTimeout(r, _LEAVE_WAIT_MS)));
        await Promise.race([client.removeChannel(channel).catch(() => {}), waited]);
        clearTimeout(timer);
      }
      await client.disconnect().catch(() => {});
      await prev;
    })();
  }

  #report(s: AnalyzerStatus): void {
    if (this.#status === s) return;
    this.#status = s;
    this.#o.onStatus?.(s);
  }

  #setState(s: SocketState): void {
    // Not subscribed: no analyzer status until the next subscription says or derives one.
    if (s !== "open") this.#status = undefined;
    if (this.state === s) return;
    this.state = s;
    this.#o.onState?.(s);
  }
}
