/**
 * Who may watch a camera live: the rule shared by every live endpoint (the tick relay's `/ws`
 * and the dev media relay's `/media/*`), so video and overlays can never disagree on access.
 * - a token (`Authorization: Bearer`, or `?token=` where a browser cannot set headers) whose
 *   `cameras` claim covers the camera; every valid role is at least viewer, which is all
 *   watching needs. With auth off (no STOPLINE_JWT_SECRET: dev) anyone may watch.
 * - a WebSocket upgrade from a browser page must come from the same origin or one in the CORS
 *   allow-list (STOPLINE_CORS_ORIGINS): a socket is not covered by CORS, so without this check
 *   any site a viewer visits could open one with the token in the viewer's URL or storage.
 */
import { type AuthSettings, claimsOf, mayWatchMediaPath } from "./auth.ts";

/** Why this request may not watch `camera` (for a 401), or null when it may. */
export async function watchDenied(
  req: Request,
  auth: AuthSettings,
  camera: string,
): Promise<string | null> {
  const claims = await watchClaims(req, auth);
  if (typeof claims === "string") return claims;
  return mayWatchMediaPath(claims, camera) ? null : `this token may not watch camera ${camera}`;
}

/** The request's claims for watching, or why there are none (a message for a 401). */
export async function watchClaims(
  req: Request,
  auth: AuthSettings,
): Promise<Awaited<ReturnType<typeof claimsOf>> | string> {
  try {
    return await claimsOf(req, auth);
  } catch (e) {
    return (e as Error).message;
  }
}

/**
 * Whether a WebSocket upgrade may proceed from its `Origin`: none (not a browser: ffmpeg, the
 * analyzer, tests), the server's own origin (the `Host` the request came to, so a TLS proxy
 * that keeps the Host header works), or one listed in `origins`.
 */
export function upgradeOriginAllowed(req: Request, origins: readonly string[]): boolean {
  const origin = req.headers.get("origin");
  if (origin === null) return true;
  if (origins.includes(origin.replace(/\/+$/, ""))) return true;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return false; // "null" (sandboxed frames, file://) or garbage
  }
  const requested = req.headers.get("host") ?? new URL(req.url).host;
  return host.toLowerCase() === requested.toLowerCase();
}
