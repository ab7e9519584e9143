/**
 * Robustness sweep of the calibrated judge (issue #12) on perspective scenes it was not tuned
 * on (persp_rolling_exit of the catalog began here): variants of dev/testing/scenes/perspective_catalog.ts with other rolling, through and
 * approach speeds, stop durations, stop positions in the zone and camera rates, rendered with
 * the same generator and analyzed exactly as analyzer/perspective_test.ts does (real NanoDet,
 * the true calibration, `analyzeScene`). Prints one table row per judged vehicle and rate: verdict,
 * stop error (s) and the relative errors of `entry_speed_mps`, `min_speed_mps` (when the vehicle
 * does not stop) and `max_speed_mps` against the oracle's truth, flagging what is outside the
 * test's limits (±10 %, stops ±0.25 s from 5 fps, ±0.5 s below).
 *
 *   deno run -A bench/perspective_sweep.ts                    # every variant, full and half rate
 *   deno run -A bench/perspective_sweep.ts --variants roll_1p0,through_50kmh --rates 1,2,4
 *
 * Each scene run costs ~20-40 s of CPU on the 2-core CI kind; the whole sweep at two rates takes
 * ~10-15 min there.
 */
import { parseArgs } from "node:util";
import { ensureNanodetOnnx } from "../analyzer/model/nanodet_model.ts";
import { resolveFilePath } from "../analyzer/sources.ts";
import { type ZoneRoadSpeedsCall, zoneRoadSpeedsProbe } from "../analyzer/judge/road_speed.ts";
import { analyzeScene, type PassLine } from "../analyzer/testing_scenes.ts";
import {
  BRAKE_TO_REST,
  LANE_TOWARD_X_M,
  PERSPECTIVE_SCENES,
  perspectiveScene,
  perspectiveVehicle,
  PULL_AWAY,
  renderScene,
  type SceneSpec,
  type VehicleTruth,
  type WorldLeg,
} from "../dev/testing/scenes/mod.ts";

/** The catalog's start and the zone's near edge (m ahead of the camera). */
const START_Y_M = 28;
const ZONE_NEAR_Y_M = 12;

/**
 * Rolling stop: 1 s at `approach` m/s from 28 m, a 1 s ramp down to `v`, `v` through the whole
 * zone, speeding up (to 6 m/s over 1.5 s) `after_m` past the zone's near edge.
 */
function _rolling(v: number, opts: { approach?: number; after_m?: number; fps?: number } = {}) {
  const a = opts.approach ?? 8, after = opts.after_m ?? 0.5;
  const ramped = a + (a + v) / 2;
  const cruise = (START_Y_M - ZONE_NEAR_Y_M + after - ramped) / v;
  return perspectiveScene(
    `roll_${v.toFixed(1).replace(".", "p")}`,
    `slows from ${a} to ${v} m/s through the zone, speeds up ${after} m past it`,
    2 + cruise + 2.5,
    (fps) => [
      perspectiveVehicle("van", fps, { t: 0, X: LANE_TOWARD_X_M, Y: START_Y_M }, [
        { cruise_mps: a, dur: 1 },
        { ramp_mps: [a, v], dur: 1 },
        { cruise_mps: v, dur: cruise },
        { ramp_mps: [v, 6], dur: 1.5 },
        { cruise_mps: 6, dur: 0.5 },
      ], v < 3 ? "rolling_stop" : "no_stop"),
    ],
    { fps: opts.fps },
  );
}

/** Constant speed from 30 m through the zone to 5 m ahead of the camera. */
function _through(kmh: number, fps?: number) {
  const v = kmh / 3.6, dur = (30 - 5) / v;
  return perspectiveScene(`through_${kmh}kmh`, `constant ${kmh} km/h through`, dur + 0.4, (f) => [
    perspectiveVehicle("van", f, { t: 0, X: LANE_TOWARD_X_M, Y: 30 }, [
      { cruise_mps: v, dur },
    ], "no_stop"),
  ], { fps });
}

/**
 * Full stop: 1 s at `approach` m/s from 28 m, braking (to 1 m/s, then 5 m/s² to rest) so the
 * anchor rests at `stop_y` m, `hold` s, then the catalog's pull-away.
 */
