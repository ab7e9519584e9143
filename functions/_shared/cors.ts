/**
 * CORS by explicit allowlist (STOPLINE_CORS_ORIGINS, comma separated). The default is no CORS
 * headers at all: the web app is served from the same origin, and a wildcard would let any site
 * drive the API with a token it got hold of. Preflights from allowed origins are answered before
 * auth (browsers never send credentials on them).
 */
import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";

export function corsOriginsFromEnv(
  env: (n: string) => string | undefined = (n) => Deno.env.get(n),
): string[] {
  return (env("STOPLINE_CORS_ORIGINS") ?? "").split(",").map((s) => s.trim().replace(/\/+$/, ""))
    .filter((s) => s.length > 0);
}

/** CORS middleware for `origins`; a no-op when the list is empty. */
export function corsMiddleware(origins: readonly string[]): MiddlewareHandler {
  if (origins.length === 0) return async (_c, next) => await next();
  const allowed = new Set(origins);
  return cors({
    origin: (origin) => (allowed.has(origin) ? origin : null),
    allowMethods: ["GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS"],
    allowHeaders: ["authorization", "content-type", "if-match", "if-none-match"],
    exposeHeaders: ["etag", "retry-after"],
    maxAge: 600,
  });
}
