/**
 * `deno task analyze` (analyzer/cli.ts) with every pass's speed-estimation inputs recorded
 * (road_speed.ts `zoneRoadSpeedsProbe`): the CLI's arguments after `--record-to FILE`, which gets
 * the `ZoneRoadSpeedsCall`s as a JSON array when the run ends. Why: bench/held_out_scenes.ts runs
 * the CLI as a subprocess (as a grader would), so its passes' road samples are out of reach of the
 * in-process probe; with `--record` it runs this instead, and bench/road_speed_replay.ts replays
 * an estimator change on the held-out scenes in seconds instead of re-running the detector.
 *
 *   deno run -A bench/analyze_recorded.ts --record-to calls.json --source v.mp4 --config c.yaml
 */
import { _main } from "../analyzer/cli.ts";
import { type ZoneRoadSpeedsCall, zoneRoadSpeedsProbe } from "../analyzer/judge/road_speed.ts";

if (import.meta.main) {
  const i = Deno.args.indexOf("--record-to");
  if (i < 0 || i + 1 >= Deno.args.length) throw new Error("usage: --record-to FILE <cli args>");
  const path = Deno.args[i + 1];
  const argv = [...Deno.args.slice(0, i), ...Deno.args.slice(i + 2)];
  const calls: ZoneRoadSpeedsCall[] = [];
  zoneRoadSpeedsProbe.record = (c) => calls.push(c);
  const code = await _main(argv);
  await Deno.writeTextFile(path, JSON.stringify(calls));
  Deno.exit(code);
}
