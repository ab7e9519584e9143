/**
 * Replays the pass speed estimation (analyzer/judge/road_speed.ts `zoneRoadSpeeds`) on the judge
 * inputs recorded by `deno run -A bench/perspective_sweep.ts --record rec.json` (road samples of
 * each pass, its entry / zone / exit instants, the causal fallbacks) and tables the errors of
 * entry, min and max against the oracle's truth, next to what the recorded run judged. The
 * detector (the minutes of the sweep) is not run: an estimator change is measured in seconds.
 *
 *   deno run -A bench/road_speed_replay.ts rec.json [--all]   # --all: every row, not only > 5 %
 *   deno run -A bench/road_speed_replay.ts rec.json --vs-no-edge  # vs the entry without its edge
 *   deno run -A bench/road_speed_replay.ts h3.json --exact  # + truth at the judged instants, and
 *                                                          # the replay on true positions
 *
 * --exact (recordings of bench/held_out_scenes.ts, which keep each vehicle's true ground track)
 * splits each pass's error three ways: the truth's own speed at the judged entry and exit instants
 * (the instant's error), the estimator replayed on the true ground points at the same sample times
 * in place of the detector's anchors (the fit's error), and the difference from the plain replay
 * (the anchors' error).
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
  vehicles: {
    id: string;
    expected: VehicleTruth["expected"];
    /** The true ground track, [s, X m, Y m] per rendered frame (held-out recordings). */
    ground?: [number, number, number][];
  }[];
  calls: ZoneRoadSpeedsCall[];
}

/** Re-runs one recorded call with the current estimator. */
export function replay(c: ZoneRoadSpeedsCall, entryEdge = true): ZoneRoadSpeeds {
  const fb = new Map(c.fallback);
  const edge = entryEdge ? c.entryEdge ?? null : null;
  return zoneRoadSpeeds(c.samples, c.tEntry, c.zoneTs, c.tExit, (t) => fb.get(t) ?? 0, edge);
}

/** The true ground point (m) at `t` s, linear between the track's frames. */
export function groundAt(g: readonly [number, number, number][], t: number): [number, number] {
  let k = 1;
  while (k < g.length - 1 && g[k][0] < t) k++;
  const a = g[k - 1], b = g[k];
  const u = b[0] > a[0] ? Math.min(1, Math.max(0, (t - a[0]) / (b[0] - a[0]))) : 0;
  return [a[1] + u * (b[1] - a[1]), a[2] + u * (b[2] - a[2])];
}

/**
 * The true road speed (m/s) at `t` s: each frame step's mean speed at its midpoint, linear between
 * them (exact within the drives' constant-acceleration legs, as the oracle's `_roadSpeedAt`).
 */
export function groundSpeedAt(g: readonly [number, number, number][], t: number): number {
  const mid = (i: number) => ({
    t: (g[i][0] + g[i + 1][0]) / 2,
    v: Math.hypot(g[i + 1][1] - g[i][1], g[i + 1][2] - g[i][2]) / (g[i + 1][0] - g[i][0]),
  });
  if (g.length < 2) return 0;
  let k = 0;
  while (k < g.length - 3 && mid(k + 1).t < t) k++;
  const a = mid(k), b = g.length > 2 ? mid(k + 1) : a;
  const u = b.t > a.t ? Math.min(1, Math.max(0, (t - a.t) / (b.t - a.t))) : 0;
  return a.v + u * (b.v - a.v);
}

/** The call with its samples' positions put on the true ground track (their ts and sigma_m kept). */
export function onTruth(
  c: ZoneRoadSpeedsCall,
  g: readonly [number, number, number][],
): ZoneRoadSpeedsCall {
  return {
    ...c,
    samples: c.samples.map((s) => {
      const [X, Y] = groundAt(g, s.ts / 1000);
      return { ...s, X, Y };
    }),
  };
}

const _rel = (x: number, truth: number | null | undefined) =>
  truth != null && truth > 0 ? x / truth - 1 : null;
const _pct = (x: number | null) => x === null ? "-" : `${x >= 0 ? "+" : ""}${(100 * x).toFixed(1)}`;

if (import.meta.main) {
  const { values: args, positionals } = parseArgs({
    args: Deno.args,
    // --vs-no-edge: compare with the same recording replayed without its entry edges (the entry
    // at the image-interpolated instant, as before roadEntrySpeed) instead of what it judged.
    options: {
      all: { type: "boolean" },
      "vs-no-edge": { type: "boolean" },
      exact: { type: "boolean" },
    },
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
      let exact = "";
      if (args.exact && v.ground?.length) {
        const g = v.ground;
        const atJudged = [
          _rel(groundSpeedAt(g, c.tEntry / 1000), e.entry_speed_mps),
          c.tExit === null ? null : _rel(groundSpeedAt(g, c.tExit / 1000), e.max_speed_mps),
        ];
        exact = ` ${atJudged.map(_pct).join(" ")} | ${
          errs(replay(onTruth(c, g))).map(_pct).join(" ")
        } |`;
      }
      if (args.all || m > 0.05 || diff) {
        lines.push(
          `| ${r.variant} | ${r.fps} | ${v.id} | ${e.entry_speed_mps?.toFixed(2)} ${
            e.min_speed_mps?.toFixed(2)
          } ${e.max_speed_mps?.toFixed(2)} | ${before.map(_pct).join(" ")} | ${
            after.map(_pct).join(" ")
          } |${exact}${m > 0.1 ? " OUT" : m > 0.07 ? " near" : ""}${diff ? " *" : ""}`,
        );
      }
    }
  }
  console.log(
    `| variant | fps | vehicle | truth e/min/max | recorded % | replayed % |${
      args.exact ? " truth at judged entry/exit % | on true positions % |" : ""
    }`,
  );
  console.log(lines.join("\n"));
  console.log(
    `${n} passes: worst ${
      (100 * worst).toFixed(1)
    } %, > 7 %: ${over7}, > 10 %: ${over10}, changed: ${changed}`,
  );
}
