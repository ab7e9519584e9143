/**
 * push: Web Push subscriptions of browsers (the analyzer sends the notifications:
 * analyzer/notify/push_sender.ts).
 * - GET /api/push/key — the VAPID public key the browser subscribes with (404 when Web Push is
 *   not configured: STOPLINE_VAPID_PUBLIC_KEY unset).
 * - POST /api/push/subscriptions `{endpoint, keys: {p256dh, auth}, cameras?}` — store this
 *   browser's subscription (viewer role). It gets the passes of the cameras asked for, else of
 *   every camera the token may read (its `cameras` claim, stored with it). Re-posting the same
 *   endpoint updates it; another subject's endpoint is 409.
 * - DELETE /api/push/subscriptions `{endpoint}` — remove it (its subject, or an admin).
 * Endpoints must be https on the internet (shared/notify_address.ts: the analyzer POSTs to them).
 */
import type { Context, Hono } from "hono";
import { z } from "zod";
import { authFromEnv, getClaims, mayReadCamera, requireRole } from "../_shared/auth.ts";
import { readJsonCapped } from "../_shared/body.ts";
import { createPool, type DbPool } from "../_shared/db.ts";
import { ApiError } from "../_shared/errors.ts";
import { type ApiCommonOptions, createApiApp, standaloneFunction } from "../_shared/api_app.ts";
import { corsOriginsFromEnv } from "../_shared/cors.ts";
import { rateLimit, rateLimitFromEnv, type RateLimitOptions } from "../_shared/rate_limit.ts";
import { allowNetsFromEnv, notifyUrlProblem } from "../../shared/notify_address.ts";

export interface PushOptions extends ApiCommonOptions {
  pool: DbPool;
  /** STOPLINE_VAPID_PUBLIC_KEY; null: Web Push is off. */
  vapidPublicKey: string | null;
  env?: (name: string) => string | undefined;
  rateLimit?: RateLimitOptions | null;
}

/** More than this many browsers per subject is a misuse (each push costs a request). */
export const MAX_SUBSCRIPTIONS_PER_SUBJECT = 20;
const MAX_BODY_BYTES = 8 * 1024;

const _b64url = (bytes: number, what: string) =>
  z.string().regex(/^[A-Za-z0-9_-]+={0,2}$/, `${what} must be base64url`).refine(
    (s) => _decodedLength(s) === bytes,
    `${what} must be ${bytes} bytes`,
  );

const SubscribeSchema = z.object({
  endpoint: z.string().min(1).max(2048),
  /** What PushSubscription.toJSON() has besides; ignored. */
  expirationTime: z.number().nullable().optional(),
  keys: z.object({
    p256dh: _b64url(65, "keys.p256dh"),
    auth: _b64url(16, "keys.auth"),
  }),
  cameras: z.array(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/)).min(1).max(64).optional(),
});

const UnsubscribeSchema = z.object({ endpoint: z.string().min(1).max(2048) });

function _decodedLength(s: string): number {
  const t = s.replace(/=+$/, "");
  return Math.floor((t.length * 3) / 4);
}

export function createPushApp(opts: PushOptions): Hono {
  // Subscribing is a viewer's own business (like reading): "self" access, viewer role for all.
  const app = createApiApp(["/api/push/*"], {
    ...opts,
    access: "self",
    rateLimit: null, // applied below, after auth
    maxBodyBytes: MAX_BODY_BYTES,
    // The write limit after auth, so it is keyed by the token's subject.
    after: [
      requireRole(opts.auth, "viewer"),
      ...(opts.rateLimit ? [rateLimit(opts.rateLimit)] : []),
    ],
  });
  const allowNets = allowNetsFromEnv(opts.env ?? (() => undefined));

  app.get("/api/push/key", (c) => {
    if (!opts.vapidPublicKey) throw new ApiError(404, "Web Push is not configured on this server");
    return c.json({ public_key: opts.vapidPublicKey });
  });

  app.post("/api/push/subscriptions", async (c) => {
    const claims = getClaims(c)!;
    const sub = await _parse(c, SubscribeSchema);
    const problem = notifyUrlProblem(sub.endpoint, "push", allowNets);
    if (problem) {
      throw new ApiError(422, "invalid subscription", {
        issues: [{ path: "endpoint", message: problem }],
      });
    }
    const refused = (sub.cameras ?? []).filter((cam) => !mayReadCamera(claims, cam));
    if (refused.length) throw new ApiError(403, "this token may not read these cameras");
    const cameras = sub.cameras ?? claims.cameras ?? null;
    const count = await opts.pool.query<{ n: number }>(
      "select count(*)::int as n from push_subscriptions where subject = $1 and endpoint <> $2",
      [claims.sub, sub.endpoint],
    );
    if (count.rows[0].n >= MAX_SUBSCRIPTIONS_PER_SUBJECT) {
      throw new ApiError(429, `at most ${MAX_SUBSCRIPTIONS_PER_SUBJECT} subscriptions per user`);
    }
    const r = await opts.pool.query<{ id: string; inserted: boolean }>(
      `insert into push_subscriptions (endpoint, p256dh, auth, cameras, subject, user_agent)
       values ($1, $2, $3, $4, $5, $6)
       on conflict (endpoint) do update set p256dh = excluded.p256dh, auth = excluded.auth,
         cameras = excluded.cameras, user_agent = excluded.user_agent
         where push_subscriptions.subject = excluded.subject
       returning id, (xmax = 0) as inserted`,
      [
        sub.endpoint,
        sub.keys.p256dh,
        sub.keys.auth,
        cameras,
        claims.sub,
        (c.req.header("user-agent") ?? "").slice(0, 200) || null,
      ],
    );
    const row = r.rows[0];
    if (!row) throw new ApiError(409, "this endpoint is subscribed by another user");
    return c.json({ id: Number(row.id), cameras }, row.inserted ? 201 : 200);
  });

  app.delete("/api/push/subscriptions", async (c) => {
    const claims = getClaims(c)!;
    const { endpoint } = await _parse(c, UnsubscribeSchema);
    const r = await opts.pool.query(
      "delete from push_subscriptions where endpoint = $1 and (subject = $2 or $3)",
      [endpoint, claims.sub, claims.role === "admin"],
    );
    // Someone else's endpoint is "unknown" too: nothing about other users' rows leaks.
    if (!r.rowCount) throw new ApiError(404, "unknown subscription");
    return c.body(null, 204);
  });

  return app;
}

async function _parse<T extends z.ZodType>(c: Context, schema: T): Promise<z.infer<T>> {
  const body = await readJsonCapped(c.req.raw, MAX_BODY_BYTES);
  if (!body.ok) throw new ApiError(body.status, body.error);
  const r = schema.safeParse(body.value);
  if (!r.success) {
    throw new ApiError(400, "invalid subscription", {
      issues: r.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
    });
  }
  return r.data;
}

// Deployed alone (edge host): `deno serve -A functions/push/index.ts` with DATABASE_URL set.
export default standaloneFunction((url) =>
  createPushApp({
    pool: createPool(url),
    auth: authFromEnv(),
    corsOrigins: corsOriginsFromEnv(),
    vapidPublicKey: Deno.env.get("STOPLINE_VAPID_PUBLIC_KEY") || null,
    env: (n) => Deno.env.get(n),
    rateLimit: rateLimitFromEnv((n) => Deno.env.get(n)),
  })
);
