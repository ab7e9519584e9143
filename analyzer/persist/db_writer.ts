/**
 * Writes passes, samples and track events to Postgres in batches, off the analysis loop.
 * Passes go through the durable spool first (none is lost while the database is down);
 * samples and events wait in bounded memory queues and are retried, the oldest dropped (and
 * counted) only if an outage outlasts the bound. Inserts are idempotent.
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
}

const INSERT_PASSES = `
insert into vehicle_passes (id, camera, track_id, label, verdict, entered_at, exited_at,
  time_in_zone_s, stop_duration_s, min_speed_px_s, entry_speed_px_s, image, quality, samples,
  entry_speed_mps, min_speed_mps, max_speed_mps)
select x.id, x.camera, x.track_id, x.label, x.verdict, to_timestamp(x.entered_at / 1000.0),
  to_timestamp(x.exited_at / 1000.0), x.time_in_zone_s, x.stop_duration_s, x.min_speed_px_s,
  x.entry_speed_px_s, x.image, coalesce(x.quality, '{}'::jsonb), coalesce(x.samples, '[]'::jsonb),
  x.entry_speed_mps, x.min_speed_mps, x.max_speed_mps
from jsonb_to_recordset($1::jsonb) as x(id text, camera text, track_id int, label text,
  verdict text, entered_at float8, exited_at float8, time_in_zone_s real, stop_duration_s real,
  min_speed_px_s real, entry_speed_px_s real, image text, quality jsonb, samples jsonb,
  entry_speed_mps real, min_speed_mps real, max_speed_mps real)
on conflict (id) do nothing`;

const INSERT_SAMPLES = `
insert into car_state_history (camera, track_id, ts, cx, cy, speed_px_s, phase, bbox)
select x.camera, x.track_id, to_timestamp(x.ts / 1000.0), x.cx, x.cy, x.speed_px_s, x.phase,
  array(select jsonb_array_elements_text(x.bbox)::real)
from jsonb_to_recordset($1::jsonb) as x(camera text, track_id int, ts float8, cx real, cy real,
  speed_px_s real, phase text, bbox jsonb)
on conflict do nothing`;

const INSERT_EVENTS = `
insert into track_events (camera, track_id, event, ts, before, after)
select x.camera, x.track_id, x.event, to_timestamp(x.ts / 1000.0), x.before, x.after
from jsonb_to_recordset($1::jsonb) as x(camera text, track_id int, event text, ts float8,
  before jsonb, after jsonb)
on conflict do nothing`;

export class DbWriter {
  readonly #pool: InstanceType<typeof pg.Pool>;
  readonly #spool: PassSpool;
  readonly #opts: Required<DbWriterOptions>;
  #passes: PassRecord[] = [];
  #samples: SampleRow[] = [];
  #events: EventRow[] = [];
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
  lastError = "";
  dbOk = false;

  constructor(opts: DbWriterOptions) {
    this.#opts = { flushMs: 500, maxQueuedRows: 200_000, log: () => {}, ...opts };
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
    await this.#spool.add(p);
    this.#passes.push(p);
    this.#schedule();
  }

  addSamples(rows: SampleRow[]): void {
    this.#samples.push(...rows);
    this.#bound();
    this.#schedule();
  }

  addEvent(row: EventRow): void {
    this.#events.push(row);
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
      if (passes.length) await client.query(INSERT_PASSES, [JSON.stringify(passes)]);
      if (samples.length) await client.query(INSERT_SAMPLES, [JSON.stringify(samples)]);
      if (events.length) await client.query(INSERT_EVENTS, [JSON.stringify(events)]);
      await client.query("commit");
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
