/**
 * Retention (issue #13 §5): an hourly job in the functions process deletes what is older than
 * the YAML's `retention:` ages, in batches (each batch one short statement: no long locks, the
 * analyzer keeps writing), and counts what it deleted for /metrics. One run at a time across
 * every functions process of a deployment: a run holds a Postgres advisory lock, and a process
 * that cannot take it skips that hour.
 *
 * Kept passes (`keep = true`) and everything they reference are never deleted: their row, its
 * reviews, crop and clip objects (and their privacy originals), and the track's state samples and track events around the
 * pass. Objects are deleted before the row stops naming them, so a crash in between leaves a
 * dangling uri (the API answers "missing"), retried next run, never an orphaned object. An object
 * still named by a kept pass is never deleted, whichever pass is being cleaned.
 *
 * What each age applies to (by time of the data):
 * - samples_days: car_state_history rows (ts);
 * - track_events_days: track_events rows (ts);
 * - camera_status_days: camera_status rows of cameras silent that long (updated_at);
 * - crops_days: the crop object of passes (exited_at), and the pass's `image` column;
 * - clips_days: the clip object, and the pass's clip_uri, clip_start, clip_duration_s;
 * - passes_days: the pass row with its reviews, crop and clip.
 */
import { originalUri } from "../../shared/original_uri.ts";
import type { DbPool } from "../_shared/db.ts";
import type { ObjectStore } from "../../shared/object_store/mod.ts";
import type { RetentionSettings } from "../../shared/config.ts";
import { metricLines } from "../../shared/metrics.ts";
import { redactSecrets } from "../../shared/redact.ts";

/** The advisory lock key of the retention job (migrate.ts uses 7_312_025). */
export const RETENTION_LOCK_KEY = 7_312_026;
export const DEFAULT_RETENTION_INTERVAL_MS = 3_600_000;
export const DEFAULT_BATCH_ROWS = 1000;
/** A track's samples and events this close to a kept pass's zone visit belong to it. */
export const KEPT_MARGIN_S = 60;

export const RETENTION_KINDS = [
  "samples",
  "track_events",
  "camera_status",
  "clips",
  "crops",
  "passes",
  "objects",
] as const;
export type RetentionKind = (typeof RETENTION_KINDS)[number];
export type RetentionCounts = Record<RetentionKind, number>;

export interface RetentionJobOptions {
  pool: DbPool;
  store: ObjectStore;
  /** The settings in force (re-read every run: a config edit applies at the next run). */
  settings: () => Promise<RetentionSettings | undefined>;
  intervalMs?: number;
  batchRows?: number;
  now?: () => number;
  log?: (msg: string) => void;
}

export interface RetentionJob {
  /** One run now; null when another process holds the lock. */
  runOnce(): Promise<RetentionCounts | null>;
  /** Prometheus lines: deleted totals per kind, runs, skipped runs, last run time. */
  metrics(): string;
  stop(): Promise<void>;
}

function _zero(): RetentionCounts {
  return Object.fromEntries(RETENTION_KINDS.map((k) => [k, 0])) as RetentionCounts;
}

/** Starts the hourly timer (first run after one interval) and returns the job. */
export function startRetentionJob(opts: RetentionJobOptions): RetentionJob {
  const job = createRetentionJob(opts);
  const timer = setInterval(() => {
    void job.runOnce().catch(() => {/* logged by runOnce */});
  }, opts.intervalMs ?? DEFAULT_RETENTION_INTERVAL_MS);
  return {
    ...job,
    async stop() {
      clearInterval(timer);
      await job.stop();
    },
  };
}

