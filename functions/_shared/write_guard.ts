/**
 * Edits and commands need a token: when STOPLINE_API_TOKEN is set, every non-GET request must
 * carry `Authorization: Bearer <token>`. Without it (the dev default) writes are open, and
 * README says so. Role-based JWT auth builds on this (issue #4).
 */
import type { MiddlewareHandler } from "hono";

export function writeGuard(token: string | undefined): MiddlewareHandler {
  return async (c, next) => {
    if (token && c.req.method !== "GET" && c.req.method !== "HEAD" && c.req.method !== "OPTIONS") {
      const got = c.req.header("authorization") ?? "";
      if (!_timingSafeEqual(got, `Bearer ${token}`)) {
        return c.json({ error: "a valid bearer token is required for this request" }, 401);
      }
    }
    await next();
  };
}

function _timingSafeEqual(a: string, b: string): boolean {
  const ea = new TextEncoder().encode(a);
  const eb = new TextEncoder().encode(b);
  let diff = ea.length ^ eb.length;
  for (let i = 0; i < Math.max(ea.length, eb.length); i++) diff |= (ea[i] ?? 0) ^ (eb[i] ?? 0);
  return diff === 0;
}
