/**
 * Security headers of the browser app. The Content-Security-Policy allows only what the app
 * loads: its own scripts and styles (no inline code), images from itself (pass crops) and
 * `data:`/`blob:`, video from MediaSource `blob:` URLs (the MSE player and hls.js) and MediaMTX,
 * network requests to itself (API, WebSockets) plus the MediaMTX and Supabase origins it is
 * configured with. `frame-ancestors 'none'` (and X-Frame-Options for old browsers) stops other
 * sites framing it; Referrer-Policy keeps `?token=` URLs out of Referer headers.
 */
import type { AppConfig } from "../../shared/app_config.ts";

/** The CSP for a page served at `requestUrl` with this runtime config. */
export function contentSecurityPolicy(cfg: AppConfig, requestUrl: string): string {
  const here = new URL(requestUrl);
  const sameHostWs = `${here.protocol === "https:" ? "wss:" : "ws:"}//${here.host}`;
  const media = [cfg.whep_base, cfg.hls_base].map(_origin).filter((o): o is string => !!o);
  const connect = ["'self'", sameHostWs, ...media];
  if (cfg.realtime.kind === "supabase") {
    const o = _origin(cfg.realtime.url);
    if (o) connect.push(o, o.replace(/^http/, "ws"));
  }
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    `media-src 'self' blob: ${media.join(" ")}`.trim(),
    `connect-src ${[...new Set(connect)].join(" ")}`,
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** Every header the app's responses carry. */
export function securityHeaders(cfg: AppConfig, requestUrl: string): Record<string, string> {
  return {
    "content-security-policy": contentSecurityPolicy(cfg, requestUrl),
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
  };
}

function _origin(url: string | null): string | null {
  if (!url) return null;
  try {
    const u = new URL(url);
    return u.protocol === "http:" || u.protocol === "https:" ? u.origin : null;
  } catch {
    return null;
  }
}
