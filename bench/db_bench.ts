/**
 * Database writes: batched samples/events throughput (rows/s) and pass write latency (durable
 * spool + commit), against a real Postgres (embedded, or TEST_DATABASE_URL).
 * Run: deno run -A bench/db_bench.ts [--rows 100000]
 */
import { parseArgs } from "node:util";
import { startTestDatabase } from "../dev/testing/postgres.ts";
import { DbWriter } from "../analyzer/persist/db_writer.ts";
import type { SampleRow } from "../analyzer/persist/records.ts";
import { testPassRecord } from "../analyzer/persist/testing.ts";
import { machine, percentile, table } from "./_util.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { rows: { type: "string", default: "100000" } },
});
const total = Number(values.rows);
const db = await startTestDatabase();
const spool = await Deno.makeTempDir();
const w = new DbWriter({ databaseUrl: db.url, spoolDir: spool, flushMs: 200 });
const rows: (string | number)[][] = [];
try {
  // Samples: 20 tracks x 4 Hz per camera is 80 rows/s; this pushes far beyond to find the ceiling.
  const t0 = performance.now();
  const batch = 1000;
  for (let i = 0; i < total; i += batch) {
    const chunk: SampleRow[] = [];
    for (let j = i; j < Math.min(total, i + batch); j++) {
      chunk.push({
        camera: "cam_01",
        track_id: j % 50,
        ts: 1_763_700_000_000 + j,
        cx: 100,
        cy: 200,
        speed_px_s: 12.5,
        phase: "approach",
        bbox: [0.1, 0.2, 0.05, 0.04],
      });
    }
    w.addSamples(chunk);
    if (w.pendingPasses === 0 && i % 20000 === 0) await w.flush();
  }
  await w.flush();
  const s = (performance.now() - t0) / 1000;
  rows.push([
    "samples (car_state_history), batched",
    total,
    (total / s).toFixed(0) + " rows/s",
    "-",
    "-",
  ]);

  for (let i = 0; i < total / 10; i += batch) {
    for (let j = i; j < Math.min(total / 10, i + batch); j++) {
      w.addEvent({
        camera: "cam_01",
        track_id: j,
        event: "new",
        ts: 1_763_700_000_000 + j,
        before: null,
        after: { id: j },
      });
    }
  }
  const e0 = performance.now();
  await w.flush();
  const es = (performance.now() - e0) / 1000;
  rows.push([
    "track events, batched",
    total / 10,
    ((total / 10) / es).toFixed(0) + " rows/s",
    "-",
    "-",
  ]);

  const lat: number[] = [];
  for (let i = 0; i < 100; i++) {
    const p = testPassRecord(i, {
      id: `cam_01:1:${i}`,
      entered_at: 1_763_700_000_000 + i * 1000,
      exited_at: 1_763_700_004_000 + i * 1000,
      samples: Array.from(
        { length: 80 },
        (_, k) => ({ ts: k * 100, cx: k, cy: 230, speed_px_s: 10, phase: "in_zone" }),
      ),
    });
    const t = performance.now();
    await w.addPass(p); // fsync'd to the spool
    await w.flush(); // committed
    lat.push(performance.now() - t);
  }
  rows.push([
    "pass (80 samples): spool fsync + commit",
    100,
    "-",
    `${percentile(lat, 50).toFixed(1)} ms`,
    `${percentile(lat, 99).toFixed(1)} ms`,
  ]);
} finally {
  await w.close();
  await db.close();
  await Deno.remove(spool, { recursive: true });
}
table(`Database writes (${machine()})`, [
  "what",
  "count",
  "throughput",
  "p50 latency",
  "p99 latency",
], rows);
