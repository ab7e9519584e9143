/// <reference lib="dom" />
/**
 * WebSocket to the tick relay (`/ws?camera=<id>`). Every tick is validated with the shared
 * schema before it reaches the overlay (a malformed message is counted and dropped, never
 * drawn). Reconnects with capped, jittered backoff so overlays come back by themselves after
 * an analyzer or relay restart.
 */
import { Backoff } from "../backoff.ts";
import {
  dispatchTickMessage,
  type SocketState,
  type TickCallbacks,
  type TickSource,
} from "./tick_source.ts";

export type { AnalyzerStatus, SocketState } from "./tick_source.ts";

export interface TickSocketOptions extends TickCallbacks {
  url: string;
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
}

export class TickSocket implements TickSource {
  readonly #o: TickSocketOptions;
  #ws: WebSocket | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #backoff: Backoff;
  #running = false;
  state: SocketState = "closed";
  /** Messages rejected by validation. */
  invalid = 0;

  constructor(opts: TickSocketOptions) {
    this.#o = opts;
    this.#backoff = new Backoff(opts.reconnectMinMs ?? 500, opts.reconnectMaxMs ?? 8000);
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#connect();
  }

  stop(): void {
    this.#running = false;
    clearTimeout(this.#timer);
    this.#ws?.close();
    this.#ws = undefined;
    this.#setState("closed");
  }

  #setState(s: SocketState): void {
    if (this.state === s) return;
    this.state = s;
    this.#o.onState?.(s);
  }

  #connect(): void {
    if (!this.#running) return;
    this.#setState("connecting");
    const ws = new WebSocket(this.#o.url);
    this.#ws = ws;
    ws.onopen = () => {
      this.#backoff.reset();
      this.#setState("open");
    };
    ws.onmessage = (e) => {
      if (typeof e.data === "string") this.handleMessage(e.data);
    };
    ws.onclose = () => {
      if (ws !== this.#ws) return;
      this.#ws = undefined;
      this.#setState("closed");
      if (!this.#running) return;
      this.#timer = setTimeout(() => this.#connect(), this.#backoff.next());
    };
  }

  /** Dispatch one text message (public so it can be tested without a socket). */
  handleMessage(text: string): void {
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      this.invalid++;
      return;
    }
    if (!dispatchTickMessage(msg, this.#o)) this.invalid++;
  }
}
