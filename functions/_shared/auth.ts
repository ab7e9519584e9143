/**
 * Authentication for the functions. With a token key set (STOPLINE_JWT_SECRET and/or
 * STOPLINE_JWT_PRIVATE_KEY / STOPLINE_JWT_PUBLIC_KEYS, see jwt_keys.ts), requests carry a JWT
 * (`Authorization: Bearer …`, or `?token=` where headers cannot be set: WebSocket, <img>); reads
 * need the viewer role, edits the operator role. Without any key (the dev default) auth is OFF
 * and every request acts as operator — README says so loudly.
 */
import { cameraOfMediaPath } from "../../shared/media_paths.ts";
import type { Context, MiddlewareHandler } from "hono";
import { AuthError, type Claims, type Role, roleAtLeast, verifyJwt } from "./jwt.ts";
import { hasTokenKeys, type TokenKeys } from "./jwt_keys.ts";

/** The token keys; none at all = auth off. */
export type AuthSettings = TokenKeys;

export function authFromEnv(
  env: (n: string) => string | undefined = (n) => Deno.env.get(n),
): AuthSettings {
  const secret = env("STOPLINE_JWT_SECRET") || null;
  if (secret !== null && secret.length < 32) {
    throw new Error("STOPLINE_JWT_SECRET must be at least 32 characters");
  }
  return {
    secret,
    privateKey: env("STOPLINE_JWT_PRIVATE_KEY") || null,
    publicKeys: env("STOPLINE_JWT_PUBLIC_KEYS") || null,
    audience: env("STOPLINE_JWT_AUDIENCE") || null,
    issuer: env("STOPLINE_JWT_ISSUER") || null,
  };
}

/** Whether requests need a token (any key configured). */
export function authEnabled(auth: AuthSettings): boolean {
  return hasTokenKeys(auth);
}

/** The claims of `token` under these settings; AuthError when it is not valid. */
export async function verifyToken(token: string, auth: AuthSettings, nowS?: number) {
  return await verifyJwt(token, auth, nowS);
}

/** The bearer token of a request (header, else `?token=`), or null. */
export function tokenOfRequest(req: Request): string | null {
  const header = req.headers.get("authorization");
  return header?.startsWith("Bearer ")
    ? header.slice(7).trim()
    : new URL(req.url).searchParams.get("token");
}

/** The subject of every request while auth is off. */
export const DEV_SUBJECT = "dev (auth off)";

const DEV_CLAIMS: Claims = {
  sub: DEV_SUBJECT,
  role: "operator",
  exp: Number.MAX_SAFE_INTEGER,
};

/** The request's claims; throws AuthError when a token is required and missing or invalid. */
export async function claimsOf(req: Request, auth: AuthSettings): Promise<Claims> {
  if (!authEnabled(auth)) return DEV_CLAIMS;
  const token = tokenOfRequest(req);
  if (!token) throw new AuthError("a token is required");
  return await verifyJwt(token, auth);
}

/** 401 without a valid token, 403 when its role is below `role`. Sets `c.get("claims")`. */
export function requireRole(auth: AuthSettings, role: Role): MiddlewareHandler {
  return async (c, next) => {
    let claims: Claims;
    try {
      claims = await claimsOf(c.req.raw, auth);
    } catch (e) {
      // Only a bad token is the client's fault; a key that fails to import is a 500.
      if (!(e instanceof AuthError)) throw e;
      return c.json({ error: e.message }, 401, { "www-authenticate": "Bearer" });
    }
    if (!roleAtLeast(claims.role, role)) {
      return c.json({ error: `the ${role} role is required` }, 403);
    }
    c.set("claims" as never, claims as never);
    await next();
  };
}

/** Reads need viewer, everything else operator. */
export function requireReadWrite(auth: AuthSettings): MiddlewareHandler {
  const read = requireRole(auth, "viewer");
  const write = requireRole(auth, "operator");
  return (
    c,
    next,
  ) => (c.req.method === "GET" || c.req.method === "HEAD" ? read(c, next) : write(c, next));
}

/** Whether the claims allow reading this camera. */
export function mayReadCamera(claims: Claims, camera: string): boolean {
  return !claims.cameras || claims.cameras.includes(camera);
}

/**
 * Whether the claims allow watching a media path: the camera's own, or one derived from it
 * (`<cam>_annotated`, `<cam>_h264`: shared/media_paths.ts) under the camera's access.
 */
export function mayWatchMediaPath(claims: Claims, path: string): boolean {
  return mayReadCamera(claims, path) || mayReadCamera(claims, cameraOfMediaPath(path));
}

/**
 * Whether the claims allow changing this camera: the same `cameras` claim limits writes, so an
 * operator scoped to some cameras cannot create, edit or remove the others.
 */
export function mayWriteCamera(claims: Claims, camera: string): boolean {
  return mayReadCamera(claims, camera);
}

export function getClaims(c: Context): Claims | undefined {
  return c.get("claims" as never) as Claims | undefined;
}
