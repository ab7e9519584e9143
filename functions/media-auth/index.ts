/**
 * media-auth: `POST /media-auth`, the MediaMTX `authMethod: http` callback. MediaMTX posts
 * `{user, password, token, ip, action, path, protocol, id, query}` for every publish, read,
 * playback, api, metrics and pprof request; a 2xx answer allows it, anything else denies it.
 *
 * - publish: the publisher secret (MEDIA_PUBLISH_USER / MEDIA_PUBLISH_PASSWORD), nothing else.
 * - read, playback: a viewer JWT whose `cameras` claim covers the path (path = camera id), taken
 *   from `token` (Authorization: Bearer), or `password` when `user` is "jwt" (RTSP/RTMP clients
 *   that only speak user:password), or `token=` in the query string (HLS/WebRTC in a browser).
 *   Internal readers that cannot refresh a JWT (the analyzer) may use MEDIA_READ_USER /
 *   MEDIA_READ_PASSWORD instead.
 * - api, metrics, pprof: an admin JWT (token, or password with user "jwt").
 *
 * Fails closed: a missing publisher secret denies every publish; with auth off (no
 * STOPLINE_JWT_SECRET, the dev default) reads are open like the rest of the dev stack but admin
 * actions are denied. Passwords and tokens are never logged, only the decision and its reason.
 *
 * Denials are rate limited per client (FAILURE_LIMIT): a client over its budget is denied (429)
 * without its credentials being checked at all, so the hook is no password oracle. The client is
 * the caller's address, or — when the caller is a trusted proxy such as MediaMTX itself
 * (STOPLINE_TRUSTED_PROXIES) — the `ip` MediaMTX reports.
 */
import type { Context, Hono } from "hono";
import { type ApiCommonOptions, createApiApp } from "../_shared/api_app.ts";
import { isTrusted, peerIp, trustedProxiesFromEnv } from "../_shared/client_ip.ts";
import { ApiError } from "../_shared/errors.ts";
import { type RateLimitOptions, TokenBuckets } from "../_shared/rate_limit.ts";
import { authEnabled, authFromEnv, type AuthSettings, mayWatchMediaPath } from "../_shared/auth.ts";
import { readJsonCapped } from "../_shared/body.ts";
import { type Claims, type Role, roleAtLeast, verifyJwt } from "../_shared/jwt.ts";

export const MEDIA_AUTH_ROUTE = "/media-auth";

/** MediaMTX's own bodies are a few hundred bytes; anything far larger is not MediaMTX. */
const MAX_BODY = 16 * 1024;

export const MEDIA_ACTIONS = ["publish", "read", "playback", "api", "metrics", "pprof"] as const;
export type MediaAction = typeof MEDIA_ACTIONS[number];

export interface MediaAuthRequest {
  user: string;
  password: string;
  token: string;
  ip: string;
  action: MediaAction;
  path: string;
  protocol: string;
  id: string;
  query: string;
}

export interface Credential {
  user: string;
  password: string;
}

export interface MediaAuthOptions extends ApiCommonOptions {
  /** Who may publish (ffmpeg, a camera pushing RTSP); null = nobody. */
  publisher: Credential | null;
  /** An internal reader of every path (the analyzer); null = JWT readers only. */
  reader?: Credential | null;
  /** Callers whose reported client `ip` is believed (MediaMTX's address). */
  trustedProxies?: readonly string[];
  /** Denied attempts per client (default FAILURE_LIMIT). */
  failureLimit?: Pick<RateLimitOptions, "perMinute" | "burst" | "now">;
}

/** Ten wrong guesses, then one a minute: plenty for a viewer mistyping, useless for guessing. */
export const FAILURE_LIMIT = { perMinute: 1, burst: 10 } as const;

export type Decision = { allow: true } | { allow: false; reason: string };

export function createMediaAuthApp(opts: MediaAuthOptions): Hono {
  const log = opts.log ?? ((m: string) => console.log(`media-auth: ${m}`));
  // MediaMTX calls without CORS and authenticates in the body: the route checks it itself.
  const app = createApiApp([MEDIA_AUTH_ROUTE], { ...opts, access: "self", maxBodyBytes: MAX_BODY });
  const failures = new TokenBuckets(opts.failureLimit ?? FAILURE_LIMIT);
  const trusted = opts.trustedProxies ?? [];
  app.post(MEDIA_AUTH_ROUTE, async (c) => {
    const body = await readJsonCapped(c.req.raw, MAX_BODY);
    if (!body.ok) throw new ApiError(body.status, body.error);
    const req = parseMediaAuthRequest(body.value);
    if (typeof req === "string") throw new ApiError(400, req);
    // Who, what and why: never the password or the token.
    const who = `${req.action} ${req.path || "-"} (${req.protocol || "-"} from ${req.ip || "?"}` +
      `${req.user ? `, user ${JSON.stringify(req.user.slice(0, 64))}` : ""})`;
    const client = _clientKey(c, req, trusted);
    const retryS = failures.retryAfterS(client);
    if (retryS > 0) {
      log(`deny ${who}: too many failed attempts`);
      throw new ApiError(429, "denied: too many failed attempts", { retry_after_s: retryS }, {
        "retry-after": String(retryS),
      });
    }
    const d = await decide(req, opts);
    if (d.allow) return c.json({ ok: true });
    // RTSP clients first ask without credentials (MediaMTX then asks them for some): not a guess.
    if (req.user || req.password || tokenOf(req)) failures.take(client);
    log(`deny ${who}: ${d.reason}`);
    return c.json({ error: "denied" }, 401);
  });
  return app;
}

