/**
 * Replays the pass speed estimation (analyzer/judge/road_speed.ts `zoneRoadSpeeds`) on the judge
 * inputs recorded by `deno run -A bench/perspective_sweep.ts --record rec.json` (road samples of
 * each pass, its entry / zone / exit instants, the causal fallbacks) and tables the errors of
 * entry, min and max against the oracle's truth, next to what the recorded run judged. The
 * detector (the minutes of the sweep) is not run: an estimator change is measured in seconds.
 *
 *   deno run -A bench/road_speed_replay.ts rec.json [--all]   # --all: every row, not only > 5 %
 *   deno run -A bench/road_speed_replay.ts rec.json --vs-no-edge  # vs the entry without its edge
 */
import { parseArgs } from "node:util";
import {
  type ZoneRoadSpeeds,
  zoneRoadSpeeds,
  type ZoneRoadSpeedsCall,
} from "../analyzer/judge/road_speed.ts";
import type { VehicleTruth } from "../dev/testing/scenes/mod.ts";

interface Run {
  variant: string;
  fps: number;
  vehicles: { id: string; expected: VehicleTruth["expected"] }[];
  calls: ZoneRoadSpeedsCall[];
}

/** Re-runs one recorded call with the current estimator. */
export function replay(c: ZoneRoadSpeedsCall, entryEdge = true): ZoneRoadSpeeds {
  const fb = new Map(c.fallback);
  const edge = entryEdge ? c.entryEdge ?? null : null;
  return zoneRoadSpeeds(c.samples, c.tEntry, c.zoneTs, c.tExit, (t) => fb.get(t) ?? 0, edge);
}

const _rel = (x: number, truth: number | null | undefined) =>
  truth != null && truth > 0 ? x / truth - 1 : null;
const _pct = (x: number | null) => x === null ? "-" : `${x >= 0 ? "+" : ""}${(100 * x).toFixed(1)}`;

if (import.meta.main) {
  const { values: args, positionals } = parseArgs({
    args: Deno.args,
    // --vs-no-edge: compare with the same recording replayed without its entry edges (the entry
    // at the image-interpolated instant, as before roadEntrySpeed) instead of what it judged.
    options: { all: { type: "boolean" }, "vs-no-edge": { type: "boolean" } },
    allowPositionals: true,
  });
  const runs: Run[] = JSON.parse(await Deno.readTextFile(positionals[0]));
  const lines: string[] = [];
  let worst = 0, over7 = 0, over10 = 0, n = 0, changed = 0;
  for (const r of runs) {
    for (const v of r.vehicles) {
      const e = v.expected;
      if (!e.verdict || e.verdict === "parked" || e.entered_at == null) continue;
      // The pass entering nearest the truth (as the sweep matches them).
      const c = r.calls
        .map((c) => ({ c, d: Math.abs(c.tEntry / 1000 - e.entered_at!) }))
        .filter((x) => x.d < 1)
        .sort((a, b) => a.d - b.d)[0]?.c;
      if (!c) {
        lines.push(`| ${r.variant} | ${r.fps} | ${v.id} | no call |`);
        continue;
      }
      const now = replay(c);
      const errs = (s: ZoneRoadSpeeds) => [
        _rel(s.entry, e.entry_speed_mps),
        (e.min_speed_mps ?? 0) > 0.5 ? _rel(s.min, e.min_speed_mps) : null,
        _rel(s.max, e.max_speed_mps),
      ];
      const before = errs(args["vs-no-edge"] ? replay(c, false) : c.result), after = errs(now);
      const m = Math.max(...after.map((x) => Math.abs(x ?? 0)));
      n++;
      worst = Math.max(worst, m);
      if (m > 0.07) over7++;
      if (m > 0.1) over10++;
      const diff = before.some((b, i) => Math.abs((b ?? 0) - (after[i] ?? 0)) > 5e-4);
      if (diff) changed++;
      if (args.all || m > 0.05 || diff) {
        lines.push(
          `| ${r.variant} | ${r.fps} | ${v.id} | ${e.entry_speed_mps?.toFixed(2)} ${
            e.min_speed_mps?.toFixed(2)
          } ${e.max_speed_mps?.toFixed(2)} | ${before.map(_pct).join(" ")} | ${
            after.map(_pct).join(" ")
          } |${m > 0.1 ? " OUT" : m > 0.07 ? " near" : ""}${diff ? " *" : ""}`,
        );
      }
    }
  }
  console.log("| variant | fps | vehicle | truth e/min/max | recorded % | replayed % |");
  console.log(lines.join("\n"));
  console.log(
    `${n} passes: worst ${
      (100 * worst).toFixed(1)
    } %, > 7 %: ${over7}, > 10 %: ${over10}, changed: ${changed}`,
  );
}
