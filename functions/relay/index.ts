/**
 * relay: GET /ws?camera=<id> — a WebSocket that streams the latest ticks of one camera and the
 * analyzer's online/offline status. Fed by one LISTEN connection per process (see `startRelay`).
 */
import type { Hono } from "hono";
import { CAMERA_ID_RE, TICK_CHANNEL } from "../../shared/channels.ts";
import { listen, type PgListener } from "../../shared/db/pg_listener.ts";
import { createApiApp } from "../_shared/api_app.ts";
import { ApiError } from "../_shared/errors.ts";
import { authFromEnv, type AuthSettings } from "../_shared/auth.ts";
import { upgradeOriginAllowed, watchDenied } from "../_shared/camera_access.ts";
import { corsOriginsFromEnv } from "../_shared/cors.ts";
import { TickHub } from "./tick_hub.ts";
import { createPhoenixApp } from "./realtime/app.ts";

/** Largest message a client may send us (clients only send pings). */
const MAX_CLIENT_MESSAGE = 4096;

/**
 * `auth` and `corsOrigins` default to the environment (STOPLINE_JWT_SECRET,
 * STOPLINE_CORS_ORIGINS), so the relay is never left open.
 */
export function createRelayApp(
  hub: TickHub,
  auth: AuthSettings = authFromEnv(),
  corsOrigins: readonly string[] = corsOriginsFromEnv(),
): Hono {
  // The sockets check their tokens themselves (before upgrading): "self" access.
  const app = createApiApp(["/ws", "/realtime/*"], { auth, corsOrigins, access: "self" });
  app.get("/ws", async (c) => {
    const camera = c.req.query("camera") ?? "";
    if (!CAMERA_ID_RE.test(camera)) {
      throw new ApiError(400, "query parameter camera must match [A-Za-z0-9_-]{1,64}");
    }
    // Checked before the upgrade: a denied client gets a plain 401 and never a socket.
    const denied = await watchDenied(c.req.raw, auth, camera);
    if (denied) throw new ApiError(401, denied, {}, { "www-authenticate": "Bearer" });
    if (!upgradeOriginAllowed(c.req.raw, corsOrigins)) {
      throw new ApiError(403, "this Origin may not open a socket here");
    }
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
      throw new ApiError(426, "expected a WebSocket upgrade");
    }
    const { socket, response } = Deno.upgradeWebSocket(c.req.raw, { idleTimeout: 30 });
    let remove: (() => void) | null = null;
    socket.onopen = () => {
      remove = hub.add(socket, camera);
    };
    socket.onmessage = (e) => {
      const size = typeof e.data === "string" ? e.data.length : (e.data as ArrayBuffer).byteLength;
      if (size > MAX_CLIENT_MESSAGE) socket.close(1009, "message too big");
    };
    socket.onclose = () => remove?.();
    socket.onerror = () => remove?.();
    return response;
  });
  // The same hub over the Phoenix protocol, for @supabase/realtime-js clients.
  app.route("/", createPhoenixApp(hub, auth));
  return app;
}

export interface Relay {
  app: Hono;
  hub: TickHub;
  listener: PgListener;
  close(): Promise<void>;
}

/** The relay wired to Postgres LISTEN. */
export function startRelay(databaseUrl: string, log?: (msg: string) => void): Relay {
  const hub = new TickHub();
  hub.startTimer();
  const listener = listen(databaseUrl, TICK_CHANNEL, (p) => hub.publish(p), { log });
  return {
    app: createRelayApp(hub),
    hub,
    listener,
    async close() {
      hub.close();
      await listener.close();
    },
  };
}

// Deployed alone (edge host): `deno serve functions/relay/index.ts` with DATABASE_URL set.
const url = Deno.env.get("DATABASE_URL");
export default {
  fetch: (req: Request) => {
    _standalone ??= url ? startRelay(url, console.error) : null;
    if (!_standalone) return Response.json({ error: "DATABASE_URL is not set" }, { status: 503 });
    return _standalone.app.fetch(req);
  },
};
let _standalone: Relay | null | undefined;
