/** Helpers for the system benchmarks: percentiles, CPU time from /proc, table printing. */

export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

const _TICKS = 100; // USER_HZ on Linux

/** CPU seconds used by a process (user+system), plus its waited-for children when `children`. */
export function cpuSeconds(pid: number | "self" = "self", children = true): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // Fields after the name: state(0) ... utime(11) stime(12) cutime(13) cstime(14).
  const t = Number(f[11]) + Number(f[12]) + (children ? Number(f[13]) + Number(f[14]) : 0);
  return t / _TICKS;
}

/** Resident set size in MiB. */
export function rssMiB(pid: number | "self" = "self"): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(Deno.readTextFileSync(`/proc/${pid}/status`));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** All descendants of a process (for CPU of ffmpeg children that are still running). */
export function descendants(pid: number): number[] {
  const out: number[] = [];
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${e.name}/stat`);
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) out.push(Number(e.name), ...descendants(Number(e.name)));
    } catch { /* exited */ }
  }
  return out;
}

export function table(title: string, header: string[], rows: (string | number)[][]): string {
  const lines = [
    `\n### ${title}\n`,
    `| ${header.join(" | ")} |`,
    `|${header.map(() => "---").join("|")}|`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ];
  const text = lines.join("\n");
  console.log(text);
  return text;
}

export function machine(): string {
  const cpu = /model name\s*:\s*(.+)/.exec(Deno.readTextFileSync("/proc/cpuinfo"))?.[1] ?? "?";
  return `${navigator.hardwareConcurrency} cores (${cpu}), Deno ${Deno.version.deno}, ${
    new Date().toISOString().slice(0, 10)
  }`;
}

/** The analyzer's per-stage latency quantiles for one camera, from its /metrics text. */
export function stageQuantiles(
  metrics: string,
  camera: string,
): { stage: string; p50: number; p95: number; p99: number }[] {
  const out = new Map<string, { stage: string; p50: number; p95: number; p99: number }>();
  const re = /^stopline_stage_ms\{camera="([^"]+)",stage="([^"]+)",quantile="([\d.]+)"\} (\S+)$/gm;
  for (const m of metrics.matchAll(re)) {
    if (m[1] !== camera) continue;
    const row = out.get(m[2]) ?? { stage: m[2], p50: NaN, p95: NaN, p99: NaN };
    const key = ({ "0.5": "p50", "0.95": "p95", "0.99": "p99" } as const)[m[3]];
    if (key) row[key] = Number(m[4]);
    out.set(m[2], row);
  }
  return [...out.values()];
}

/**
 * A process's resident memory by kind, MiB, from /proc/<pid>/smaps: `malloc` = glibc's main
 * heap plus its per-thread arenas (anonymous read-write mappings that start on a 64 MiB
 * boundary: glibc aligns each arena heap to its 64 MiB maximum), `otherAnon` = the remaining
 * anonymous memory (V8 heap pages, thread stacks), `files` = mapped binaries and libraries.
 */
const _ARENA = 64n * 1024n * 1024n;

export function rssByKind(pid: number): {
  total: number;
  malloc: number;
  otherAnon: number;
  files: number;
} {
  const out = { total: 0, malloc: 0, otherAnon: 0, files: 0 };
  let kind: "malloc" | "otherAnon" | "files" = "files";
  for (const line of Deno.readTextFileSync(`/proc/${pid}/smaps`).split("\n")) {
    const map = /^([0-9a-f]+)-[0-9a-f]+ (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (map) {
      const arena = map[3] === "" && map[2].startsWith("rw") &&
        BigInt(`0x${map[1]}`) % _ARENA === 0n;
      const name = map[3];
      kind = name === "[heap]" || arena
        ? "malloc"
        : name === "" || name.startsWith("[")
        ? "otherAnon"
        : "files";
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) {
      const mib = Number(rss[1]) / 1024;
      out[kind] += mib;
      out.total += mib;
    }
  }
  return out;
}
