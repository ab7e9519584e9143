/**
 * Writes passes, samples and track events to Postgres in batches, off the analysis loop.
 * Passes go through the durable spool first (none is lost while the database is down);
 * samples and events wait in bounded memory queues and are retried, the oldest dropped (and
 * counted) only if an outage outlasts the bound. Inserts are idempotent.
 *
 * Fleet mode (issue #16 §3): each row is stamped, when it is added, with the lease epoch its
 * camera is held under (`leaseEpoch`); the database drops rows whose epoch is no longer the
 * camera's current, unexpired lease (trigger `stopline_fence`). Those are counted
 * (`rowsRefused`) and never retried: a stale writer's rows are gone, not spooled forever.
 */
import pg from "../../shared/db/pg.ts";
import { PassSpool } from "./pass_spool.ts";
import type { EventRow, PassRecord, SampleRow } from "./records.ts";

export interface DbWriterOptions {
  databaseUrl: string;
  spoolDir: string;
  flushMs?: number;
  maxQueuedRows?: number;
  log?: (msg: string) => void;
  /** Fleet mode: the lease epoch a camera is held under now (null: not held, or no fleet). */
  leaseEpoch?: (camera: string) => number | null;
}

/** A row as queued: stamped with the lease epoch of its camera when it was produced. */
type Fenced<T> = T & { lease_epoch?: number | null };

// Rows the fence will refuse, counted in the same transaction (the same now()) as the inserts.
const COUNT_REFUSED = `
select count(*)::int as n from jsonb_to_recordset($1::jsonb) as x(camera text, lease_epoch bigint)
where not stopline_lease_valid(x.camera, x.lease_epoch)`;

const INSERT_PASSES = `
insert into vehicle_passes (id, camera, track_id, label, verdict, entered_at, exited_at,
  time_in_zone_s, stop_duration_s, min_speed_px_s, entry_speed_px_s, image, quality, samples,
  entry_speed_mps, min_speed_mps, max_speed_mps, lease_epoch)
select x.id, x.camera, x.track_id, x.label, x.verdict, to_timestamp(x.entered_at / 1000.0),
  to_timestamp(x.exited_at / 1000.0), x.time_in_zone_s, x.stop_duration_s, x.min_speed_px_s,
  x.entry_speed_px_s, x.image, coalesce(x.quality, '{}'::jsonb), coalesce(x.samples, '[]'::jsonb),
  x.entry_speed_mps, x.min_speed_mps, x.max_speed_mps, x.lease_epoch
from jsonb_to_recordset($1::jsonb) as x(id text, camera text, track_id int, label text,
  verdict text, entered_at float8, exited_at float8, time_in_zone_s real, stop_duration_s real,
  min_speed_px_s real, entry_speed_px_s real, image text, quality jsonb, samples jsonb,
  entry_speed_mps real, min_speed_mps real, max_speed_mps real, lease_epoch bigint)
on conflict (id) do nothing`;

const INSERT_SAMPLES = `
insert into car_state_history (camera, track_id, ts, cx, cy, speed_px_s, phase, bbox, lease_epoch)
select x.camera, x.track_id, to_timestamp(x.ts / 1000.0), x.cx, x.cy, x.speed_px_s, x.phase,
  array(select jsonb_array_elements_text(x.bbox)::real), x.lease_epoch
from jsonb_to_recordset($1::jsonb) as x(camera text, track_id int, ts float8, cx real, cy real,
  speed_px_s real, phase text, bbox jsonb, lease_epoch bigint)
on conflict do nothing`;

const INSERT_EVENTS = `
insert into track_events (camera, track_id, event, ts, before, after, lease_epoch)
select x.camera, x.track_id, x.event, to_timestamp(x.ts / 1000.0), x.before, x.after,
  x.lease_epoch
from jsonb_to_recordset($1::jsonb) as x(camera text, track_id int, event text, ts float8,
  before jsonb, after jsonb, lease_epoch bigint)
on conflict do nothing`;

export class DbWriter {
  readonly #pool: InstanceType<typeof pg.Pool>;
  readonly #spool: PassSpool;
  readonly #opts: Required<Omit<DbWriterOptions, "leaseEpoch">>;
  readonly #leaseEpoch: ((camera: string) => number | null) | null;
  #passes: Fenced<PassRecord>[] = [];
  #samples: Fenced<SampleRow>[] = [];
  #events: Fenced<EventRow>[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #flushing: Promise<void> | null = null;
  #failures = 0;
  // Rows dropped from the queue heads by the bound (so a flush in flight removes the right ones).
  #droppedSamples = 0;
  #droppedEvents = 0;
  #closed = false;
  readonly #loaded: Promise<void>;

  passesWritten = 0;
  samplesWritten = 0;
  eventsWritten = 0;
  rowsDropped = 0;
  /** Rows the database refused because their lease epoch was stale (fleet mode). */
  rowsRefused = 0;
  lastError = "";
  dbOk = false;

