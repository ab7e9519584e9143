/**
 * `GET /app-config.json`: what the browser app needs to know at runtime, from the environment:
 * - `PLAYER_ORDER` (e.g. "whep,hls,mse"): modes to try in order. Default: "whep,hls,mse" when
 *   a MediaMTX URL is configured (production), else "mse" (the dev relay).
 * - `MEDIAMTX_WHEP_URL` (e.g. https://media.example/ ; WHEP at `<it>/<camera>/whep`)
 * - `MEDIAMTX_HLS_URL` (e.g. https://media.example:8888 ; playlist `<it>/<camera>/index.m3u8`)
 * - `STOPLINE_JWT_SECRET` set: auth is on, the app asks for a token (the secret never leaves).
 */
import { type AppConfig, parseAppConfig, parsePlayerOrder } from "../../web/src/app_config.ts";

export function appConfigFromEnv(
  env: (name: string) => string | undefined = (n) => Deno.env.get(n),
): AppConfig {
  const whep = env("MEDIAMTX_WHEP_URL") || null;
  const hls = env("MEDIAMTX_HLS_URL") || null;
  const configured = parsePlayerOrder(env("PLAYER_ORDER"));
  const fallback = whep || hls ? ["whep", "hls", "mse"] : ["mse"];
  // parseAppConfig normalizes (trailing slashes, unknown modes) exactly as the browser does.
  return parseAppConfig({
    player_order: configured.length ? configured : fallback,
    whep_base: whep,
    hls_base: hls,
    auth: Boolean(env("STOPLINE_JWT_SECRET")),
  });
}
