/**
 * Analyzer memory: RSS of the analyzer process over a long run at full rate (two cameras:
 * the people clip and the synthetic intersection producing passes), sampled every 10 s.
 * Growth is measured from the end of warm-up (2 min, or 20% of a short run) to the end.
 * Run: deno run -A bench/memory_bench.ts [--minutes 30]
 */
import { parseArgs } from "node:util";
import { startTestDatabase } from "../dev/testing/postgres.ts";
import { devConfigAbsolute, startTestAnalyzer } from "../dev/testing/analyzer.ts";
import { machine, rssMiB, table } from "./_util.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { minutes: { type: "string", default: "30" } },
});
const minutes = Number(values.minutes);
const db = await startTestDatabase();
const ta = await startTestAnalyzer({ databaseUrl: db.url, config: await devConfigAbsolute() });
const { process: analyzer, port } = ta;

const samples: { t: number; rss: number; heap: number; external: number }[] = [];
const _metric = (text: string, name: string) =>
  Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1] ?? NaN) / 2 ** 20;
const t0 = Date.now();
try {
  while (Date.now() - t0 < minutes * 60_000) {
    await new Promise((r) => setTimeout(r, 10_000));
    const pid = analyzer.pid;
    if (!pid) continue;
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text().catch(() => "");
    const s = {
      t: (Date.now() - t0) / 60_000,
      rss: rssMiB(pid),
      heap: _metric(text, "stopline_heap_used_bytes"),
      external: _metric(text, "stopline_external_bytes"),
    };
    samples.push(s);
    console.log(
      `${s.t.toFixed(1)} min: rss ${s.rss.toFixed(0)} MiB, heap ${
        s.heap.toFixed(0)
      } MiB, external ${s.external.toFixed(0)} MiB`,
    );
  }
  const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const frames = [...metrics.matchAll(/stopline_frames_total\{camera="(\w+)"\} (\d+)/g)].map((m) =>
    `${m[1]} ${m[2]}`
  );
  // RSS saw-tooths with garbage collection (±25 MiB here), so compare medians of windows: the
  // fifth of the run after warm-up against the last fifth.
  const warm = Math.min(2, minutes * 0.2);
  const after = samples.filter((s) => s.t >= warm);
  const fifth = Math.max(1, Math.floor(after.length / 5));
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const early = median(after.slice(0, fifth).map((s) => s.rss));
  const late = median(after.slice(-fifth).map((s) => s.rss));
  const heapEarly = median(after.slice(0, fifth).map((s) => s.heap));
  const heapLate = median(after.slice(-fifth).map((s) => s.heap));
  const peak = Math.max(...samples.map((s) => s.rss));
  table(`Analyzer RSS over ${minutes} min, 2 cameras at 10 fps (${machine()})`, [
    "RSS median, first fifth after warm-up",
    "RSS median, last fifth",
    "growth",
    "V8 heap median early / late",
    "peak RSS",
    "frames",
  ], [[
    `${early.toFixed(0)} MiB`,
    `${late.toFixed(0)} MiB`,
    `${(((late - early) / early) * 100).toFixed(1)}%`,
    `${heapEarly.toFixed(0)} / ${heapLate.toFixed(0)} MiB`,
    `${peak.toFixed(0)} MiB`,
    frames.join(", "),
  ]]);
} finally {
  await ta.close();
  await db.close();
}