export function createRetentionJob(opts: RetentionJobOptions): RetentionJob {
  const log = opts.log ?? ((m: string) => console.log(`retention: ${m}`));
  const now = opts.now ?? (() => Date.now());
  const batch = opts.batchRows ?? DEFAULT_BATCH_ROWS;
  const totals = _zero();
  let runs = 0;
  let skipped = 0;
  let failures = 0;
  let lastRunS = 0;
  let running: Promise<RetentionCounts | null> | null = null;

  const run = async (): Promise<RetentionCounts | null> => {
    const settings = await opts.settings();
    const counts = _zero();
    const lock = await opts.pool.connect();
    let locked = false;
    try {
      locked = (await lock.query<{ ok: boolean }>(
        "select pg_try_advisory_lock($1) as ok",
        [RETENTION_LOCK_KEY],
      )).rows[0].ok;
      if (!locked) {
        skipped++;
        return null;
      }
      if (settings) await _runAll(opts.pool, opts.store, settings, now(), batch, counts);
      runs++;
      lastRunS = Math.floor(now() / 1000);
      for (const k of RETENTION_KINDS) totals[k] += counts[k];
      const done = RETENTION_KINDS.filter((k) => counts[k]).map((k) => `${k} ${counts[k]}`);
      if (done.length) log(`deleted ${done.join(", ")}`);
      return counts;
    } catch (e) {
      failures++;
      for (const k of RETENTION_KINDS) totals[k] += counts[k];
      log(`run failed: ${redactSecrets((e as Error).message)}`);
      throw e;
    } finally {
      if (locked) {
        await lock.query("select pg_advisory_unlock($1)", [RETENTION_LOCK_KEY]).catch(() => {});
      }
      lock.release();
    }
  };

  return {
    runOnce() {
      // One run per process at a time: an hourly tick during a long run joins it.
      running ??= run().finally(() => (running = null));
      return running;
    },
    metrics() {
      return metricLines(
        "stopline_retention_deleted_total",
        "counter",
        "Rows and objects deleted by retention, by kind.",
        RETENTION_KINDS.map((k) => ({ labels: { kind: k }, value: totals[k] })),
      ) +
        metricLines("stopline_retention_runs_total", "counter", "Completed retention runs.", [
          { value: runs },
        ]) +
        metricLines(
          "stopline_retention_skipped_total",
          "counter",
          "Runs skipped: another process held the retention lock.",
          [{ value: skipped }],
        ) +
        metricLines("stopline_retention_failures_total", "counter", "Failed retention runs.", [
          { value: failures },
        ]) +
        metricLines(
          "stopline_retention_last_run_timestamp_seconds",
          "gauge",
          "Unix time of the last completed run (0: none yet).",
          [{ value: lastRunS }],
        );
    },
    async stop() {
      await running?.catch(() => {});
    },
  };
}

async function _runAll(
  pool: DbPool,
  store: ObjectStore,
  s: RetentionSettings,
  nowMs: number,
  batch: number,
  counts: RetentionCounts,
): Promise<void> {
  const cutoff = (days: number | undefined) =>
    days === undefined ? null : new Date(nowMs - days * 86_400_000);
  const keptTrack = (t: string) =>
    `not exists (select 1 from vehicle_passes k where k.keep and k.camera = ${t}.camera
       and k.track_id = ${t}.track_id
       and ${t}.ts between k.entered_at - interval '${KEPT_MARGIN_S} seconds'
                       and k.exited_at + interval '${KEPT_MARGIN_S} seconds')`;

  const samples = cutoff(s.samples_days);
  if (samples) {
    counts.samples += await _deleteInBatches(
      pool,
      `delete from car_state_history where ctid in (
         select ctid from car_state_history h where h.ts < $1 and ${keptTrack("h")} limit $2)`,
      samples,
      batch,
    );
  }
  const events = cutoff(s.track_events_days);
  if (events) {
    counts.track_events += await _deleteInBatches(
      pool,
      `delete from track_events where id in (
         select id from track_events e where e.ts < $1 and ${keptTrack("e")} limit $2)`,
      events,
      batch,
    );
  }
  const status = cutoff(s.camera_status_days);
  if (status) {
    counts.camera_status += (await pool.query(
      "delete from camera_status where updated_at < $1",
      [status],
    )).rowCount ?? 0;
  }

  const clips = cutoff(s.clips_days);
  if (clips) {
    counts.clips += await _dropObjects(pool, store, "clip_uri", clips, batch, counts, [
      "clip_start",
      "clip_duration_s",
    ]);
  }
  const crops = cutoff(s.crops_days);
  if (crops) counts.crops += await _dropObjects(pool, store, "image", crops, batch, counts);

  const passes = cutoff(s.passes_days);
  if (passes) {
    const columns = ["image", "clip_uri"];
    for (;;) {
      const r = await pool.query<Record<string, string | null> & { id: string }>(
        `select id, ${columns.join(", ")} from vehicle_passes
         where not keep and exited_at < $1 order by exited_at limit $2`,
        [passes, batch],
      );
      if (!r.rows.length) break;
      const uris = r.rows.flatMap((row) => columns.map((c) => row[c])).filter(
        (u): u is string => typeof u === "string",
      );
      counts.objects += await _deleteObjects(pool, store, uris, columns);
      const del = await pool.query(
        "delete from vehicle_passes where id = any($1::text[]) and not keep",
        [r.rows.map((row) => row.id)],
      );
      counts.passes += del.rowCount ?? 0;
      if (r.rows.length < batch) break;
    }
  }
}

