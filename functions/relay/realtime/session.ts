/**
 * One Phoenix-protocol WebSocket connection of the relay: channel joins on `camera:<id>` topics
 * (each becomes a TickHub subscriber whose messages are framed as Supabase Realtime
 * broadcasts), heartbeats, leaves, token refreshes (`access_token`), and the protocol's error
 * handling. Read-only: clients cannot broadcast, track presence or ask for postgres_changes.
 * Transport-agnostic (a TickSocket) so it is unit-testable without a server.
 */
import { CAMERA_ID_RE } from "../../../shared/channels.ts";
import type { AuthSettings } from "../../_shared/auth.ts";
import { authEnabled, mayReadCamera } from "../../_shared/auth.ts";
import { type Claims, roleAtLeast, verifyJwt } from "../../_shared/jwt.ts";
import type { TickHub, TickSocket } from "../tick_hub.ts";
import {
  decodeBinaryPush,
  decodeText,
  encodeBroadcast,
  encodeRaw,
  encodeReply,
  FrameError,
  type PhxMessage,
  type Vsn,
} from "./codec.ts";

export interface PhoenixSessionOptions {
  auth: AuthSettings;
  /** Token from the socket URL (`apikey`) or the `Sec-WebSocket-Protocol` bearer, if any. */
  socketToken?: string | null;
  /** Largest frame a client may send; larger closes the socket with 1009. */
  maxFrameBytes?: number;
  /** Most topics one socket may join. */
  maxTopics?: number;
  now?: () => number;
}

interface _Subscription {
  joinRef: string | null;
  camera: string;
  /** Token expiry in unix seconds (Infinity with auth off). */
  exp: number;
  remove: () => void;
}

const OPEN = 1;
const TOPIC_RE = /^(?:realtime:)?camera:(.+)$/;

export class PhoenixSession {
  readonly #socket: TickSocket;
  readonly #hub: TickHub;
  readonly #vsn: Vsn;
  readonly #auth: AuthSettings;
  readonly #socketToken: string | null;
  readonly #maxFrame: number;
  readonly #maxTopics: number;
  readonly #now: () => number;
  readonly #subs = new Map<string, _Subscription>();
  /** Frames are handled one after another (joins verify tokens asynchronously). */
  #chain: Promise<void> = Promise.resolve();
  #closed = false;
  /** When the client last sent anything (heartbeats included). */
  lastSeen: number;

  constructor(socket: TickSocket, hub: TickHub, vsn: Vsn, opts: PhoenixSessionOptions) {
    this.#socket = socket;
    this.#hub = hub;
    this.#vsn = vsn;
    this.#auth = opts.auth;
    this.#socketToken = opts.socketToken ?? null;
    this.#maxFrame = opts.maxFrameBytes ?? 16 * 1024;
    this.#maxTopics = opts.maxTopics ?? 100;
    this.#now = opts.now ?? Date.now;
    this.lastSeen = this.#now();
  }

