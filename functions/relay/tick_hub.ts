/**
 * Fan-out of the latest tick per camera (and of track/pass events) to WebSocket clients. Latest-state semantics: a client
 * whose socket is backed up misses ticks (counted) instead of queueing them, and a client that
 * stays backed up is closed. Nothing here can slow the publisher down.
 */
import { parseRealtimeMessage } from "../../shared/events.ts";
import {
  type AnalyzerState,
  analyzerStatusText,
  parseAnalyzerStatus,
} from "../../shared/status.ts";

/** The subset of a WebSocket the hub needs (a Deno WebSocket, or a test double in unit tests). */
export interface TickSocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/**
 * How a subscriber frames what the hub sends: `kind` is the message type (`status`, `tick`,
 * `track_event`, `pass`), `text` the message JSON. Without one the JSON goes out as is (the `/ws`
 * protocol); the Phoenix endpoint wraps it in a channel broadcast. Many subscribers may share one
 * socket (one per joined topic): slow-client handling looks at the socket, so it applies to all.
 */
export type FrameEncoder = (kind: string, text: string) => string;

export interface HubOptions {
  /** Skip sending to a client with more than this many bytes not yet sent. */
  maxBufferedBytes?: number;
  /** Close a client that has been backed up this long. */
  stuckCloseMs?: number;
  /** A camera with no tick for this long is reported "analyzer offline". */
  offlineAfterMs?: number;
  /**
   * A paused camera whose analyzer has not repeated "paused" for this long (it says so every
   * 2 s) is reported offline: the analyzer itself went away.
   */
  pausedStaleMs?: number;
  now?: () => number;
}

interface _Client {
  socket: TickSocket;
  camera: string;
  encode: FrameEncoder | null;
  sent: number;
  dropped: number;
  backedUpSince: number | null;
}

interface _CameraState {
  lastText: string | null;
  lastAt: number;
  online: boolean;
  /** Analysis paused (runtime control): no ticks on purpose, status "paused". */
  paused: boolean;
  pausedAt: number;
}

const OPEN = 1;

export class TickHub {
  readonly #clients = new Map<string, Set<_Client>>();
  readonly #cameras = new Map<string, _CameraState>();
  readonly #maxBuffered: number;
  readonly #stuckMs: number;
  readonly #offlineMs: number;
  readonly #pausedStaleMs: number;
  readonly #now: () => number;
  #timer: ReturnType<typeof setInterval> | undefined;
  /** Drops counted for clients that are gone (so the total never goes down). */
  #droppedByGone = 0;
  /** Messages that failed validation and were not forwarded. */
  rejected = 0;
  received = 0;

  constructor(opts: HubOptions = {}) {
    this.#maxBuffered = opts.maxBufferedBytes ?? 256 * 1024;
    this.#stuckMs = opts.stuckCloseMs ?? 10_000;
    this.#offlineMs = opts.offlineAfterMs ?? 2_000;
    this.#pausedStaleMs = opts.pausedStaleMs ?? 10_000;
    this.#now = opts.now ?? Date.now;
  }

  /** Re-evaluate analyzer liveness periodically (a tick stream that stops has no event). */
  startTimer(intervalMs = 250): void {
    this.#timer ??= setInterval(() => this.checkLiveness(), intervalMs);
  }

  close(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    for (const set of this.#clients.values()) {
      for (const c of set) c.socket.close(1001, "relay shutting down");
    }
    this.#clients.clear();
  }

