/**
 * What reviews say about the stop judge, and the records board (issue #13 §3):
 * - GET /api/stats/reviews?camera&after&before — from reviewed passes (their latest review; the
 *   window is on exited_at): a confusion table judged × actual verdict, and per verdict its
 *   precision (of the passes judged V, the share a reviewer agreed were V) and recall (of the
 *   passes that really were V, the share judged V). null where nothing was reviewed.
 * - GET /api/stats/records?camera&after&before&limit=10 — the longest stops, the fastest no-stops
 *   (road speed first when calibrated, then px/s) and the most recent violations (rolling or no
 *   stop).
 */
import type { Hono } from "hono";
import { getClaims } from "../_shared/auth.ts";
import type { DbPool } from "../_shared/db.ts";
import {
  QueryParams,
  SqlWhere,
  timeWindow,
  visibleCameras,
  whereCameraTime,
} from "../_shared/query.ts";
import { type Verdict, VERDICTS } from "../../shared/verdict.ts";

type _Table = Record<Verdict, Record<Verdict, number>>;

export function mountReviewStatsRoutes(app: Hono, pool: DbPool): void {
  app.get("/api/stats/reviews", async (c) => {
    const q = new QueryParams(c.req.url);
    const w = whereCameraTime(
      new SqlWhere(),
      visibleCameras(getClaims(c)!, q.cameras()),
      timeWindow(q),
      "exited_at",
    );
    const r = await pool.query<{ judged: Verdict; actual: Verdict; n: number }>(
      `select l.judged_verdict as judged, l.actual_verdict as actual, count(*)::int as n
       from (select id from vehicle_passes ${w}) p
       join lateral (select judged_verdict, actual_verdict from pass_reviews r
                     where r.pass_id = p.id order by r.id desc limit 1) l on true
       group by 1, 2`,
      w.params,
    );
    const confusion = Object.fromEntries(
      VERDICTS.map((j) => [j, Object.fromEntries(VERDICTS.map((a) => [a, 0]))]),
    ) as _Table;
    for (const row of r.rows) confusion[row.judged][row.actual] += row.n;
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    const per = Object.fromEntries(VERDICTS.map((v) => {
      const judged = sum(VERDICTS.map((a) => confusion[v][a]));
      const actual = sum(VERDICTS.map((j) => confusion[j][v]));
      return [v, {
        judged,
        actual,
        correct: confusion[v][v],
        precision: judged ? confusion[v][v] / judged : null,
        recall: actual ? confusion[v][v] / actual : null,
      }];
    }));
    const reviewed = sum(r.rows.map((x) => x.n));
    const agreed = sum(VERDICTS.map((v) => confusion[v][v]));
    return c.json({
      reviewed,
      accuracy: reviewed ? agreed / reviewed : null,
      verdicts: per,
      /** confusion[judged][actual] = passes. */
      confusion,
    });
  });

  app.get("/api/stats/records", async (c) => {
    const q = new QueryParams(c.req.url);
    const limit = q.int("limit", 1, 50) ?? 10;
    const w = whereCameraTime(
      new SqlWhere(),
      visibleCameras(getClaims(c)!, q.cameras()),
      timeWindow(q),
      "exited_at",
    );
    const list = async (extra: string, order: string) => {
      const where = w.toString() ? `${w} and ${extra}` : `where ${extra}`;
      const r = await pool.query<_RecordRow>(
        `select id, camera, label, verdict, entered_at, exited_at, stop_duration_s,
           entry_speed_px_s, entry_speed_mps, image
         from vehicle_passes ${where} order by ${order} limit ${limit}`,
        w.params,
      );
      return r.rows.map(_record);
    };
    const [longestStops, fastestNoStops, recentViolations] = await Promise.all([
      list("verdict = 'full_stop'", "stop_duration_s desc, exited_at desc, id desc"),
      list(
        "verdict = 'no_stop'",
        "entry_speed_mps desc nulls last, entry_speed_px_s desc, exited_at desc, id desc",
      ),
      list("verdict in ('rolling_stop', 'no_stop')", "exited_at desc, id desc"),
    ]);
    return c.json({
      longest_stops: longestStops,
      fastest_no_stops: fastestNoStops,
      recent_violations: recentViolations,
    });
  });
}

interface _RecordRow {
  id: string;
  camera: string;
  label: string;
  verdict: Verdict;
  entered_at: Date;
  exited_at: Date;
  stop_duration_s: number;
  entry_speed_px_s: number;
  entry_speed_mps: number | null;
  image: string | null;
}

function _record(r: _RecordRow) {
  return {
    id: r.id,
    camera: r.camera,
    label: r.label,
    verdict: r.verdict,
    entered_at: r.entered_at.toISOString(),
    exited_at: r.exited_at.toISOString(),
    stop_duration_s: r.stop_duration_s,
    entry_speed_px_s: r.entry_speed_px_s,
    entry_speed_mps: r.entry_speed_mps,
    image_url: r.image ? `/api/passes/${encodeURIComponent(r.id)}/image` : null,
  };
}
