/**
 * Stop judgements when the analyzer falls behind: the synthetic scenes with a stop (known
 * duration) analyzed at their full frame rate and at the lower rates a busy live analyzer ends
 * up processing (it always takes the newest frame, so it skips the rest). Prints each pass's
 * verdict and stop duration against the truth. Accuracy, not speed: the numbers do not depend
 * on the machine (the pipeline's time is capture time).
 * Stops are re-estimated at pass time (analyzer/judge/stop_refine.ts); this measures that.
 * Run: deno run -A bench/stop_accuracy_bench.ts [--fps 10,5,3.3,2.5,2] [--video-fps 15]
 * (`--video-fps`: render the scenes at that frame rate instead of their own, e.g. to process 15 fps)
 */
import { parseArgs } from "node:util";
import { ensureNanodetOnnx } from "../analyzer/model/nanodet_model.ts";
import { resolveFilePath } from "../analyzer/sources.ts";
import { analyzeScene } from "../analyzer/testing_scenes.ts";
import { renderScene, SCENES, type SceneTruth } from "../dev/testing/scenes/mod.ts";
import { table } from "./_util.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    fps: { type: "string", default: "10,5,3.3,2.5,2" },
    "video-fps": { type: "string" },
  },
});
const rates = values.fps.split(",").map(Number);
const tmp = await Deno.makeTempDir({ prefix: "stopline-accuracy-" });
const modelPath = await ensureNanodetOnnx(resolveFilePath(".data/models"));
const rows: string[][] = [];
const worst = new Map<number, number>();
try {
  const videoFps = values["video-fps"] ? Number(values["video-fps"]) : undefined;
  for (const scene of Object.values(SCENES)) {
    const spec = videoFps ? { ...scene, fps: videoFps } : scene;
    const video = `${tmp}/${spec.name}.mp4`;
    const { truth } = await renderScene(spec, video) as { truth: SceneTruth };
    const stops = truth.vehicles.filter((v) => v.expected.verdict === "full_stop");
    if (!stops.length) continue;
    for (const fps of rates) {
      const { passes } = await analyzeScene({
        spec,
        video,
        fps,
        modelPath,
        objectsDir: `${tmp}/objects`,
      });
      for (const v of stops) {
        // The pass whose entry is nearest the vehicle's true entry.
        const p = passes.toSorted((a, b) =>
          Math.abs(a.entered_at / 1000 - v.expected.entered_at!) -
          Math.abs(b.entered_at / 1000 - v.expected.entered_at!)
        )[0];
        const err = p ? p.stop_duration_s - v.expected.stop_duration_s : NaN;
        worst.set(fps, Math.max(worst.get(fps) ?? 0, Math.abs(err)));
        rows.push([
          `${spec.name} ${v.id}`,
          String(fps),
          `${v.expected.verdict} ${v.expected.stop_duration_s} s`,
          p ? `${p.verdict} ${p.stop_duration_s} s` : "no pass",
          `${err >= 0 ? "+" : ""}${err.toFixed(2)} s`,
        ]);
      }
    }
  }
  table(
    "Stop duration vs processed frame rate (synthetic scenes, NanoDet)",
    ["vehicle", "processed fps", "truth", "judged", "error"],
    rows,
  );
  table(
    "Worst error per rate",
    ["processed fps", "worst error (absolute)"],
    [...worst].map(([fps, e]) => [String(fps), `${e.toFixed(2)} s`]),
  );
} finally {
  await Deno.remove(tmp, { recursive: true });
}
