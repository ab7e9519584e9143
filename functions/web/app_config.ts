/**
 * `GET /app-config.json`: what the browser app needs to know at runtime, from the environment:
 * - `PLAYER_ORDER` (e.g. "whep,hls,mse"): modes to try in order. Default: "whep,hls,mse" when
 *   a MediaMTX URL is configured (production), else "mse" (the dev relay).
 * - `MEDIAMTX_WHEP_URL` (e.g. https://media.example/ ; WHEP at `<it>/<camera>/whep`). Without
 *   it, where the dev media relay is mounted (`STOPLINE_MEDIA_RELAY=1`, or the dev stack), WHEP
 *   is the relay's own `/media/<camera>/whep`, so dev plays WebRTC first, then MSE.
 * - `MEDIAMTX_HLS_URL` (e.g. https://media.example:8888 ; playlist `<it>/<camera>/index.m3u8`)
 * - `STOPLINE_JWT_SECRET` set: auth is on, the app asks for a token (the secret never leaves).
 * - `REALTIME=supabase` (as for the analyzer) with `SUPABASE_URL` and `SUPABASE_ANON_KEY`: the
 *   live page subscribes to Supabase Realtime broadcast instead of the relay's `/ws`. Only the
 *   public anon key is handed out, never `SUPABASE_SERVICE_ROLE_KEY`; without a usable anon key
 *   the app stays on the relay and `realtime.note` (and the log, once) says why.
 */
import {
  type AppConfig,
  parseAppConfig,
  parsePlayerOrder,
  type RealtimeConfig,
} from "../../shared/app_config.ts";
import { decodeBase64Url } from "../_shared/jwt.ts";

type Env = (name: string) => string | undefined;

export function appConfigFromEnv(
  env: Env = (n) => Deno.env.get(n),
  warn: (msg: string) => void = _warnOnce,
  mediaRelay: boolean = env("STOPLINE_MEDIA_RELAY") === "1",
): AppConfig {
  const whep = env("MEDIAMTX_WHEP_URL") || (mediaRelay ? "/media" : null);
  const hls = env("MEDIAMTX_HLS_URL") || null;
  const configured = parsePlayerOrder(env("PLAYER_ORDER"));
  const fallback = whep || hls ? ["whep", "hls", "mse"] : ["mse"];
  // parseAppConfig normalizes (trailing slashes, unknown modes) exactly as the browser does.
  const cfg = parseAppConfig({
    player_order: configured.length ? configured : fallback,
    whep_base: whep,
    hls_base: hls,
    // Any token key turns auth on (functions/_shared/auth.ts), not only the HS256 secret.
    auth: Boolean(
      env("STOPLINE_JWT_SECRET") || env("STOPLINE_JWT_PRIVATE_KEY") ||
        env("STOPLINE_JWT_PUBLIC_KEYS"),
    ),
    realtime: _realtimeFromEnv(env),
    push: Boolean(env("STOPLINE_VAPID_PUBLIC_KEY")),
  });
  if (cfg.realtime.kind === "relay" && cfg.realtime.note) warn(`app config: ${cfg.realtime.note}`);
  return cfg;
}

function _realtimeFromEnv(env: Env): RealtimeConfig {
  const kind = (env("REALTIME") || "postgres").trim().toLowerCase();
  if (kind === "postgres") return { kind: "relay" };
  const relay = (why: string): RealtimeConfig => ({
    kind: "relay",
    note: `${why}; using the relay`,
  });
  if (kind !== "supabase") return relay(`REALTIME must be postgres or supabase, not ${kind}`);
  const url = env("SUPABASE_URL")?.trim();
  const anonKey = env("SUPABASE_ANON_KEY")?.trim();
  if (!url || !anonKey) {
    return relay("REALTIME=supabase but SUPABASE_URL or SUPABASE_ANON_KEY is not set");
  }
  if (_isSecretKey(anonKey, env("SUPABASE_SERVICE_ROLE_KEY")?.trim())) {
    return relay("SUPABASE_ANON_KEY is a secret (service-role) key and is never sent to browsers");
  }
  // parseAppConfig checks the URL; a bad one comes back as the relay with a note.
  return { kind: "supabase", url, anon_key: anonKey };
}

/**
 * A key that must not reach a browser: the service-role key itself, a new-style secret key
 * (`sb_secret_…`), or a legacy JWT key whose role is `service_role`.
 */
function _isSecretKey(key: string, serviceRoleKey: string | undefined): boolean {
  if (serviceRoleKey && key === serviceRoleKey) return true;
  if (key.startsWith("sb_secret_")) return true;
  const payload = key.split(".")[1];
  if (!payload) return false;
  try {
    const json = new TextDecoder().decode(decodeBase64Url(payload));
    return (JSON.parse(json) as { role?: unknown })?.role === "service_role";
  } catch {
    return false;
  }
}

const _warned = new Set<string>();

function _warnOnce(msg: string): void {
  if (_warned.has(msg)) return;
  _warned.add(msg);
  console.warn(msg);
}
