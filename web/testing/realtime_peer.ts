/**
 * A stand-in for Supabase Realtime in tests: the relay's own Phoenix endpoint
 * (`<origin>/realtime/v1/websocket`) over a TickHub the test feeds with `hub.publish`. With
 * `statusEvents: false` it sends what real Supabase sends: the analyzer's broadcasts only, never
 * the relay's `status` event, so a client must derive analyzer liveness itself.
 */
import type { AuthSettings } from "../../functions/_shared/auth.ts";
import { createPhoenixApp, type PhoenixAppOptions } from "../../functions/relay/realtime/app.ts";
import { type FrameEncoder, type HubOptions, TickHub } from "../../functions/relay/tick_hub.ts";
import type { TickSocket } from "../../functions/relay/tick_hub.ts";
import { encodePassEvent, type PassEvent, type PassSummary } from "../../shared/events.ts";
import { encodeTick } from "../../shared/tick.ts";
import { makeTick } from "../../shared/testing/ticks.ts";
import { serveForTest } from "./browser.ts";

/** A hub whose subscribers never get `status` frames (as from real Supabase Realtime). */
class _NoStatusHub extends TickHub {
  override add(socket: TickSocket, camera: string, encode?: FrameEncoder): () => void {
    const dropped = "";
    const filtered: TickSocket = {
      get readyState() {
        return socket.readyState;
      },
      get bufferedAmount() {
        return socket.bufferedAmount;
      },
      send: (data) => data !== dropped && socket.send(data),
      close: (code, reason) => socket.close(code, reason),
    };
    const framed: FrameEncoder = (kind, text) =>
      kind === "status" ? dropped : encode ? encode(kind, text) : text;
    return super.add(filtered, camera, framed);
  }
}

/** A valid pass event (a full stop of car #3 unless `pass` says otherwise). */
export function makePassEvent(camera = "cam_01", pass: Partial<PassSummary> = {}): PassEvent {
  const now = Date.now();
  return {
    v: 1,
    type: "pass",
    camera,
    ts: now,
    pass: {
      id: `${camera}:1`,
      camera,
      track_id: 3,
      label: "car",
      verdict: "full_stop",
      entered_at: now - 4000,
      exited_at: now,
      time_in_zone_s: 4,
      stop_duration_s: 2,
      min_speed_px_s: 0,
      entry_speed_px_s: 40,
      image: null,
      ...pass,
    },
  };
}

export interface RealtimePeerOptions {
  /** Send the relay's `status` events (default true); false behaves like real Supabase. */
  statusEvents?: boolean;
  hub?: HubOptions;
  auth?: AuthSettings;
  phoenix?: PhoenixAppOptions;
}

export function startRealtimePeer(opts: RealtimePeerOptions = {}) {
  const hub = opts.statusEvents === false ? new _NoStatusHub(opts.hub) : new TickHub(opts.hub);
  if (opts.statusEvents !== false) hub.startTimer(100);
  const app = createPhoenixApp(hub, opts.auth ?? { secret: null }, opts.phoenix);
  let upgrades = 0;
  const server = serveForTest((req) => {
    if (req.headers.get("upgrade")) upgrades++;
    return app.fetch(req);
  });
  let seq = 0;
  return {
    hub,
    /** http://127.0.0.1:<port>: what SUPABASE_URL would be. */
    origin: server.origin,
    get upgrades() {
      return upgrades;
    },
    /** Publish a valid tick (fresh `ts`) with `tracks` tracks. */
    tick(camera = "cam_01", tracks = 2): void {
      hub.publish(encodeTick(makeTick(camera, seq++, tracks)));
    },
    /** Publish a pass event as the analyzer does. */
    pass(event: PassEvent): void {
      hub.publish(encodePassEvent(event.pass));
    },
    async close(): Promise<void> {
      hub.close();
      await server.shutdown();
    },
  };
}

export type RealtimePeer = ReturnType<typeof startRealtimePeer>;