  /** Accept one NOTIFY payload; invalid payloads are counted and dropped. */
  publish(payload: string): void {
    this.received++;
    let msg: unknown;
    try {
      msg = JSON.parse(payload);
    } catch {
      this.rejected++;
      return;
    }
    if ((msg as { type?: unknown } | null)?.type === "status") {
      // From the analyzer only "paused" means something (online/offline the hub sees itself).
      const camera = (msg as { camera?: unknown }).camera;
      if (parseAnalyzerStatus(msg) !== "paused" || typeof camera !== "string") {
        this.rejected++;
        return;
      }
      const state = this.#camera(camera);
      state.pausedAt = this.#now();
      if (!state.paused) {
        state.paused = true;
        state.online = false;
        state.lastText = null;
        this.#broadcastStatus(camera, "paused");
      }
      return;
    }
    const parsed = parseRealtimeMessage(msg);
    if (!parsed.ok) {
      this.rejected++;
      return;
    }
    const camera = parsed.value.camera;
    if (parsed.value.type !== "tick") {
      // Events are forwarded as they come; only ticks are latest-state.
      for (const c of this.#clients.get(camera) ?? []) this.#send(c, parsed.value.type, payload);
      return;
    }
    const state = this.#camera(camera);
    state.lastText = payload;
    state.lastAt = this.#now();
    state.paused = false;
    if (!state.online) this.#setOnline(camera, state, true);
    for (const c of this.#clients.get(camera) ?? []) this.#send(c, "tick", payload);
  }

  /** Register a socket for a camera; it gets the analyzer status and the latest tick at once. */
  add(socket: TickSocket, camera: string, encode?: FrameEncoder): () => void {
    const client: _Client = {
      socket,
      camera,
      encode: encode ?? null,
      sent: 0,
      dropped: 0,
      backedUpSince: null,
    };
    let set = this.#clients.get(camera);
    if (!set) this.#clients.set(camera, set = new Set());
    set.add(client);
    // Looked up, never created: camera state exists only for cameras the analyzer publishes, so
    // clients asking for many made-up camera ids cannot grow it.
    const state = this.#cameras.get(camera);
    this.#send(
      client,
      "status",
      analyzerStatusText(camera, state?.paused ? "paused" : state?.online ?? false),
    );
    if (state?.online && state.lastText) this.#send(client, "tick", state.lastText);
    return () => this.#forget(client);
  }

  clientCount(camera?: string): number {
    if (camera) return this.#clients.get(camera)?.size ?? 0;
    let n = 0;
    for (const s of this.#clients.values()) n += s.size;
    return n;
  }

  /** Total ticks not sent to backed-up clients. */
  droppedTotal(): number {
    let n = this.#droppedByGone;
    for (const s of this.#clients.values()) for (const c of s) n += c.dropped;
    return n;
  }

  /** Cameras with state (the ones the analyzer has published). */
  cameraCount(): number {
    return this.#cameras.size;
  }

  /** Ms since the camera's last tick reached the relay; null before any (staleness chain). */
  tickAgeMs(camera: string): number | null {
    const s = this.#cameras.get(camera);
    return s && s.lastAt > 0 ? Math.max(0, this.#now() - s.lastAt) : null;
  }

  /** Cameras that have sent a tick, for per-camera gauges. */
  cameras(): string[] {
    return [...this.#cameras.keys()];
  }

  /** Bytes written to client sockets and not yet sent: the depth of the relay's send queue. */
  queuedBytes(): number {
    let n = 0;
    for (const set of this.#clients.values()) {
      for (const c of set) if (c.socket.readyState === OPEN) n += c.socket.bufferedAmount;
    }
    return n;
  }

  isOnline(camera: string): boolean {
    return this.#cameras.get(camera)?.online ?? false;
  }

  isPaused(camera: string): boolean {
    return this.#cameras.get(camera)?.paused ?? false;
  }

  checkLiveness(): void {
    const now = this.#now();
    for (const [camera, state] of this.#cameras) {
      if (state.paused && now - state.pausedAt > this.#pausedStaleMs) {
        state.paused = false;
        this.#broadcastStatus(camera, "offline");
      }
      if (state.online && now - state.lastAt > this.#offlineMs) {
        this.#setOnline(camera, state, false);
      }
    }
  }

  #camera(camera: string): _CameraState {
    let s = this.#cameras.get(camera);
    if (!s) {
      s = { lastText: null, lastAt: 0, online: false, paused: false, pausedAt: 0 };
      this.#cameras.set(camera, s);
    }
    return s;
  }

  #setOnline(camera: string, state: _CameraState, online: boolean): void {
    state.online = online;
    this.#broadcastStatus(camera, online ? "online" : "offline");
  }

  #broadcastStatus(camera: string, state: AnalyzerState): void {
    const text = analyzerStatusText(camera, state);
    for (const c of this.#clients.get(camera) ?? []) this.#send(c, "status", text);
  }

  #forget(c: _Client): void {
    const set = this.#clients.get(c.camera);
    if (!set?.delete(c)) return; // already forgotten (onerror then onclose, or closed as stuck)
    this.#droppedByGone += c.dropped;
    if (set.size === 0) this.#clients.delete(c.camera);
  }

  #send(c: _Client, kind: string, text: string): void {
    if (c.socket.readyState !== OPEN) return;
    if (c.socket.bufferedAmount > this.#maxBuffered) {
      c.dropped++;
      const now = this.#now();
      c.backedUpSince ??= now;
      if (now - c.backedUpSince > this.#stuckMs) {
        // Forget it now: a peer that stopped reading may never complete the close handshake,
        // and its onclose would never come.
        c.socket.close(1013, "client too slow");
        this.#forget(c);
      }
      return;
    }
    c.backedUpSince = null;
    try {
      c.socket.send(c.encode ? c.encode(kind, text) : text);
      c.sent++;
    } catch {
      c.dropped++;
    }
  }
}
