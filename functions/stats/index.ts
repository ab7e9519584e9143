/**
 * stats: GET /api/stats?camera&after&before&bucket=hour — the dashboard numbers for a window of
 * passes (default: the last 24 h, by exited_at; `after` inclusive, `before` exclusive):
 * passes per UTC hour (every hour of the window, zeros included, so charts need no gap logic),
 * verdict totals, a stop-duration histogram (0.5 s bins over 0-10 s plus an open bin for 10 s
 * and more) and the live status of each camera (online = reported within 10 s, by the
 * database clock, which also stamped the report).
 * Also GET /api/study (study.ts): a count and speed study of one camera, JSON or CSV; and
 * GET /api/stats/reviews, /api/stats/records (review_stats.ts): verdict precision from reviews,
 * and the records board.
 */
import type { Hono } from "hono";
import { authFromEnv, getClaims } from "../_shared/auth.ts";
import { createPool, type DbPool } from "../_shared/db.ts";
import { ApiError } from "../_shared/errors.ts";
import { type ApiCommonOptions, createApiApp, standaloneFunction } from "../_shared/api_app.ts";
import { corsOriginsFromEnv } from "../_shared/cors.ts";
import { QueryParams, SqlWhere, visibleCameras, whereCameraTime } from "../_shared/query.ts";
import type { Verdict } from "../../shared/verdict.ts";
import { mountStudyRoute } from "./study.ts";
import { mountReviewStatsRoutes } from "./review_stats.ts";

export interface StatsOptions extends ApiCommonOptions {
  pool: DbPool;
  now?: () => number;
}

const HOUR_MS = 3_600_000;
const DEFAULT_WINDOW_MS = 24 * HOUR_MS;
/** Longest window: 92 days of hourly buckets (~2200 points) keeps the answer small. */
const MAX_WINDOW_MS = 92 * 24 * HOUR_MS;
export const HISTOGRAM_BIN_S = 0.5;
export const HISTOGRAM_BINS = 20; // 0-10 s, then one open bin
export const ONLINE_WITHIN_S = 10;

type _Counts = Record<Verdict, number>;

export function createStatsApp(opts: StatsOptions): Hono {
  const now = opts.now ?? (() => Date.now());
  const app = createApiApp(["/api/stats/*", "/api/study"], opts);
  mountStudyRoute(app, opts.pool, now);
  mountReviewStatsRoutes(app, opts.pool);

  app.get("/api/stats", async (c) => {
    const q = new QueryParams(c.req.url);
    const cameras = visibleCameras(getClaims(c)!, q.cameras());
    const bucket = q.one("bucket") ?? "hour";
    if (bucket !== "hour") throw new ApiError(400, "query parameter bucket must be hour");
    const before = q.time("before") ?? new Date(now());
    const after = q.time("after") ?? new Date(before.getTime() - DEFAULT_WINDOW_MS);
    const span = before.getTime() - after.getTime();
    if (span < 0) throw new ApiError(400, "query parameter after must not be later than before");
    if (span > MAX_WINDOW_MS) {
      throw new ApiError(400, "the window (before - after) must not exceed 92 days");
    }
    const where = whereCameraTime(new SqlWhere(), cameras, { after, before }, "exited_at");

    const [byHour, histogram, status] = await Promise.all([
      opts.pool.query<{ hour: Date; verdict: Verdict; n: number }>(
        `select date_trunc('hour', exited_at, 'UTC') as hour, verdict, count(*)::int as n
         from vehicle_passes ${where} group by 1, 2`,
        where.params,
      ),
      opts.pool.query<{ bin: number; n: number }>(
        `select least(floor(stop_duration_s / ${HISTOGRAM_BIN_S}), ${HISTOGRAM_BINS})::int as bin,
           count(*)::int as n
         from vehicle_passes ${where} group by 1`,
        where.params,
      ),
      _cameraStatus(opts.pool, cameras),
    ]);

    const verdicts = _zeroCounts();
    const hours = new Map<number, _Counts>();
    for (const r of byHour.rows) {
      const counts = hours.get(r.hour.getTime()) ?? _zeroCounts();
      counts[r.verdict] += r.n;
      verdicts[r.verdict] += r.n;
      hours.set(r.hour.getTime(), counts);
    }
    const passesPerHour = [];
    // Hours overlapping [after, before): UTC hour boundaries, as date_trunc(..., 'UTC') cuts.
    for (
      let h = Math.floor(after.getTime() / HOUR_MS) * HOUR_MS;
      h < before.getTime();
      h += HOUR_MS
    ) {
      const counts = hours.get(h) ?? _zeroCounts();
      passesPerHour.push({
        hour: new Date(h).toISOString(),
        count: counts.full_stop + counts.rolling_stop + counts.no_stop,
        ...counts,
      });
    }
    const bins = new Map(histogram.rows.map((r) => [r.bin, r.n]));
    const stopHistogram = [];
    for (let i = 0; i <= HISTOGRAM_BINS; i++) {
      stopHistogram.push({
        from_s: i * HISTOGRAM_BIN_S,
        to_s: i < HISTOGRAM_BINS ? (i + 1) * HISTOGRAM_BIN_S : null,
        count: bins.get(i) ?? 0,
      });
    }
    return c.json({
      passes_per_hour: passesPerHour,
      verdicts,
      stop_duration_histogram: stopHistogram,
      cameras: status,
    });
  });

  return app;
}

function _zeroCounts(): _Counts {
  return { full_stop: 0, rolling_stop: 0, no_stop: 0 };
}

async function _cameraStatus(pool: DbPool, cameras: string[] | null) {
  const where = new SqlWhere();
  if (cameras) where.and(`camera = any(${where.param(cameras)}::text[])`);
  const r = await pool.query<{
    camera: string;
    fps: number;
    infer_ms: number;
    lag_ms: number;
    dropped: string;
    frames: string;
    updated_at: Date;
    online: boolean;
  }>(
    `select camera, fps, infer_ms, lag_ms, dropped, frames, updated_at,
       updated_at > now() - interval '${ONLINE_WITHIN_S} seconds' as online
     from camera_status ${where} order by camera`,
    where.params,
  );
  return r.rows.map((s) => ({
    camera: s.camera,
    fps: s.fps,
    infer_ms: s.infer_ms,
    lag_ms: s.lag_ms,
    // bigint columns arrive as strings; counters stay far below 2^53.
    dropped: Number(s.dropped),
    frames: Number(s.frames),
    updated_at: s.updated_at.toISOString(),
    online: s.online,
  }));
}

// Deployed alone (edge host): `deno serve -A functions/stats/index.ts` with DATABASE_URL set.
export default standaloneFunction((url) =>
  createStatsApp({ pool: createPool(url), auth: authFromEnv(), corsOrigins: corsOriginsFromEnv() })
);
