/**
 * The one way to build an API function: `createApiApp(paths, opts)` returns a Hono app whose
 * `paths` get, in this order,
 * 0. an OpenTelemetry span per request when OTLP export is configured (request_trace.ts);
 * 1. JSON errors: handlers throw `ApiError` (errors.ts) for 4xx; anything else is a bare JSON 500
 *    with a scrubbed log line; an unknown sub-path is a JSON 404;
 * 2. CORS by allow-list (first, so preflights pass; cors.ts);
 * 3. `X-Content-Type-Options: nosniff` on every answer;
 * 4. authentication and role: viewer for reads, operator for writes (`access: "read-write"`), or
 *    none where the route authenticates itself (`access: "self"`: media-auth, the WebSocket
 *    endpoints, health probes);
 * 5. the write rate limit, after auth so it is keyed by the token's subject (rate_limit.ts);
 * 6. a body limit (413 before the handler reads more than `maxBodyBytes`), after auth so a
 *    stranger's body is never read at all.
 * Every `functions/<name>/index.ts` builds its app with it, so a new function cannot forget one.
 */
import { Hono, type MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { type AuthSettings, requireReadWrite } from "./auth.ts";
import { corsMiddleware } from "./cors.ts";
import { apiErrorHandler } from "./errors.ts";
import { rateLimit, type RateLimitOptions } from "./rate_limit.ts";
import { traceRequest } from "./request_trace.ts";
import { startTelemetry } from "../../shared/telemetry.ts";
import type { Context } from "hono";

/** What every API function takes besides its own dependencies. */
export interface ApiCommonOptions {
  auth: AuthSettings;
  /** Origins allowed by CORS (default none: same origin only). */
  corsOrigins?: readonly string[];
  /** Where 500s are logged (scrubbed); default console.error. */
  log?: (msg: string) => void;
}

export interface ApiAppOptions extends ApiCommonOptions {
  /** "read-write" (default): viewer reads, operator writes; "self": the handlers check tokens. */
  access?: "read-write" | "self";
  /** Largest request body in bytes (default 256 KiB). */
  maxBodyBytes?: number;
  /** Write rate limit per subject (per client IP when anonymous); absent = none. */
  rateLimit?: RateLimitOptions | null;
  /** More middleware after auth and the rate limit (e.g. a stricter per-route limiter). */
  after?: MiddlewareHandler[];
}

export const DEFAULT_MAX_BODY_BYTES = 256 * 1024;

/** The API policy on `paths` (Hono patterns, e.g. `/api/passes/*`, which also covers `/api/passes`). */
export function createApiApp(paths: string[], opts: ApiAppOptions): Hono {
  const app = new Hono();
  app.onError(apiErrorHandler(opts.log));
  app.notFound(notFoundJson);
  const maxBody = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const chain: MiddlewareHandler[] = [
    traceRequest,
    corsMiddleware(opts.corsOrigins ?? []),
    _jsonNotFound,
    _noSniff,
  ];
  if ((opts.access ?? "read-write") === "read-write") chain.push(requireReadWrite(opts.auth));
  if (opts.rateLimit) chain.push(rateLimit(opts.rateLimit));
  chain.push(bodyLimit({
    maxSize: maxBody,
    onError: (c) => c.json({ error: `the body must not exceed ${maxBody} bytes` }, 413),
  }));
  chain.push(...(opts.after ?? []));
  for (const p of paths) app.use(p, ...chain);
  return app;
}

/**
 * Under our paths, a request no route answers (wrong method, unknown sub-path) gets a JSON 404
 * too, even when mounted in an app whose own not-found answer is plain text.
 */
const _jsonNotFound: MiddlewareHandler = async (c, next) => {
  await next();
  if (c.res.status === 404 && !c.res.headers.get("content-type")?.includes("json")) {
    c.res = notFoundJson(c); // Hono keeps the headers set so far (CORS), not the text type
  }
};

/** JSON answers are data, never something a browser should guess to be HTML. */
const _noSniff: MiddlewareHandler = async (c, next) => {
  await next();
  try {
    c.res.headers.set("x-content-type-options", "nosniff");
  } catch { /* an upgrade (101) response has immutable headers and no body to sniff */ }
};

/** JSON 404 for unknown routes when a function is deployed alone. */
export function notFoundJson(c: Context): Response {
  return c.json({ error: "not found" }, 404);
}

/**
 * The default export of a function deployed alone (`deno serve -A functions/<name>/index.ts`):
 * the app is built on the first request from the environment, or every request is a JSON 503
 * naming what is missing.
 */
export function standaloneFunction(
  make: (databaseUrl: string) => Hono,
): { fetch: (req: Request, info?: unknown) => Response | Promise<Response> } {
  let app: Hono | undefined;
  // With OTEL_EXPORTER_OTLP_ENDPOINT set, requests are traced once the SDK has loaded.
  startTelemetry((n) => Deno.env.get(n), "stopline-functions");
  return {
    fetch: (req, info) => {
      const url = Deno.env.get("DATABASE_URL");
      if (!url) return Response.json({ error: "DATABASE_URL is not set" }, { status: 503 });
      app ??= make(url);
      return app.fetch(req, info);
    },
  };
}
