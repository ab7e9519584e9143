/**
 * One error policy for the API functions: handlers throw `ApiError` for bad input (a 4xx with a
 * JSON `{ error, ... }` body), and anything else becomes a JSON 500 without a stack trace. What
 * is logged is scrubbed of tokens, passwords and camera URL credentials first, because logs are
 * read by more people than the secrets are meant for. `createApiApp` puts this policy, CORS and
 * auth in front of every API function in the same order.
 */
import { type Context, type ErrorHandler, Hono, type MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { redactSecrets } from "../../shared/redact.ts";
import { type AuthSettings, requireReadWrite } from "./auth.ts";
import { corsMiddleware } from "./cors.ts";

export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    message: string,
    /** Extra JSON fields (e.g. `issues`), merged into the body. */
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** The JSON error response for an ApiError. */
export function errorResponse(c: Context, e: ApiError): Response {
  return c.json({ error: e.message, ...e.extra }, e.status, e.headers);
}

/**
 * Scrub what a log line must not carry: bearer tokens, JWTs, `token=`/password params, URL
 * credentials, substituted config secrets (the shared rules of shared/redact.ts).
 */
export function redactForLog(text: string): string {
  return redactSecrets(text);
}

/** `app.onError(apiErrorHandler(log))`: ApiError and HTTPException as 4xx JSON, the rest as a bare 500. */
export function apiErrorHandler(log: (msg: string) => void = console.error): ErrorHandler {
  return (err, c) => {
    if (err instanceof ApiError) return errorResponse(c, err);
    if (err instanceof HTTPException && err.status < 500) {
      return c.json({ error: err.message || "bad request" }, err.status);
    }
    // The path without its query: `?token=` must never reach the log.
    const path = new URL(c.req.url).pathname;
    log(
      `${c.req.method} ${redactForLog(path)} failed: ${redactForLog(String(err?.message ?? err))}`,
    );
    return c.json({ error: "internal error" }, 500);
  };
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

/** JSON 404 for unknown routes when a function is deployed alone. */
export function notFoundJson(c: Context): Response {
  return c.json({ error: "not found" }, 404);
}

/** What every API function takes besides its own dependencies. */
export interface ApiCommonOptions {
  auth: AuthSettings;
  /** Origins allowed by CORS (default none: same origin only). */
  corsOrigins?: readonly string[];
  /** Where 500s are logged (scrubbed); default console.error. */
  log?: (msg: string) => void;
}

/**
 * A Hono app with the API policy on `paths`: JSON errors, CORS (first, so preflights pass), then
 * `beforeAuth` (rate limits: they must also slow down token guessing), then viewer for reads /
 * operator for writes.
 */
export function createApiApp(
  paths: string[],
  opts: ApiCommonOptions,
  beforeAuth: MiddlewareHandler[] = [],
): Hono {
  const app = new Hono();
  app.onError(apiErrorHandler(opts.log));
  app.notFound(notFoundJson);
  const cors = corsMiddleware(opts.corsOrigins ?? []);
  const auth = requireReadWrite(opts.auth);
  for (const p of paths) app.use(p, cors, _jsonNotFound, ...beforeAuth, auth);
  return app;
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
  return {
    fetch: (req, info) => {
      const url = Deno.env.get("DATABASE_URL");
      if (!url) return Response.json({ error: "DATABASE_URL is not set" }, { status: 503 });
      app ??= make(url);
      return app.fetch(req, info);
    },
  };
}