  /** Handle one frame from the client; resolves when it (and those before it) are handled. */
  receive(data: string | ArrayBuffer | Uint8Array): Promise<void> {
    this.lastSeen = this.#now();
    const run = () => this.#closed ? undefined : this.#frame(data);
    this.#chain = this.#chain.then(run).catch((e) => {
      const err = e instanceof FrameError ? e : new FrameError(String(e), 1007);
      this.#fail(err);
    });
    return this.#chain;
  }

  /** Drop every subscription (the socket closed). */
  dispose(): void {
    this.#closed = true;
    for (const s of this.#subs.values()) s.remove();
    this.#subs.clear();
  }

  /** Close channels whose token expired (called periodically and before each frame). */
  expireTokens(): void {
    const nowS = this.#now() / 1000;
    for (const [topic, sub] of this.#subs) {
      if (sub.exp <= nowS) this.#kick(topic, sub, "token has expired");
    }
  }

  async #frame(data: string | ArrayBuffer | Uint8Array): Promise<void> {
    const size = typeof data === "string" ? data.length : data.byteLength;
    if (size > this.#maxFrame) throw new FrameError("message too big", 1009);
    this.expireTokens();
    if (typeof data !== "string") {
      // Only client broadcasts come as binary frames; answer them, the channel is read-only.
      const head = decodeBinaryPush(data instanceof Uint8Array ? data : new Uint8Array(data));
      this.#reply(head, "error", { reason: "this channel is read-only" });
      return;
    }
    const msg = decodeText(this.#vsn, data);
    if (msg.topic === "phoenix") {
      if (msg.event === "heartbeat") this.#reply(msg, "ok");
      else this.#reply(msg, "error", { reason: `unknown event ${msg.event}` });
      return;
    }
    switch (msg.event) {
      case "phx_join":
        return await this.#join(msg);
      case "phx_leave":
        return this.#leave(msg);
      case "access_token":
        return await this.#refreshToken(msg);
    }
    if (!this.#subs.has(msg.topic)) {
      this.#reply(msg, "error", { reason: "unmatched topic" });
    } else if (msg.event === "broadcast") {
      this.#reply(msg, "error", { reason: "this channel is read-only" });
    } else {
      this.#reply(msg, "error", { reason: `unsupported event ${msg.event}` });
    }
  }

  async #join(msg: PhxMessage): Promise<void> {
    const camera = TOPIC_RE.exec(msg.topic)?.[1];
    if (!camera || !CAMERA_ID_RE.test(camera)) {
      return this.#reply(msg, "error", {
        reason: `unknown topic ${msg.topic}: expected camera:<id>`,
      });
    }
    const config = msg.payload.config as { postgres_changes?: unknown } | undefined;
    if (Array.isArray(config?.postgres_changes) && config.postgres_changes.length > 0) {
      return this.#reply(msg, "error", { reason: "postgres_changes is not available here" });
    }
    const old = this.#subs.get(msg.topic);
    if (!old && this.#subs.size >= this.#maxTopics) {
      return this.#reply(msg, "error", { reason: `too many channels (${this.#maxTopics})` });
    }
    const access = await this.#authorize(msg.payload.access_token, camera);
    // The socket may have closed while the token was checked: subscribe nothing then.
    if (this.#closed) return;
    if (typeof access === "string") return this.#reply(msg, "error", { reason: access });
    // A second join of a topic replaces the first (as Phoenix does): close the old one.
    if (old) this.#kick(msg.topic, old, null);
    this.#reply(msg, "ok");
    const { joinRef, topic } = msg;
    const remove = this.#hub.add(
      this.#socket,
      camera,
      (kind, text) => encodeBroadcast(this.#vsn, joinRef, topic, kind, text),
    );
    this.#subs.set(topic, { joinRef, camera, exp: access.exp, remove });
  }

  #leave(msg: PhxMessage): void {
    const sub = this.#subs.get(msg.topic);
    this.#reply(msg, "ok");
    if (sub) this.#kick(msg.topic, sub, null);
  }

  async #refreshToken(msg: PhxMessage): Promise<void> {
    const sub = this.#subs.get(msg.topic);
    if (!sub) return this.#reply(msg, "error", { reason: "unmatched topic" });
    const access = await this.#authorize(msg.payload.access_token, sub.camera, true);
    if (typeof access === "string") return this.#kick(msg.topic, sub, access);
    sub.exp = access.exp;
    this.#reply(msg, "ok");
  }

  /**
   * The join's claims, or why not. The token is the join's `access_token`, else the socket's
   * (apikey / protocol bearer); a refresh must carry its own.
   */
  async #authorize(
    accessToken: unknown,
    camera: string,
    refresh = false,
  ): Promise<{ exp: number } | string> {
    if (!authEnabled(this.#auth)) return { exp: Infinity };
    const token = typeof accessToken === "string" && accessToken
      ? accessToken
      : refresh
      ? null
      : this.#socketToken;
    if (!token) return "unauthorized: a token is required";
    let claims: Claims;
    try {
      claims = await verifyJwt(token, this.#auth, this.#now() / 1000);
    } catch (e) {
      return `unauthorized: ${(e as Error).message}`;
    }
    if (!roleAtLeast(claims.role, "viewer")) return "unauthorized: the viewer role is required";
    if (!mayReadCamera(claims, camera)) return `unauthorized: this token may not read ${camera}`;
    return { exp: claims.exp };
  }

  /**
   * End one channel from the server side: an optional `system` error (what Supabase Realtime
   * sends when a token expires or is refused), then `phx_close` so the client marks it closed.
   */
  #kick(topic: string, sub: _Subscription, reason: string | null): void {
    sub.remove();
    this.#subs.delete(topic);
    if (reason) {
      const system = { status: "error", extension: "system", message: reason, channel: topic };
      this.#send(encodeRaw(this.#vsn, sub.joinRef, null, topic, "system", JSON.stringify(system)));
    }
    this.#send(encodeRaw(this.#vsn, sub.joinRef, sub.joinRef, topic, "phx_close", "{}"));
  }

  #reply(
    to: Pick<PhxMessage, "joinRef" | "ref" | "topic">,
    status: "ok" | "error",
    response: Record<string, unknown> = {},
  ): void {
    this.#send(encodeReply(this.#vsn, to, status, response));
  }

  #send(frame: string): void {
    if (this.#socket.readyState === OPEN) this.#socket.send(frame);
  }

  #fail(e: FrameError): void {
    this.dispose();
    this.#socket.close(e.code, e.message.slice(0, 120));
  }
}
