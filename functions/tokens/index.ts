/**
 * tokens: the public keys and the media tokens.
 * - GET /.well-known/jwks.json (public): the public keys tokens are verified with
 *   (STOPLINE_JWT_PRIVATE_KEY's public half plus STOPLINE_JWT_PUBLIC_KEYS), as a JWKS. With only
 *   the HS256 secret it is an empty key set `{"keys": []}` (a shared secret is never published),
 *   so a JWKS client gets a valid, if useless, document instead of an error.
 * - GET /api/media-token?camera=<id>[&camera=…] (viewer): a short-lived token for MediaMTX
 *   carrying MediaMTX's permissions claim, `mediamtx_permissions: [{action: "read", path}]`, for
 *   the cameras asked for (default: every camera the caller's token allows). Signed with the
 *   private key when one is configured (MediaMTX `authMethod: jwt` verifies it through the JWKS),
 *   else with the HS256 secret (then only the `authMethod: http` hook, functions/media-auth, can
 *   check it: it also carries `role: viewer` and `cameras`). Never wider than the caller's token.
 */
import type { Context, Hono } from "hono";
import { CAMERA_ID_RE } from "../../shared/channels.ts";
import { type ApiCommonOptions, createApiApp } from "../_shared/api_app.ts";
import { authEnabled, authFromEnv, getClaims, mayReadCamera } from "../_shared/auth.ts";
import { corsOriginsFromEnv } from "../_shared/cors.ts";
import { ApiError } from "../_shared/errors.ts";
import { signToken, type TokenClaims } from "../_shared/jwt.ts";
import { jwksOf } from "../_shared/jwt_keys.ts";

export const JWKS_ROUTE = "/.well-known/jwks.json";
export const MEDIA_TOKEN_ROUTE = "/api/media-token";

/** MediaMTX checks a token when a session starts, so minutes are enough and limit a leak. */
export const MEDIA_TOKEN_TTL_S = 600;

/** One entry of MediaMTX's permissions claim (same shape as `authInternalUsers` permissions). */
export interface MediaMtxPermission {
  action: "read";
  /** A camera id (= MediaMTX path name); "" means every path. */
  path: string;
}

export function createTokensApp(opts: ApiCommonOptions): Hono {
  const jwks = createApiApp([JWKS_ROUTE], { ...opts, access: "self" });
  jwks.get(JWKS_ROUTE, async (c) =>
    c.json(await jwksOf(opts.auth), 200, {
      // MediaMTX reads it once at start; other clients may cache it briefly.
      "cache-control": "public, max-age=300",
    }));
  const app = createApiApp([MEDIA_TOKEN_ROUTE], opts);
  app.get(MEDIA_TOKEN_ROUTE, async (c) =>
    c.json(await _mediaToken(c, opts), 200, {
      "cache-control": "no-store",
    }));
  app.route("/", jwks);
  return app;
}

async function _mediaToken(c: Context, opts: ApiCommonOptions) {
  if (!authEnabled(opts.auth)) throw new ApiError(404, "auth is off: media needs no token");
  const claims = getClaims(c)!;
  const asked = c.req.queries("camera") ?? [];
  for (const id of asked) {
    if (!CAMERA_ID_RE.test(id)) throw new ApiError(400, "bad camera id", { camera: id });
    if (!mayReadCamera(claims, id)) throw new ApiError(403, `this token may not read ${id}`);
  }
  const cameras = asked.length ? [...new Set(asked)] : claims.cameras;
  const nowS = Math.floor(Date.now() / 1000);
  const exp = Math.min(nowS + MEDIA_TOKEN_TTL_S, Math.floor(claims.exp));
  const permissions: MediaMtxPermission[] = cameras
    ? cameras.map((path) => ({ action: "read", path }))
    : [{ action: "read", path: "" }];
  const media: TokenClaims = {
    sub: claims.sub,
    role: "viewer",
    exp,
    ...(cameras ? { cameras } : {}),
    mediamtx_permissions: permissions,
  };
  return { token: await signToken(media, opts.auth), exp, permissions };
}

// Deployed alone (edge host): the JWT key variables and STOPLINE_CORS_ORIGINS.
let _app: Hono | undefined;
export default {
  fetch: (req: Request, info?: unknown) => {
    _app ??= createTokensApp({ auth: authFromEnv(), corsOrigins: corsOriginsFromEnv() });
    return _app.fetch(req, info);
  },
};
