/**
 * events: GET /api/events?camera&after&before&event&track_id&limit&cursor — the Frigate-style
 * lifecycle events of confirmed tracks (new/update/end), newest first (ts desc, id desc), keyset
 * pages with an opaque cursor. Tokens limited to some cameras see only those.
 */
import type { Hono } from "hono";
import { authFromEnv, getClaims } from "../_shared/auth.ts";
import { createPool, type DbPool } from "../_shared/db.ts";
import { type ApiCommonOptions, createApiApp, standaloneFunction } from "../_shared/api_app.ts";
import { corsOriginsFromEnv } from "../_shared/cors.ts";
import { afterCursor, decodeCursor, microsSql, pageOf } from "../_shared/pagination.ts";
import {
  QueryParams,
  SqlWhere,
  timeWindow,
  visibleCameras,
  whereCameraTime,
} from "../_shared/query.ts";

export interface EventsOptions extends ApiCommonOptions {
  pool: DbPool;
}

export const EVENT_KINDS = ["new", "update", "end"] as const;
const LIST = "events";

interface _EventRow {
  id: string;
  camera: string;
  track_id: number;
  event: string;
  ts: Date;
  before: unknown;
  after: unknown;
  _us: string;
}

export function createEventsApp(opts: EventsOptions): Hono {
  const app = createApiApp(["/api/events/*"], opts);

  app.get("/api/events", async (c) => {
    const q = new QueryParams(c.req.url);
    const cameras = visibleCameras(getClaims(c)!, q.cameras());
    const where = whereCameraTime(new SqlWhere(), cameras, timeWindow(q), "ts");
    const kinds = q.oneOf("event", EVENT_KINDS);
    if (kinds) where.and(`event = any(${where.param(kinds)}::text[])`);
    const trackId = q.int("track_id", 0, 2_147_483_647);
    if (trackId !== undefined) where.and(`track_id = ${where.param(trackId)}`);
    const limit = q.int("limit", 1, 200) ?? 50;
    const cursor = q.one("cursor");
    if (cursor !== undefined) {
      afterCursor(where, "ts", "id", decodeCursor(LIST, cursor, "bigint"), "bigint");
    }
    const r = await opts.pool.query<_EventRow>(
      `select id, camera, track_id, event, ts, before, after,
         ${microsSql("ts")} as _us
       from track_events ${where} order by ts desc, id desc limit ${where.param(limit + 1)}`,
      where.params,
    );
    const page = pageOf(LIST, r.rows, limit, (e) => ({ us: e._us, id: e.id }));
    return c.json({
      events: page.items.map((e) => ({
        // bigserial arrives from node-pg as a string; ids stay far below 2^53.
        id: Number(e.id),
        camera: e.camera,
        track_id: e.track_id,
        event: e.event,
        ts: e.ts.toISOString(),
        before: e.before ?? null,
        after: e.after ?? null,
      })),
      next_cursor: page.next_cursor,
    });
  });

  return app;
}

// Deployed alone (edge host): `deno serve -A functions/events/index.ts` with DATABASE_URL set.
export default standaloneFunction((url) =>
  createEventsApp({ pool: createPool(url), auth: authFromEnv(), corsOrigins: corsOriginsFromEnv() })
);