/** Deletes with `sql` ($1 cutoff, $2 batch size) until a batch comes back short. */
async function _deleteInBatches(
  pool: DbPool,
  sql: string,
  cutoff: Date,
  batch: number,
): Promise<number> {
  let total = 0;
  for (;;) {
    const n = (await pool.query(sql, [cutoff, batch])).rowCount ?? 0;
    total += n;
    if (n < batch) return total;
  }
}

/**
 * Deletes the objects `column` names on unkept passes older than `cutoff`, then clears the
 * column; returns how many passes lost that evidence.
 */
async function _dropObjects(
  pool: DbPool,
  store: ObjectStore,
  column: string,
  cutoff: Date,
  batch: number,
  counts: RetentionCounts,
  alsoClear: string[] = [],
): Promise<number> {
  const clear = [column, ...alsoClear].map((c) => `${c} = null`).join(", ");
  let total = 0;
  for (;;) {
    const r = await pool.query<{ id: string; uri: string }>(
      `select id, ${column} as uri from vehicle_passes
       where not keep and exited_at < $1 and ${column} is not null
       order by exited_at limit $2`,
      [cutoff, batch],
    );
    if (!r.rows.length) return total;
    counts.objects += await _deleteObjects(pool, store, r.rows.map((x) => x.uri), [column]);
    const upd = await pool.query(
      `update vehicle_passes set ${clear}
       where id = any($1::text[]) and not keep and ${column} = any($2::text[])`,
      [r.rows.map((x) => x.id), r.rows.map((x) => x.uri)],
    );
    total += upd.rowCount ?? 0;
    if (r.rows.length < batch) return total;
  }
}

/** Deletes the objects no kept pass names (in any of `columns`); returns how many. */
async function _deleteObjects(
  pool: DbPool,
  store: ObjectStore,
  uris: string[],
  columns: string[],
): Promise<number> {
  if (!uris.length) return 0;
  const kept = await pool.query<{ uri: string }>(
    columns.map((c) =>
      `select ${c} as uri from vehicle_passes where keep and ${c} = any($1::text[])`
    ).join(" union "),
    [uris],
  );
  const keep = new Set(kept.rows.map((r) => r.uri));
  let n = 0;
  for (const uri of new Set(uris)) {
    if (keep.has(uri) || !uri.startsWith("minio://")) continue;
    await store.delete(uri);
    // A privacy camera's kept original (keep_originals) goes with its crop or clip (missing is
    // fine); a kept pass's uri never gets here, so its originals stay with it.
    if (uri.includes("/passes/") || uri.includes("/clips/")) await store.delete(originalUri(uri));
    n++;
  }
  return n;
}
