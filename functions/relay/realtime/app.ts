/**
 * `GET /realtime/v1/websocket?apikey=…&vsn=…` — the relay's ticks and events over the Phoenix
 * channel protocol, so a `@supabase/realtime-js` client pointed at `<origin>/realtime/v1` can
 * `channel("camera:cam_01").on("broadcast", {event: "tick"}, cb).subscribe()`. Fed by the same
 * TickHub as `/ws` (same latest-state and slow-client handling). Events: `status`, `tick`,
 * `track_event`, `pass`. With auth on, each join needs a viewer JWT allowed for that camera
 * (the join's `access_token`, else the socket's `apikey`), and the socket itself is only upgraded
 * when its `apikey` (or bearer subprotocol) is a valid token or one of the public `anonKeys`
 * (STOPLINE_REALTIME_ANON_KEYS; joins then need their own access_token): a stranger never gets
 * a socket to send frames into.
 */
import { Hono } from "hono";
import { authEnabled, authFromEnv, type AuthSettings } from "../../_shared/auth.ts";
import { AuthError, roleAtLeast, verifyJwt } from "../../_shared/jwt.ts";
import type { TickHub } from "../tick_hub.ts";
import { isVsn, VSNS } from "./codec.ts";
import { PhoenixSession } from "./session.ts";

export interface PhoenixAppOptions {
  /** Close a socket that sent nothing (not even a heartbeat) for this long. */
  idleMs?: number;
  maxFrameBytes?: number;
  maxTopics?: number;
  /**
   * Public API keys (Supabase's "anon key" convention) that open a socket without a user token;
   * default from STOPLINE_REALTIME_ANON_KEYS (comma separated), none when unset.
   */
  anonKeys?: readonly string[];
}

export function anonKeysFromEnv(
  env: (n: string) => string | undefined = (n) => Deno.env.get(n),
): string[] {
  return (env("STOPLINE_REALTIME_ANON_KEYS") ?? "").split(",").map((s) => s.trim()).filter(
    Boolean,
  );
}

/** Phoenix clients may offer a bearer token as a subprotocol: `base64url.bearer.phx.<b64>`. */
const BEARER_PROTOCOL = "base64url.bearer.phx.";

export function createPhoenixApp(
  hub: TickHub,
  auth: AuthSettings = authFromEnv(),
  opts: PhoenixAppOptions = {},
): Hono {
  // Phoenix's own server default: a client heartbeats every 25-30 s, so 60 s means it is gone.
  const idleMs = opts.idleMs ?? 60_000;
  const anonKeys = new Set(opts.anonKeys ?? anonKeysFromEnv());
  const app = new Hono();
  app.get("/realtime/v1/websocket", async (c) => {
    // A Phoenix server treats a missing vsn as 1.0.0; realtime-js always sends one.
    const vsn = c.req.query("vsn") ?? "1.0.0";
    if (!isVsn(vsn)) {
      return c.json({ error: `unsupported vsn ${vsn}; supported: ${VSNS.join(", ")}` }, 400);
    }
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
      return c.json({ error: "expected a WebSocket upgrade" }, 426);
    }
    const offered = (c.req.header("sec-websocket-protocol") ?? "").split(",").map((p) => p.trim());
    const bearer = _protocolToken(offered);
    let socketToken = bearer ?? c.req.query("apikey") ?? null;
    if (authEnabled(auth)) {
      if (!socketToken) {
        return c.json({ error: "apikey is required" }, 401, { "www-authenticate": "Bearer" });
      }
      if (anonKeys.has(socketToken)) {
        socketToken = null; // a public key: every join must bring its own access_token
      } else {
        // Checked before the upgrade: a bad apikey gets a plain 401 and never a socket.
        const denied = await _socketDenied(socketToken, auth);
        if (denied) return c.json({ error: denied }, 401, { "www-authenticate": "Bearer" });
      }
    }
    const { socket, response } = Deno.upgradeWebSocket(c.req.raw, {
      // A client offering subprotocols must get one of them back or it drops the connection.
      protocol: offered.includes("phoenix") ? "phoenix" : undefined,
      idleTimeout: 30,
    });
    socket.binaryType = "arraybuffer";
    const session = new PhoenixSession(socket, hub, vsn, {
      auth,
      socketToken,
      maxFrameBytes: opts.maxFrameBytes,
      maxTopics: opts.maxTopics,
    });
    const timer = setInterval(() => {
      if (Date.now() - session.lastSeen > idleMs) socket.close(1000, "heartbeat timeout");
      else session.expireTokens();
    }, Math.min(idleMs / 2, 5_000));
    const end = () => {
      clearInterval(timer);
      session.dispose();
    };
    socket.onmessage = (e) => session.receive(e.data);
    socket.onclose = end;
    socket.onerror = end;
    return response;
  });
  return app;
}

async function _socketDenied(token: string, auth: AuthSettings): Promise<string | null> {
  try {
    const claims = await verifyJwt(token, auth);
    return roleAtLeast(claims.role, "viewer") ? null : "the viewer role is required";
  } catch (e) {
    if (e instanceof AuthError) return `unauthorized: ${e.message}`;
    throw e;
  }
}

function _protocolToken(offered: string[]): string | null {
  const p = offered.find((x) => x.startsWith(BEARER_PROTOCOL));
  if (!p) return null;
  try {
    const b64 = p.slice(BEARER_PROTOCOL.length).replaceAll("-", "+").replaceAll("_", "/");
    return atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
  } catch {
    return null;
  }
}
