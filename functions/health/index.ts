/**
 * health: GET /healthz (the functions process is alive) and GET /readyz (database reachable and,
 * when ANALYZER_URL is known, the analyzer ready), with the reasons as JSON when not ready; both
 * open (probes carry no token), the reasons scrubbed of credentials. GET /metrics (Prometheus
 * text) needs the operator role when auth is on (a scraper sends `Authorization: Bearer`).
 * In fleet mode (analyzers in `analyzer_fleet` seen within the lease expiry) /readyz also names
 * the analyzer holding each camera (`fleet`), and a camera no analyzer holds is a reason.
 */
import type { Hono } from "hono";
import { type ApiCommonOptions, createApiApp } from "../_shared/api_app.ts";
import { authFromEnv, requireRole } from "../_shared/auth.ts";
import { createPool, type DbPool } from "../_shared/db.ts";
import { redactForLog } from "../_shared/errors.ts";

export interface HealthOptions extends Partial<ApiCommonOptions> {
  pool: DbPool | null;
  /** Base URL of the analyzer's own health server, e.g. http://127.0.0.1:8001. */
  analyzerUrl?: string;
  /** Extra Prometheus text appended to /metrics (relay counters, etc.). */
  metrics?: () => string;
}

export function createHealthApp(opts: HealthOptions): Hono {
  const auth = opts.auth ?? authFromEnv();
  const app = createApiApp(["/healthz", "/readyz", "/metrics"], {
    ...opts,
    auth,
    access: "self",
  });
  app.get("/healthz", (c) => c.json({ ok: true }));
  app.get("/readyz", async (c) => {
    const reasons: string[] = [];
    let fleet: Record<string, string | null> | undefined;
    if (!opts.pool) reasons.push("DATABASE_URL not set");
    else {
      try {
        await opts.pool.query("select 1");
        fleet = await _fleetHolders(opts.pool);
        for (const [camera, holder] of Object.entries(fleet ?? {})) {
          if (!holder) reasons.push(`${camera}: no analyzer holds it`);
        }
      } catch (e) {
        reasons.push(`database unreachable: ${(e as Error).message}`);
      }
    }
    if (opts.analyzerUrl) {
      try {
        const r = await fetch(`${opts.analyzerUrl}/readyz`, { signal: AbortSignal.timeout(2000) });
        const body = await r.json() as { reasons?: string[] };
        for (const why of body.reasons ?? []) reasons.push(`analyzer: ${why}`);
      } catch (e) {
        reasons.push(`analyzer unreachable: ${(e as Error).message}`);
      }
    }
    return c.json(
      {
        ready: reasons.length === 0,
        reasons: reasons.map(redactForLog),
        ...(fleet ? { fleet } : {}),
      },
      reasons.length ? 503 : 200,
    );
  });
  app.get("/metrics", requireRole(auth, "operator"), (c) =>
    c.body(opts.metrics?.() ?? "", 200, {
      "content-type": "text/plain; version=0.0.4; charset=utf-8",
    }));
  return app;
}

/** Camera -> the analyzer holding its lease (null: none); undefined when no fleet is running. */
async function _fleetHolders(
  pool: DbPool,
): Promise<Record<string, string | null> | undefined> {
  const { rows } = await pool.query(
    `select l.camera, case when l.expires_at > now() then l.holder end as holder
     from camera_leases l
     where exists (select 1 from analyzer_fleet f where f.seen_at > now() - interval '10 seconds')
     order by l.camera`,
  );
  if (!rows.length) return undefined;
  return Object.fromEntries(
    rows.map((r) => [r.camera as string, (r.holder ?? null) as string | null]),
  );
}

// Deployed alone (edge host): DATABASE_URL and optionally ANALYZER_URL.
let _app: Hono | undefined;
export default {
  fetch: (req: Request) => {
    const url = Deno.env.get("DATABASE_URL");
    _app ??= createHealthApp({
      pool: url ? createPool(url, 1) : null,
      analyzerUrl: Deno.env.get("ANALYZER_URL"),
    });
    return _app.fetch(req);
  },
};
