/**
 * Authentication for the functions. With STOPLINE_JWT_SECRET set, requests carry a JWT
 * (`Authorization: Bearer …`, or `?token=` where headers cannot be set: WebSocket, <img>); reads
 * need the viewer role, edits the operator role. Without a secret (the dev default) auth is OFF
 * and every request acts as operator — README says so loudly.
 */
import type { Context, MiddlewareHandler } from "hono";
import { AuthError, type Claims, type Role, roleAtLeast, verifyJwt } from "./jwt.ts";

export interface AuthSettings {
  /** null = auth off. */
  secret: string | null;
}

export function authFromEnv(
  env: (n: string) => string | undefined = (n) => Deno.env.get(n),
): AuthSettings {
  const secret = env("STOPLINE_JWT_SECRET") ?? null;
  if (secret !== null && secret.length < 32) {
    throw new Error("STOPLINE_JWT_SECRET must be at least 32 characters");
  }
  return { secret };
}

const DEV_CLAIMS: Claims = {
  sub: "dev (auth off)",
  role: "operator",
  exp: Number.MAX_SAFE_INTEGER,
};

/** The request's claims; throws AuthError when a token is required and missing or invalid. */
export async function claimsOf(req: Request, auth: AuthSettings): Promise<Claims> {
  if (!auth.secret) return DEV_CLAIMS;
  const header = req.headers.get("authorization");
  const token = header?.startsWith("Bearer ")
    ? header.slice(7).trim()
    : new URL(req.url).searchParams.get("token");
  if (!token) throw new AuthError("a token is required");
  return await verifyJwt(token, auth.secret);
}

/** 401 without a valid token, 403 when its role is below `role`. Sets `c.get("claims")`. */
export function requireRole(auth: AuthSettings, role: Role): MiddlewareHandler {
  return async (c, next) => {
    let claims: Claims;
    try {
      claims = await claimsOf(c.req.raw, auth);
    } catch (e) {
      return c.json({ error: (e as Error).message }, 401, { "www-authenticate": "Bearer" });
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

export function getClaims(c: Context): Claims | undefined {
  return c.get("claims" as never) as Claims | undefined;
}
