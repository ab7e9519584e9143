/**
 * Analyzer memory: RSS of the analyzer process over a long run at full rate (two cameras:
 * the people clip and the synthetic intersection producing passes), sampled every 10 s.
 * Growth is measured from the end of warm-up (2 min, or 20% of a short run) to the end.
 * Run: deno run -A bench/memory_bench.ts [--minutes 30]
 */
import { parseArgs } from "node:util";
import { startTestDatabase } from "../dev/testing/postgres.ts";
import { AnalyzerProcess } from "../dev/analyzer_process.ts";
import { freePort } from "../dev/free_port.ts";
import { resolveFilePath } from "../analyzer/sources.ts";
import { machine, rssMiB, table } from "./_util.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { minutes: { type: "string", default: "30" } },
});
const minutes = Number(values.minutes);
const db = await startTestDatabase();
const dir = await Deno.makeTempDir();
await Deno.writeTextFile(
  `${dir}/a.yaml`,
  (await Deno.readTextFile(resolveFilePath("config/stopline.yaml")))
    .replaceAll("source: samples/", `source: ${resolveFilePath("samples")}/`),
);
const port = freePort();
const analyzer = new AnalyzerProcess({
  env: {
    DATABASE_URL: db.url,
    STOPLINE_CONFIG: `${dir}/a.yaml`,
    STOPLINE_DATA_DIR: dir,
    STOPLINE_MODEL_DIR: resolveFilePath(".data/models"),
    ANALYZER_PORT: String(port),
  },
});
analyzer.start();
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
  const warm = Math.min(2, minutes * 0.2);
  const base = samples.find((s) => s.t >= warm) ?? samples[0];
  const last = samples.at(-1)!;
  const peak = Math.max(...samples.map((s) => s.rss));
  table(`Analyzer RSS over ${minutes} min (${machine()})`, [
    "warm-up RSS",
    "final RSS",
    "peak",
    "growth after warm-up",
    "frames",
  ], [[
    `${base.rss.toFixed(0)} MiB at ${base.t.toFixed(1)} min`,
    `${last.rss.toFixed(0)} MiB`,
    `${peak.toFixed(0)} MiB`,
    `${(((last.rss - base.rss) / base.rss) * 100).toFixed(1)}%`,
    frames.join(", "),
  ]]);
} finally {
  await analyzer.stop();
  await db.close();
  await Deno.remove(dir, { recursive: true });
}