function _fullStop(
  name: string,
  opts: { approach?: number; hold?: number; stop_y?: number; fps?: number } = {},
) {
  const a = opts.approach ?? 8, hold = opts.hold ?? 2.5, stopY = opts.stop_y ?? 12.7;
  // The last 0.2 s (1 -> 0 m/s) covers 0.1 m; the brake from a to 1 m/s covers the rest.
  const brake = (START_Y_M - stopY - 0.1 - a) / ((a + 1) / 2);
  const legs: WorldLeg[] = [
    { cruise_mps: a, dur: 1 },
    { ramp_mps: [a, 1], dur: brake },
    BRAKE_TO_REST[1],
    { hold },
    ...PULL_AWAY,
  ];
  return perspectiveScene(
    name,
    `${a} m/s, stops ${hold} s at ${stopY} m`,
    1 + brake + 0.2 + hold + 2.9,
    (fps) => [
      perspectiveVehicle("van", fps, { t: 0, X: LANE_TOWARD_X_M, Y: START_Y_M }, legs, "full_stop"),
    ],
    { fps: opts.fps },
  );
}

/** The variants, by name. */
export const SWEEP_VARIANTS: Record<string, SceneSpec> = Object.fromEntries(
  [
    _rolling(1.0),
    _rolling(2.0),
    _rolling(2.5),
    { ..._rolling(1.5, { after_m: 1.5 }), name: "roll_1p5_late_accel" },
    { ..._rolling(1.5, { approach: 6, fps: 15 }), name: "roll_1p5_15fps" },
    _through(30),
    _through(50),
    { ..._through(30, 5), name: "through_30kmh_5fps" },
    _fullStop("stop_1p5s", { hold: 1.5 }),
    _fullStop("stop_4s", { hold: 4 }),
    _fullStop("stop_6mps", { approach: 6 }),
    _fullStop("stop_7mps_mid_zone", { approach: 7, stop_y: 13.5 }),
    _fullStop("stop_far_edge", { stop_y: 14.5 }),
    _fullStop("stop_15fps", { approach: 7, fps: 15 }),
    _fullStop("stop_5fps_4s", { hold: 4, fps: 5 }),
  ].map((s) => [s.name, s]),
);

export interface SweepRow {
  variant: string;
  fps: number;
  vehicle: string;
  truth: string | null;
  verdict: string | null;
  passes: number;
  stop_err_s: number | null;
  entry_err: number | null;
  min_err: number | null;
  max_err: number | null;
  /** Outside the perspective test's limits. */
  fail: string[];
}

function _rel(judged: number | null | undefined, truth: number | null | undefined): number | null {
  if (judged == null || truth == null || !(truth > 0)) return null;
  return judged / truth - 1;
}

/** One analyzed run's rows (perspective_test's matching: the pass entering nearest the truth). */
export function sweepRows(
  variant: string,
  fps: number,
  vehicles: readonly VehicleTruth[],
  passes: readonly PassLine[],
  speedTol = 0.1,
): SweepRow[] {
  const stopTol = fps >= 5 ? 0.25 : 0.5;
  const judged = vehicles.filter((v) => v.expected.verdict && v.expected.verdict !== "parked");
  return judged.map((v) => {
    const e = v.expected;
    const p = passes
      .map((p) => ({ p, d: Math.abs(p.entered_at / 1000 - e.entered_at!) }))
      .filter((c) => c.d < 1)
      .sort((a, b) => a.d - b.d)[0]?.p;
    const row: SweepRow = {
      variant,
      fps,
      vehicle: v.id,
      truth: e.verdict,
      verdict: p?.verdict ?? null,
      passes: passes.length,
      stop_err_s: p ? p.stop_duration_s - e.stop_duration_s : null,
      entry_err: _rel(p?.entry_speed_mps, e.entry_speed_mps),
      min_err: (e.min_speed_mps ?? 0) > 0.5 ? _rel(p?.min_speed_mps, e.min_speed_mps) : null,
      max_err: _rel(p?.max_speed_mps, e.max_speed_mps),
      fail: [],
    };
    if (!p) row.fail.push("no pass");
    if (passes.length !== judged.length) row.fail.push(`${passes.length} passes`);
    if (p && p.verdict !== e.verdict) row.fail.push("verdict");
    if (row.stop_err_s !== null && Math.abs(row.stop_err_s) > stopTol) row.fail.push("stop");
    for (const k of ["entry_err", "min_err", "max_err"] as const) {
      const x = row[k];
      if (p && (x === null ? k !== "min_err" || (e.min_speed_mps ?? 0) > 0.5 : false)) {
        row.fail.push(k.replace("_err", ""));
      } else if (x !== null && Math.abs(x) > speedTol) row.fail.push(k.replace("_err", ""));
    }
    return row;
  });
}

const _pct = (
  x: number | null,
) => (x === null ? "-" : `${x >= 0 ? "+" : ""}${(100 * x).toFixed(1)} %`);

