/**
 * One error policy for the API functions: handlers throw `ApiError` for bad input (a 4xx with a
 * JSON `{ error, ... }` body), and anything else becomes a JSON 500 without a stack trace. What
 * is logged is scrubbed of tokens, passwords and camera URL credentials first, because logs are
 * read by more people than the secrets are meant for. `createApiApp` (api_app.ts) puts this
 * policy, CORS and auth in front of every API function in the same order.
 */
import type { Context, ErrorHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { redactSecrets } from "../../shared/redact.ts";

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
    // Only a request can nest that deep (a parser recursing into it): the request is at fault.
    if (err instanceof RangeError && /call stack/i.test(err.message)) {
      return c.json({ error: "the request is nested too deeply" }, 400);
    }
    // The path without its query: `?token=` must never reach the log.
    const path = new URL(c.req.url).pathname;
    log(
      `${c.req.method} ${redactForLog(path)} failed: ${redactForLog(String(err?.message ?? err))}`,
    );
    return c.json({ error: "internal error" }, 500);
  };
}
