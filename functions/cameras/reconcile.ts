/**
 * Reconcile MediaMTX with the `cameras` table, which is the source of truth: every enabled camera
 * has a path named after its id with the wanted conf (missing -> add, drifted -> patch), and every
 * path stopline owns (listed in `mediamtx_owned_paths`) that no enabled camera wants is deleted.
 * Paths stopline does not own (mediamtx.yml, other tools) are never touched.
 *
 * Runs at start-up and then periodically: MediaMTX keeps API-made paths in memory only, so after
 * a MediaMTX restart the next pass puts them back. A transaction-scoped advisory lock serializes
 * reconcile passes (several functions replicas) with the camera API's writes, so a pass never
 * deletes a path a concurrent create has just added.
 */
import type { DbPool } from "../_shared/db.ts";
import type { SecretBox } from "../_shared/secret_box.ts";
import { drifted, type MediaMtxClient, pathConfFor } from "./mediamtx_client.ts";

/** Arbitrary, stable: the advisory lock shared by camera writes and reconcile passes. */
export const CAMERAS_LOCK_KEY = 7_312_026;

export interface ReconcileReport {
  added: string[];
  patched: string[];
  deleted: string[];
  /** Per path (or "*" for the whole pass), redacted. */
  errors: { path: string; error: string }[];
}

type Query = (sql: string, params?: unknown[]) => Promise<{ rows: Record<string, unknown>[] }>;

export async function reconcile(
  pool: DbPool,
  box: SecretBox,
  mediamtx: MediaMtxClient,
): Promise<ReconcileReport> {
  const report: ReconcileReport = { added: [], patched: [], deleted: [], errors: [] };
  const client = await pool.connect();
  const q: Query = (sql, params) => client.query(sql, params);
  try {
    await q("begin");
    await q("select pg_advisory_xact_lock($1)", [CAMERAS_LOCK_KEY]);
    await _reconcileLocked(q, box, mediamtx, report);
    await q("commit");
  } catch (e) {
    await q("rollback").catch(() => {});
    report.errors.push({ path: "*", error: (e as Error).message });
  } finally {
    client.release();
  }
  return report;
}

async function _reconcileLocked(
  q: Query,
  box: SecretBox,
  mediamtx: MediaMtxClient,
  report: ReconcileReport,
): Promise<void> {
  const rows = (await q("select id, source_sealed from cameras where enabled order by id")).rows;
  const owned = new Set(
    (await q("select name from mediamtx_owned_paths")).rows.map((r) => r.name as string),
  );
  const actual = new Map((await mediamtx.list()).map((p) => [p.name as string, p]));
  const wanted = new Set<string>();
  for (const row of rows) {
    const id = row.id as string;
    wanted.add(id);
    try {
      const conf = pathConfFor(await box.open(row.source_sealed as string, id));
      const have = actual.get(id);
      // Ownership is recorded before the path exists, so a crash in between cannot orphan it.
      if (!owned.has(id)) await q("insert into mediamtx_owned_paths (name) values ($1)", [id]);
      if (!have) {
        await mediamtx.ensure(id, conf);
        report.added.push(id);
      } else if (drifted(have, conf)) {
        await mediamtx.update(id, conf);
        report.patched.push(id);
      }
    } catch (e) {
      report.errors.push({ path: id, error: (e as Error).message });
    }
  }
  for (const name of owned) {
    if (wanted.has(name)) continue;
    try {
      if (actual.has(name)) {
        await mediamtx.remove(name);
        report.deleted.push(name);
      }
      await q("delete from mediamtx_owned_paths where name = $1", [name]);
    } catch (e) {
      report.errors.push({ path: name, error: (e as Error).message });
    }
  }
}

export interface Reconciler {
  /** The first pass (start-up). */
  first: Promise<ReconcileReport>;
  close(): Promise<void>;
}

/** Reconcile now and every `intervalMs`; passes never overlap. */
export function startReconciler(
  pool: DbPool,
  box: SecretBox,
  mediamtx: MediaMtxClient,
  opts: { intervalMs?: number; log?: (msg: string) => void } = {},
): Reconciler {
  const log = opts.log ?? ((m: string) => console.log(`cameras: ${m}`));
  let running: Promise<ReconcileReport> | null = null;
  const pass = () => {
    running ??= reconcile(pool, box, mediamtx).then((r) => {
      running = null;
      if (r.added.length || r.patched.length || r.deleted.length || r.errors.length) {
        log(
          `reconcile: added [${r.added}] patched [${r.patched}] deleted [${r.deleted}]` +
            r.errors.map((e) => `; ${e.path}: ${e.error}`).join(""),
        );
      }
      return r;
    });
    return running;
  };
  const first = pass();
  const timer = setInterval(pass, opts.intervalMs ?? 30_000);
  return {
    first,
    async close() {
      clearInterval(timer);
      await running;
    },
  };
}
