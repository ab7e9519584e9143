/**
 * deno run -A bench/regions_timeline_bench.ts
 * What adaptive detection regions (issue #12 item 3, `detect.regions: auto`) cost on a realistic
 * timeline, against the full frame only: each scene is rendered once and analyzed by the offline
 * pipeline with the real detector, regions off and auto. Regions run only while something small
 * moves or is judged on or near the approach path, so the cost depends on how much of the time
 * the street is busy with far vehicles. Prints inferences per frame, inference ms per frame,
 * wall ms per frame and passes, plus the motion detector's own cost per frame (regions need it).
 */
import { ensureNanodetOnnx } from "../analyzer/model/nanodet_model.ts";
import { MotionDetector } from "../analyzer/pipeline/motion.ts";
import { resolveFilePath } from "../analyzer/sources.ts";
import { analyzeScene } from "../analyzer/testing_scenes.ts";
import {
  FAR_PERSPECTIVE_SCENES,
  renderScene,
  SCENES,
  type SceneSpec,
} from "../dev/testing/scenes/mod.ts";
import { machine, table } from "./_util.ts";

const far = FAR_PERSPECTIVE_SCENES.persp_far_full_stop;
/** A quiet street: 40 s, empty but for one far van (45 m -> full stop at 20 m -> away) at 25 s. */
const quiet: SceneSpec = {
  ...far,
  name: "quiet_far_street",
  duration: 40,
  vehicles: far.vehicles.map((v) => ({
    ...v,
    path: v.path.map((k) => ({ ...k, t: k.t + 25 })),
  })),
};
const scenes: [string, SceneSpec][] = [
  ["quiet street 40 s, one far full stop (27 % busy)", quiet],
  ["far approach (persp_far_full_stop, 11 s)", far],
  ["near van (full_stop, 216 px wide, 12 s)", SCENES.fullStop],
];

const tmp = await Deno.makeTempDir({ prefix: "stopline-regions-" });
const modelPath = await ensureNanodetOnnx(resolveFilePath(".data/models"));
const load = () => Deno.loadavg().map((l) => l.toFixed(1)).join(" ");
const rows: (string | number)[][] = [];
try {
  for (const [label, spec] of scenes) {
    const video = `${tmp}/${spec.name}.mp4`;
    await renderScene(spec, video, { truthPath: false });
    let base = { inf: 0, ms: 0 };
    for (const regions of ["off", "auto"] as const) {
      const loadBefore = load();
      const { summary, passes } = await analyzeScene({
        spec,
        video,
        fps: spec.fps,
        modelPath,
        objectsDir: `${tmp}/objects`,
        regions,
      });
      const inf = (summary.detected_frames + summary.region_inferences) / summary.frames;
      const ms = summary.infer_ms / summary.frames;
      if (regions === "off") base = { inf, ms };
      const row = [
        label,
        regions,
        summary.frames,
        inf.toFixed(2),
        ms.toFixed(1),
        ((summary.wall_s * 1000) / summary.frames).toFixed(1),
        `${(inf / base.inf).toFixed(2)}x / ${(ms / base.ms).toFixed(2)}x`,
        passes.map((p) => p.verdict).join(", ") || "none",
        loadBefore,
      ];
      console.log(row.join(" | "));
      rows.push(row);
    }
  }
  // The motion detector runs on every frame with regions (or gating) on.
  const ff = await new Deno.Command("ffmpeg", {
    args: ["-v", "error", "-i", `${tmp}/${far.name}.mp4`, "-frames:v", "60", "-f", "rawvideo"]
      .concat(["-pix_fmt", "rgb24", "-"]),
    stdout: "piped",
  }).output();
  const W = far.width, H = far.height, n = ff.stdout.length / (W * H * 3);
  const motion = new MotionDetector();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    motion.update({
      width: W,
      height: H,
      data: ff.stdout.subarray(i * W * H * 3, (i + 1) * W * H * 3),
    });
  }
  const motionMs = (performance.now() - t0) / n;
  table(
    `regions off vs auto, ${machine()}, load before each run in the last column`,
    [
      "scene",
      "regions",
      "frames",
      "inferences/frame",
      "inference ms/frame",
      "wall ms/frame",
      "vs off (inferences / ms)",
      "passes",
      "load 1/5/15 min",
    ],
    rows,
  );
  console.log(`\nmotion detector (${W}x${H} -> 160 px wide copy): ${motionMs.toFixed(2)} ms/frame`);
} finally {
  await Deno.remove(tmp, { recursive: true });
}
