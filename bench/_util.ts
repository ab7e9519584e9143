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
