/**
 * GET /api/study?camera=&from=&to=&bin=15m&format=json|csv — a traffic count study of one camera
 * (issue #13 §4): per time bin (5m, 15m or 1h, aligned to UTC from the epoch; `from` inclusive,
 * `to` exclusive, by exited_at, so edge bins may be partial) and per vehicle class: the count,
 * the verdict counts and shares, and the median and 85th-percentile approach (zone entry) speed.
 * Percentiles are Postgres `percentile_cont` (linear interpolation between ranks, like
 * Excel PERCENTILE.INC). Speeds are given in px/s always and in m/s when every pass of the row
 * has a road speed (a calibrated camera); `speed_unit` says which is the study's headline unit.
 * Every bin of the window is listed for every class seen in it (zeros included: a count study
 * needs the empty quarter-hours). Attached: the config revision in force at `to` (the latest
 * saved at or before it), whether another one was saved inside the window, and the camera's
 * calibration from that revision.
 */
import type { Context, Hono } from "hono";
import { parse as parseYaml } from "yaml";
import { getClaims } from "../_shared/auth.ts";
import type { DbPool } from "../_shared/db.ts";
import { ApiError } from "../_shared/errors.ts";
import { csvHeaders, csvLine } from "../_shared/csv.ts";
import { QueryParams, visibleCameras } from "../_shared/query.ts";
import { QUIET_YAML } from "../../shared/config.ts";
import { type Study, STUDY_BINS, type StudyBin, type StudyRow } from "../../shared/study.ts";

/** At most this many bins per answer (5-minute bins over ~34 days). */
export const MAX_STUDY_BINS = 10_000;
const DAY_MS = 86_400_000;

export const STUDY_CSV_COLUMNS = [
  "camera",
  "bin_start",
  "bin_end",
  "class",
  "count",
  "full_stop",
  "rolling_stop",
  "no_stop",
  "full_stop_share",
  "rolling_stop_share",
  "no_stop_share",
  "approach_speed_median_px_s",
  "approach_speed_p85_px_s",
  "approach_speed_median_mps",
  "approach_speed_p85_mps",
  "speed_unit",
  "calibrated",
  "config_revision_id",
] as const;

interface _Agg {
  bin: Date;
  label: string;
  n: number;
  full_stop: number;
  rolling_stop: number;
  no_stop: number;
  med_px: number | null;
  p85_px: number | null;
  n_mps: number;
  med_mps: number | null;
  p85_mps: number | null;
}

export function mountStudyRoute(app: Hono, pool: DbPool, now: () => number): void {
  app.get("/api/study", async (c) => {
    const q = new QueryParams(c.req.url);
    const format = q.one("format") ?? "json";
    if (format !== "json" && format !== "csv") {
      throw new ApiError(400, "query parameter format must be json or csv");
    }
    const study = await computeStudy(c, pool, q, now);
    if (format === "json") return c.json(study);
    const rev = study.config_revision?.id ?? "";
    const lines = [csvLine(STUDY_CSV_COLUMNS)];
    for (const r of study.rows) {
      lines.push(csvLine(
        STUDY_CSV_COLUMNS.map((k) =>
          k === "camera"
            ? study.camera
            : k === "speed_unit"
            ? study.speed_unit
            : k === "calibrated"
            ? study.calibration !== null
            : k === "config_revision_id"
            ? rev
            : r[k]
        ),
      ));
    }
    const name = `study-${study.camera}-${study.from.slice(0, 10)}-${study.bin}.csv`;
    return c.body(lines.join(""), 200, csvHeaders(name));
  });
}