  constructor(opts: DbWriterOptions) {
    const { leaseEpoch, ...rest } = opts;
    this.#opts = { flushMs: 500, maxQueuedRows: 200_000, log: () => {}, ...rest };
    this.#leaseEpoch = leaseEpoch ?? null;
    this.#pool = new pg.Pool({
      connectionString: opts.databaseUrl,
      max: 1,
      connectionTimeoutMillis: 3000,
    });
    this.#pool.on("error", () => {}); // a dropped idle connection is replaced on next use
    this.#spool = new PassSpool(opts.spoolDir);
    // Passes spooled by an earlier run (database down, crash) are replayed first, in order.
    this.#loaded = this.#spool.pending().then((p) => {
      if (p.length) this.#opts.log(`replaying ${p.length} spooled passes`);
      this.#passes.unshift(...p);
      this.#schedule(0);
    });
  }

  /** Durable once this resolves (fsync'd to the spool). */
  async addPass(p: PassRecord): Promise<void> {
    const row = this.#stamp(p);
    await this.#spool.add(row);
    this.#passes.push(row);
    this.#schedule();
  }

  addSamples(rows: SampleRow[]): void {
    this.#samples.push(...(this.#leaseEpoch ? rows.map((r) => this.#stamp(r)) : rows));
    this.#bound();
    this.#schedule();
  }

  addEvent(row: EventRow): void {
    this.#events.push(this.#stamp(row));
    this.#bound();
    this.#schedule();
  }

  get pendingPasses(): number {
    return this.#passes.length;
  }

  /** Write everything now (for SIGTERM and tests); true when nothing is left pending. */
  async flush(): Promise<boolean> {
    await this.#loaded;
    await this.#flushing;
    this.#flushing = this.#flushOnce();
    await this.#flushing;
    this.#flushing = null;
    return this.#passes.length + this.#samples.length + this.#events.length === 0;
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    await this.flush().catch(() => false);
    await this.#pool.end().catch(() => {});
  }

  #stamp<T extends { camera: string }>(row: T): Fenced<T> {
    return this.#leaseEpoch ? { ...row, lease_epoch: this.#leaseEpoch(row.camera) } : row;
  }

  #bound(): void {
    const over = this.#samples.length + this.#events.length - this.#opts.maxQueuedRows;
    if (over <= 0) return;
    const fromSamples = Math.min(over, this.#samples.length);
    this.#samples.splice(0, fromSamples);
    this.#events.splice(0, over - fromSamples);
    this.#droppedSamples += fromSamples;
    this.#droppedEvents += over - fromSamples;
    this.rowsDropped += over;
  }

  #schedule(delay = this.#opts.flushMs): void {
    if (this.#closed || this.#timer !== undefined) return;
    this.#timer = setTimeout(async () => {
      this.#timer = undefined;
      if (!this.#flushing) {
        this.#flushing = this.#flushOnce();
        await this.#flushing;
        this.#flushing = null;
      }
      if (this.#passes.length + this.#samples.length + this.#events.length > 0) {
        // Back off while the database is failing: 0.5 s, 1 s, ... up to 10 s.
        this.#schedule(Math.min(this.#opts.flushMs * 2 ** this.#failures, 10_000));
      }
    }, delay);
  }

  async #flushOnce(): Promise<void> {
    const passes = this.#passes.slice();
    const samples = this.#samples.slice();
    const events = this.#events.slice();
    const d0 = { samples: this.#droppedSamples, events: this.#droppedEvents };
    if (passes.length + samples.length + events.length === 0) return;
    let client;
    try {
      client = await this.#pool.connect();
      await client.query("begin");
      const fenced = [...passes, ...samples, ...events].filter((r) => r.lease_epoch != null);
      const refused = fenced.length
        ? Number(
          (await client.query(COUNT_REFUSED, [
            JSON.stringify(fenced.map((r) => ({ camera: r.camera, lease_epoch: r.lease_epoch }))),
          ])).rows[0].n,
        )
        : 0;
      if (passes.length) await client.query(INSERT_PASSES, [JSON.stringify(passes)]);
      if (samples.length) await client.query(INSERT_SAMPLES, [JSON.stringify(samples)]);
      if (events.length) await client.query(INSERT_EVENTS, [JSON.stringify(events)]);
      await client.query("commit");
      if (refused) {
        this.rowsRefused += refused;
        this.#opts.log(`${refused} rows refused by the lease fence (stale epoch); dropped`);
      }
    } catch (e) {
      await client?.query("rollback").catch(() => {});
      client?.release(true);
      this.#failures = Math.min(this.#failures + 1, 5);
      this.dbOk = false;
      const msg = (e as Error).message;
      if (msg !== this.lastError) this.#opts.log(`database write failed (kept for retry): ${msg}`);
      this.lastError = msg;
      return;
    }
    client.release();
    this.#failures = 0;
    this.dbOk = true;
    this.#passes.splice(0, passes.length);
    this.#samples.splice(0, Math.max(0, samples.length - (this.#droppedSamples - d0.samples)));
    this.#events.splice(0, Math.max(0, events.length - (this.#droppedEvents - d0.events)));
    this.passesWritten += passes.length;
    this.samplesWritten += samples.length;
    this.eventsWritten += events.length;
    await this.#spool.remove(passes);
  }
}
