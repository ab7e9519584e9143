/**
 * Analyzer memory: RSS of the analyzer process over a long run at full rate (two cameras:
 * the people clip and the synthetic intersection producing passes), sampled every 10 s, with
 * where it sits: each isolate's V8 heap (main, inference worker, one decode worker per camera,
 * from /metrics) and the process mappings (malloc arenas vs the rest, from /proc/<pid>/smaps).
 * Growth is measured from the end of warm-up (2 min, or 20% of a short run) to the end.
 * Run: deno run -A bench/memory_bench.ts [--minutes 30] [--env NAME=value ...]
 */
import { parseArgs } from "node:util";
import { startTestDatabase } from "../dev/testing/postgres.ts";
import { devConfigAbsolute, startTestAnalyzer } from "../dev/testing/analyzer.ts";
import { machine, rssByKind, table } from "./_util.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    minutes: { type: "string", default: "30" },
    // Extra analyzer environment, e.g. --env MALLOC_ARENA_MAX=2 (to compare allocator settings).
    env: { type: "string", multiple: true, default: [] },
  },
});
const minutes = Number(values.minutes);
const env = Object.fromEntries(
  values.env.map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
);
const db = await startTestDatabase();
const ta = await startTestAnalyzer({
  databaseUrl: db.url,
  config: await devConfigAbsolute(),
  env,
});
const { process: analyzer, port } = ta;

interface _Sample {
  t: number;
  rss: number;
  /** V8 heap reserved, all isolates. */
  v8: number;
  /** V8 heap in use, per isolate. */
  used: Record<string, number>;
  /** Main isolate: young and old generation, reserved. */
  newSpace: number;
  oldSpace: number;
  malloc: number;
  otherAnon: number;
  files: number;
}
const samples: _Sample[] = [];
const MiB = 2 ** 20;
const _perIsolate = (text: string, name: string) => {
  const out: Record<string, number> = {};
  for (const m of text.matchAll(new RegExp(`^${name}\\{isolate="([^"]+)"\\} (\\S+)$`, "gm"))) {
    out[m[1]] = Number(m[2]) / MiB;
  }
  return out;
};
const _space = (text: string, space: string) =>
  Number(
    new RegExp(`^stopline_heap_space_bytes\\{space="${space}"\\} (\\S+)$`, "m").exec(text)?.[1],
  ) / MiB;
const _sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
const t0 = Date.now();
try {
  while (Date.now() - t0 < minutes * 60_000) {
    await new Promise((r) => setTimeout(r, 10_000));
    const pid = analyzer.pid;
    if (!pid) continue;
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text().catch(() => "");
    const kinds = rssByKind(pid);
    const s: _Sample = {
      t: (Date.now() - t0) / 60_000,
      rss: kinds.total,
      v8: _sum(_perIsolate(text, "stopline_heap_total_bytes")),
      used: _perIsolate(text, "stopline_heap_used_bytes"),
      newSpace: _space(text, "new_space"),
      oldSpace: _space(text, "old_space"),
      malloc: kinds.malloc,
      otherAnon: kinds.otherAnon,
      files: kinds.files,
    };
    samples.push(s);
    const used = Object.entries(s.used).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(", ");
    console.log(
      `${s.t.toFixed(1)} min: rss ${s.rss.toFixed(0)} MiB (malloc ${s.malloc.toFixed(0)}, ` +
        `other anon ${s.otherAnon.toFixed(0)}, files ${s.files.toFixed(0)}), ` +
        `V8 reserved ${s.v8.toFixed(0)} MiB (main: new ${s.newSpace.toFixed(0)}, old ${
          s.oldSpace.toFixed(0)
        }), in use: ${used}`,
    );
  }
  const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const frames = [...metrics.matchAll(/stopline_frames_total\{camera="(\w+)"\} (\d+)/g)].map((m) =>
    `${m[1]} ${m[2]}`
  );
  // RSS saw-tooths with garbage collection, so compare medians of windows: the fifth of the
  // run after warm-up against the last fifth.
  const warm = Math.min(2, minutes * 0.2);
  const after = samples.filter((s) => s.t >= warm);
  const fifth = Math.max(1, Math.floor(after.length / 5));
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const row = (name: string, f: (s: _Sample) => number) => {
    const early = median(after.slice(0, fifth).map(f));
    const late = median(after.slice(-fifth).map(f));
    return [
      name,
      `${early.toFixed(0)} MiB`,
      `${late.toFixed(0)} MiB`,
      `${(late - early >= 0 ? "+" : "")}${(late - early).toFixed(0)} MiB`,
      `${(((late - early) / early) * 100).toFixed(1)}%`,
    ];
  };
  const isolates = Object.keys(samples.at(-1)?.used ?? {});
  table(
    `Analyzer memory over ${minutes} min, 2 cameras at 10 fps (${machine()}${
      values.env.length ? `, ${values.env.join(" ")}` : ""
    }; ${frames.join(", ")} frames)`,
    ["what (medians)", "first fifth after warm-up", "last fifth", "change", "growth"],
    [
      row("RSS", (s) => s.rss),
      row("malloc: main heap + thread arenas", (s) => s.malloc),
      row("other anonymous (V8 pages, stacks, ...)", (s) => s.otherAnon),
      row("V8 heap reserved, all isolates", (s) => s.v8),
      row("V8 main isolate: new space reserved", (s) => s.newSpace),
      row("V8 main isolate: old space reserved", (s) => s.oldSpace),
      ...isolates.map((i) => row(`V8 heap in use: ${i}`, (s) => s.used[i] ?? NaN)),
    ],
  );
  console.log(`peak RSS ${Math.max(...samples.map((s) => s.rss)).toFixed(0)} MiB`);
} finally {
  await ta.close();
  await db.close();
}