async function computeStudy(
  c: Context,
  pool: DbPool,
  q: QueryParams,
  now: () => number,
): Promise<Study> {
  const cameras = q.cameras();
  if (!cameras || cameras.length !== 1) {
    throw new ApiError(400, "query parameter camera must name one camera");
  }
  const camera = visibleCameras(getClaims(c)!, cameras)![0];
  const bin = (q.one("bin") ?? "15m") as StudyBin;
  if (!(bin in STUDY_BINS)) throw new ApiError(400, "query parameter bin must be 5m, 15m or 1h");
  const binMs = STUDY_BINS[bin] * 1000;
  const to = q.time("to") ?? new Date(now());
  const from = q.time("from") ?? new Date(to.getTime() - DAY_MS);
  if (from.getTime() >= to.getTime()) {
    throw new ApiError(400, "query parameter from must be earlier than to");
  }
  const firstBin = Math.floor(from.getTime() / binMs) * binMs;
  if ((to.getTime() - firstBin) / binMs > MAX_STUDY_BINS) {
    throw new ApiError(400, `the window holds more than ${MAX_STUDY_BINS} bins: use a larger bin`);
  }

  const [agg, revision] = await Promise.all([
    pool.query<_Agg>(
      `select date_bin($4::interval, exited_at, timestamptz 'epoch') as bin, label,
         count(*)::int as n,
         count(*) filter (where verdict = 'full_stop')::int as full_stop,
         count(*) filter (where verdict = 'rolling_stop')::int as rolling_stop,
         count(*) filter (where verdict = 'no_stop')::int as no_stop,
         percentile_cont(0.5) within group (order by entry_speed_px_s) as med_px,
         percentile_cont(0.85) within group (order by entry_speed_px_s) as p85_px,
         count(entry_speed_mps)::int as n_mps,
         percentile_cont(0.5) within group (order by entry_speed_mps) as med_mps,
         percentile_cont(0.85) within group (order by entry_speed_mps) as p85_mps
       from vehicle_passes
       where camera = $1 and exited_at >= $2 and exited_at < $3
       group by 1, 2`,
      [camera, from, to, `${STUDY_BINS[bin]} seconds`],
    ),
    _revisionInForce(pool, from, to),
  ]);

  const byKey = new Map(agg.rows.map((r) => [`${r.bin.getTime()}|${r.label}`, r]));
  const classes = [...new Set(agg.rows.map((r) => r.label))].sort();
  const rows: StudyRow[] = [];
  for (let t = firstBin; t < to.getTime(); t += binMs) {
    for (const label of classes) {
      const a = byKey.get(`${t}|${label}`);
      const n = a?.n ?? 0;
      const share = (k: number) => (n ? k / n : null);
      const calibrated = a !== undefined && a.n_mps === n;
      rows.push({
        bin_start: new Date(t).toISOString(),
        bin_end: new Date(t + binMs).toISOString(),
        class: label,
        count: n,
        full_stop: a?.full_stop ?? 0,
        rolling_stop: a?.rolling_stop ?? 0,
        no_stop: a?.no_stop ?? 0,
        full_stop_share: share(a?.full_stop ?? 0),
        rolling_stop_share: share(a?.rolling_stop ?? 0),
        no_stop_share: share(a?.no_stop ?? 0),
        approach_speed_median_px_s: a?.med_px ?? null,
        approach_speed_p85_px_s: a?.p85_px ?? null,
        approach_speed_median_mps: calibrated ? a.med_mps : null,
        approach_speed_p85_mps: calibrated ? a.p85_mps : null,
      });
    }
  }
  const everyPassCalibrated = agg.rows.length > 0 && agg.rows.every((r) => r.n_mps === r.n);
  return {
    camera,
    from: from.toISOString(),
    to: to.toISOString(),
    bin,
    bin_s: STUDY_BINS[bin],
    speed_unit: everyPassCalibrated ? "mps" : "px_s",
    percentile_method: "percentile_cont (linear interpolation between ranks)",
    calibration: _calibrationOf(revision.yaml, camera),
    config_revision: revision.row,
    config_changed_in_window: revision.changedInWindow,
    rows,
  };
}

async function _revisionInForce(pool: DbPool, from: Date, to: Date) {
  const r = await pool.query<{ id: string; created_at: Date; etag: string; yaml: string }>(
    `select id::text, created_at, etag, yaml from config_revisions
     where created_at < $1 order by created_at desc, id desc limit 1`,
    [to],
  );
  const changed = await pool.query<{ n: number }>(
    `select count(*)::int as n from config_revisions where created_at > $1 and created_at < $2`,
    [from, to],
  );
  const row = r.rows[0];
  return {
    yaml: row?.yaml ?? null,
    row: row ? { id: row.id, created_at: row.created_at.toISOString(), etag: row.etag } : null,
    changedInWindow: changed.rows[0].n > 0,
  };
}

/** The camera's `calibration` block of a saved config, or null (none, or unreadable YAML). */
function _calibrationOf(yaml: string | null, camera: string): unknown {
  if (yaml === null) return null;
  try {
    const doc = parseYaml(yaml, QUIET_YAML) as { cameras?: Record<string, unknown> } | null;
    const cam = doc?.cameras?.[camera] as { calibration?: unknown } | undefined;
    return cam?.calibration ?? null;
  } catch {
    return null;
  }
}
