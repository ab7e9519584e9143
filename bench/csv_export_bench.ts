/**
 * GET /api/passes.csv at scale: rows/s and how much the process grows while streaming, against a
 * real Postgres (embedded, or TEST_DATABASE_URL). The export is streamed in keyset chunks, so
 * the growth should stay near one chunk whatever the row count.
 * Run: deno run -A bench/csv_export_bench.ts [--rows 200000]
 */
import { parseArgs } from "node:util";
import { startTestDatabase } from "../dev/testing/postgres.ts";
import { createPool } from "../functions/_shared/db.ts";
import { createPassesApp } from "../functions/passes/index.ts";
import { LocalObjectStore } from "../shared/object_store/mod.ts";
import { machine, table } from "./_util.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { rows: { type: "string", default: "200000" } },
});
const total = Number(values.rows);
const db = await startTestDatabase();
const pool = createPool(db.url, 2);
const dir = await Deno.makeTempDir();
try {
  await pool.query(
    `insert into vehicle_passes (id, camera, track_id, label, verdict, entered_at, exited_at,
       time_in_zone_s, stop_duration_s, min_speed_px_s, entry_speed_px_s, image, quality)
     select 'cam_01:' || i || ':' || i, 'cam_01', i, 'car', 'full_stop',
       timestamptz '2026-11-01' + i * interval '1 second' - interval '3 second',
       timestamptz '2026-11-01' + i * interval '1 second', 3, 1.5, 0.5, 60,
       'minio://stopline/passes/cam_01/2026-11-01/p' || i || '.jpg',
       '{"coverage": 0.97, "direction": "pre_stop_line", "finalized_by": "exit"}'
     from generate_series(1, $1::int) as i`,
    [total],
  );
  const app = createPassesApp({ pool, store: new LocalObjectStore(dir), auth: { secret: null } });
  const rss0 = Deno.memoryUsage().rss;
  const heap0 = Deno.memoryUsage().heapUsed;
  let peak = rss0;
  let heapPeak = heap0;
  const t0 = performance.now();
  const res = await app.request("/api/passes.csv");
  let bytes = 0;
  let lines = 0;
  for await (const chunk of res.body!) {
    bytes += chunk.byteLength;
    for (const b of chunk) if (b === 10) lines++;
    const m = Deno.memoryUsage();
    peak = Math.max(peak, m.rss);
    heapPeak = Math.max(heapPeak, m.heapUsed);
  }
  const s = (performance.now() - t0) / 1000;
  if (lines !== total + 1) throw new Error(`expected ${total + 1} lines, got ${lines}`);
  console.log(machine());
  console.log(
    table("GET /api/passes.csv", [
      "rows",
      "MB",
      "seconds",
      "rows/s",
      "rss growth MB",
      "heap peak growth MB",
    ], [[
      total,
      (bytes / 1e6).toFixed(1),
      s.toFixed(1),
      Math.round(total / s),
      ((peak - rss0) / 1e6).toFixed(1),
      ((heapPeak - heap0) / 1e6).toFixed(1),
    ]]),
  );
} finally {
  await pool.end();
  await db.close();
  await Deno.remove(dir, { recursive: true });
}