/** The failure bucket of a request: MediaMTX's reported client when MediaMTX is trusted. */
function _clientKey(c: Context, req: MediaAuthRequest, trusted: readonly string[]): string {
  const peer = peerIp(c);
  return isTrusted(peer, trusted) && req.ip ? `ip:${req.ip}` : `peer:${peer}`;
}

/** The validated callback body, or the reason it is malformed. */
export function parseMediaAuthRequest(v: unknown): MediaAuthRequest | string {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return "body must be a JSON object";
  const o = v as Record<string, unknown>;
  const out: Record<string, string> = {};
  for (
    const k of ["user", "password", "token", "ip", "action", "path", "protocol", "id", "query"]
  ) {
    const x = o[k] ?? "";
    if (typeof x !== "string") return `${k} must be a string`;
    out[k] = x;
  }
  if (!MEDIA_ACTIONS.includes(out.action as MediaAction)) {
    return `action must be one of ${MEDIA_ACTIONS.join(", ")}`;
  }
  return out as unknown as MediaAuthRequest;
}

export async function decide(req: MediaAuthRequest, opts: MediaAuthOptions): Promise<Decision> {
  switch (req.action) {
    case "publish":
      if (!opts.publisher) return _deny("no publisher credentials are configured");
      return await credentialMatches(req, opts.publisher)
        ? { allow: true }
        : _deny("bad publisher credentials");
    case "read":
    case "playback": {
      if (opts.reader && await credentialMatches(req, opts.reader)) return { allow: true };
      if (!authEnabled(opts.auth)) return { allow: true }; // auth off (dev): reads are open
      const claims = await _claims(req, opts.auth, "viewer");
      if (typeof claims === "string") return _deny(claims);
      return mayWatchMediaPath(claims, req.path)
        ? { allow: true }
        : _deny(`token does not cover camera ${JSON.stringify(req.path)}`);
    }
    default: {
      if (!authEnabled(opts.auth)) {
        return _deny("admin actions need STOPLINE_JWT_SECRET (auth is off)");
      }
      const claims = await _claims(req, opts.auth, "admin");
      return typeof claims === "string" ? _deny(claims) : { allow: true };
    }
  }
}

/** Constant-time check of user and password against a configured credential. */
export async function credentialMatches(
  got: { user: string; password: string },
  want: Credential,
): Promise<boolean> {
  // Both halves are always compared so timing does not tell which one was wrong.
  const [u, p] = await Promise.all([
    timingSafeEqual(got.user, want.user),
    timingSafeEqual(got.password, want.password),
  ]);
  return u && p;
}

/** Compare SHA-256 digests byte by byte without early exit: no length or prefix leaks. */
export async function timingSafeEqual(a: string, b: string): Promise<boolean> {
  const enc = new TextEncoder();
  const [da, db] = await Promise.all([
    crypto.subtle.digest("SHA-256", enc.encode(a)),
    crypto.subtle.digest("SHA-256", enc.encode(b)),
  ]);
  const x = new Uint8Array(da);
  const y = new Uint8Array(db);
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= x[i] ^ y[i];
  return diff === 0;
}

/** The token MediaMTX forwarded, in the order clients can send it. */
export function tokenOf(req: MediaAuthRequest): string | null {
  if (req.token) return req.token;
  if (req.user === "jwt" && req.password) return req.password;
  const q = new URLSearchParams(req.query.startsWith("?") ? req.query.slice(1) : req.query);
  return q.get("token") || null;
}

async function _claims(
  req: MediaAuthRequest,
  auth: AuthSettings,
  need: Role,
): Promise<Claims | string> {
  const token = tokenOf(req);
  if (!token) return "no token";
  let claims: Claims;
  try {
    claims = await verifyJwt(token, auth);
  } catch (e) {
    return (e as Error).message;
  }
  return roleAtLeast(claims.role, need) ? claims : `the ${need} role is required`;
}

function _deny(reason: string): Decision {
  return { allow: false, reason };
}

function _credential(user: string | undefined, password: string | undefined): Credential | null {
  return user && password ? { user, password } : null;
}

/**
 * Options from the environment (the JWT keys, MEDIA_PUBLISH_*, MEDIA_READ_*,
 * STOPLINE_TRUSTED_PROXIES).
 */
export function mediaAuthOptionsFromEnv(
  env: (n: string) => string | undefined = (n) => Deno.env.get(n),
): MediaAuthOptions {
  return {
    auth: authFromEnv(env),
    publisher: _credential(env("MEDIA_PUBLISH_USER"), env("MEDIA_PUBLISH_PASSWORD")),
    reader: _credential(env("MEDIA_READ_USER"), env("MEDIA_READ_PASSWORD")),
    trustedProxies: trustedProxiesFromEnv(env),
  };
}

// Deployed alone (edge host): STOPLINE_JWT_SECRET, MEDIA_PUBLISH_USER/PASSWORD, MEDIA_READ_*.
let _app: Hono | undefined;
export default {
  fetch: (req: Request) => {
    _app ??= createMediaAuthApp(mediaAuthOptionsFromEnv());
    return _app.fetch(req);
  },
};