export function formatSweep(rows: readonly SweepRow[]): string {
  const head =
    "| variant | fps | vehicle | truth | judged | stop err s | entry | min | max | outside limits |";
  const lines = rows.map((r) =>
    `| ${r.variant} | ${r.fps} | ${r.vehicle} | ${r.truth} | ${r.verdict ?? "-"} | ${
      r.stop_err_s === null ? "-" : r.stop_err_s.toFixed(3)
    } | ${_pct(r.entry_err)} | ${_pct(r.min_err)} | ${_pct(r.max_err)} | ${
      r.fail.join(", ") || "-"
    } |`
  );
  return [head, "|---|---|---|---|---|---|---|---|---|---|", ...lines].join("\n");
}

/**
 * Render each scene and analyze it at each rate divisor (spec fps / div, down to 2.5 fps) exactly
 * as analyzer/perspective_test.ts does (real NanoDet, the memoized detector of
 * analyzer/testing_scenes.ts, the scene's true calibration); the rows of every run, with a
 * progress line per run on stderr. bench/camera_sweep.ts shares it. With `recordPath`, each run's
 * judge inputs of the pass speeds (road samples, instants) and the truth are written there, for
 * bench/road_speed_replay.ts.
 */
export async function runSweep(
  specs: readonly SceneSpec[],
  divs: readonly number[],
  recordPath?: string,
): Promise<SweepRow[]> {
  const recorded: {
    variant: string;
    fps: number;
    vehicles: { id: string; expected: VehicleTruth["expected"] }[];
    calls: ZoneRoadSpeedsCall[];
  }[] = [];
  let calls: ZoneRoadSpeedsCall[] = [];
  if (recordPath) zoneRoadSpeedsProbe.record = (c) => calls.push(c);
  const modelPath = await ensureNanodetOnnx(resolveFilePath(".data/models"));
  const tmp = await Deno.makeTempDir({ prefix: "stopline-sweep-" });
  const rows: SweepRow[] = [];
  try {
    for (const spec of specs) {
      const video = `${tmp}/${spec.name}.mp4`;
      const { truth } = await renderScene(spec, video, { truthPath: false });
      for (const div of divs) {
        const fps = spec.fps / div;
        if (fps < 2.5) continue;
        const t0 = performance.now();
        calls = [];
        const { passes } = await analyzeScene({
          spec,
          video,
          fps,
          modelPath,
          objectsDir: `${tmp}/objects`,
        });
        const r = sweepRows(spec.name, fps, truth.vehicles, passes);
        rows.push(...r);
        if (recordPath) {
          const vehicles = truth.vehicles.map((v) => ({ id: v.id, expected: v.expected }));
          recorded.push({ variant: spec.name, fps, vehicles, calls });
          await Deno.writeTextFile(recordPath, JSON.stringify(recorded));
        }
        console.error(
          `${spec.name} @ ${fps} fps: ${((performance.now() - t0) / 1000).toFixed(0)} s ` +
            (r.map((x) => x.fail.join(",") || "ok").join("; ")),
        );
      }
    }
  } finally {
    zoneRoadSpeedsProbe.record = null;
    await Deno.remove(tmp, { recursive: true });
  }
  return rows;
}

if (import.meta.main) {
  const { values: args } = parseArgs({
    args: Deno.args,
    options: {
      variants: { type: "string" },
      rates: { type: "string" },
      json: { type: "string" },
      record: { type: "string" },
      catalog: { type: "boolean" },
    },
  });
  // --catalog: the perspective test's scenes too (PERSPECTIVE_SCENES), after the variants.
  const all: Record<string, SceneSpec> = {
    ...SWEEP_VARIANTS,
    ...(args.catalog ? PERSPECTIVE_SCENES : {}),
  };
  const names = args.variants?.split(",") ??
    Object.keys(SWEEP_VARIANTS).concat(args.catalog ? Object.keys(PERSPECTIVE_SCENES) : []);
  const divs = (args.rates ?? "1,2").split(",").map(Number);
  const specs = names.map((name) => {
    const spec = all[name];
    if (!spec) throw new Error(`unknown variant ${name}: ${Object.keys(all)}`);
    return spec;
  });
  // --record file.json: each run's pass-speed inputs and truth (bench/road_speed_replay.ts).
  const rows = await runSweep(specs, divs, args.record);
  console.log(formatSweep(rows));
  if (args.json) await Deno.writeTextFile(args.json, JSON.stringify(rows, null, 1));
}
