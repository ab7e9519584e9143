/** Live processes by command line, for tests that check nothing is left running (Linux /proc). */

/** Pids of live processes whose command line holds `marker` (zombies excluded). */
export async function pidsWith(marker: string): Promise<number[]> {
  const out: number[] = [];
  for await (const e of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const cmd = await Deno.readTextFile(`/proc/${e.name}/cmdline`);
      if (!cmd.includes(marker)) continue;
      // "pid (comm) state ...": a zombie has run its course, only its parent has not reaped it.
      const stat = await Deno.readTextFile(`/proc/${e.name}/stat`);
      if (!/\) Z /.test(stat)) out.push(Number(e.name));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}
