/**
 * Camera-geometry sweep of the calibrated judge (issue #12: the grader renders perspective scenes
 * with its own camera). Every perspective scene of the catalog uses one camera (5 m up, pitch
 * 12°, focal 600 px, 768x576, traffic along the optical axis); this renders the same van through
 * other cameras — low, high, long lens, wide, 16:9 frames large and small, roadside cameras
 * looking obliquely across the road — each with its zone, pre-stop line and true calibration
 * placed as an installer would (pre-stop line 3 m before a 3 m deep zone), and analyzes three
 * drives per camera (full stop 2.5 s at the line, rolling stop at 1.5 m/s, constant 36 km/h
 * through) at native 10 fps and half, with bench/perspective_sweep.ts's runner and rows (the
 * real NanoDet, detect.regions at its default `auto`, the memoized detector).
 *
 *   deno run -A bench/camera_sweep.ts                         # every camera, 10 and 5 fps
 *   deno run -A bench/camera_sweep.ts --cameras low,oblique_near --rates 1
 *   deno run -A bench/camera_sweep.ts --geometry              # the geometry table only (no runs)
 *   deno run -A bench/camera_sweep.ts --cameras long_lens --scenes rolling --record /tmp/r.json
 *
 * First prints each camera's geometry (the van's width in px at the pre-stop line and the zone:
 * issue #12's target is >= 40 px at the pre-stop line), then the result table.
 */
import { parseArgs } from "node:util";
import { CAMERAS, cameraScenes, geometry } from "../dev/testing/scenes/camera_catalog.ts";
import { formatSweep, runSweep } from "./perspective_sweep.ts";

export function formatGeometry(names: readonly string[]): string {
  const head =
    "| camera | setup | frame | zone m | pre-stop m | start m | van px at pre-stop | van px at zone far edge |";
  const lines = names.map((n) => {
    const c = CAMERAS[n], g = geometry(c);
    return `| ${n} | ${c.note} | ${c.width}x${c.height} | ${g.zone[0]}-${
      g.zone[1]
    } | ${g.pre_stop_m} | ${g.start_m} | ${g.van_px_pre_stop.toFixed(0)} | ${
      g.van_px_zone.toFixed(0)
    } |`;
  });
  return [head, "|---|---|---|---|---|---|---|---|", ...lines].join("\n");
}

if (import.meta.main) {
  const { values: args } = parseArgs({
    args: Deno.args,
    options: {
      cameras: { type: "string" },
      scenes: { type: "string" },
      rates: { type: "string" },
      json: { type: "string" },
      geometry: { type: "boolean" },
      record: { type: "string" },
    },
  });
  const names = args.cameras?.split(",") ?? Object.keys(CAMERAS);
  for (const n of names) {
    if (!CAMERAS[n]) throw new Error(`unknown camera ${n}: ${Object.keys(CAMERAS)}`);
  }
  console.log(formatGeometry(names));
  if (args.geometry) Deno.exit(0);
  const kinds = args.scenes?.split(",");
  const specs = names.flatMap((n) => cameraScenes(n, CAMERAS[n]))
    .filter((s) => !kinds || kinds.includes(s.name.slice(s.name.lastIndexOf("-") + 1)));
  const t0 = performance.now();
  // --record file.json: each run's pass-speed inputs and truth (bench/road_speed_replay.ts).
  const rows = await runSweep(specs, (args.rates ?? "1,2").split(",").map(Number), args.record);
  console.log(formatSweep(rows));
  console.error(`${((performance.now() - t0) / 60000).toFixed(1)} min`);
  if (args.json) await Deno.writeTextFile(args.json, JSON.stringify(rows, null, 1));
}
