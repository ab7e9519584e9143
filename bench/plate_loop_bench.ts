/**
 * Plate privacy and the camera's frame loop (issue #13 §6): a live camera (the sample scene read
 * at its native 10 fps, real NanoDet in its inference worker) with `privacy.blur: [plate]` (the
 * real PP-OCRv4 search in its worker) against the same camera without privacy: frames processed
 * and dropped over the file, the loop's time per frame (mean, max) and the longest gap between
 * ticks. Then the plate search's CPU per vehicle: the van of 21 frames searched one after another
 * in the worker, process CPU from /proc (the main thread idles meanwhile).
 * Run: deno run -A bench/plate_loop_bench.ts
 */
import { parseConfigYaml } from "../shared/config.ts";
import type { Box } from "../shared/geometry.ts";
import { CameraPipeline } from "../analyzer/pipeline/camera_pipeline.ts";
import type { PipelineSink } from "../analyzer/pipeline/sink.ts";
import { InferenceClient } from "../analyzer/detector/inference_client.ts";
import { ensureNanodetOnnx } from "../analyzer/model/nanodet_model.ts";
import { ensureTextDetOnnx } from "../analyzer/model/text_det_model.ts";
import { PlateSearchWorker, sharedPlateSearch } from "../analyzer/capture/plate_search.ts";
import { resolveFilePath } from "../analyzer/sources.ts";
import { cpuSeconds, machine, table } from "./_util.ts";

const SCENE = resolveFilePath("samples/scenes/full_stop.mp4");
const models = resolveFilePath(".data/models");
const cfg = parseConfigYaml(await Deno.readTextFile(resolveFilePath("config/scenes.yaml")));
const client = await InferenceClient.start(await ensureNanodetOnnx(models), { threads: 1 });
const search = await sharedPlateSearch(models);

async function live(plates: boolean): Promise<(string | number)[]> {
  const camera = {
    ...cfg.cameras.scene,
    ...(plates
      ? { privacy: { blur: ["plate" as const], clips: false, keep_originals: false } }
      : {}),
  };
  const ticks: number[] = [];
  let passes = 0;
  const sink: PipelineSink = {
    tick: () => void ticks.push(performance.now()),
    trackEvent: () => {},
    samples: () => {},
    pass: () => Promise.resolve(void passes++),
  };
  const searchesBefore = search.searches;
  const pipeline = new CameraPipeline("scene", camera, { source: SCENE, realtime: true }, {
    detector: client,
    sink,
    live: true,
    regionSide_px: 416,
  });
  const running = pipeline.start();
  while (pipeline.source.restarts < 1) await new Promise((r) => setTimeout(r, 20));
  const { frames, dropped } = pipeline.stats;
  const loop = { ...pipeline.loop };
  await new Promise((r) => setTimeout(r, 2000)); // the pass's crop, when still searched
  await pipeline.stop();
  await running;
  let gap = 0;
  for (let i = 1; i < ticks.length; i++) gap = Math.max(gap, ticks[i] - ticks[i - 1]);
  return [
    plates ? "plate privacy" : "off",
    frames,
    dropped,
    Number(loop.totalMs / loop.frames).toFixed(1),
    Number(loop.maxMs).toFixed(0),
    gap.toFixed(0),
    search.searches - searchesBefore,
    passes,
  ];
}

const load = () => Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
const rows = [];
for (const plates of [false, true]) rows.push([...await live(plates), load()]);
table(
  `Frame loop, live 768x576 10 fps scene, 12 s (${machine()})`,
  [
    "camera",
    "frames processed",
    "dropped",
    "loop ms/frame",
    "max ms",
    "max tick gap ms",
    "plate searches",
    "passes",
    "load",
  ],
  rows,
);
client.close();
search.close();

// The plate search's CPU per vehicle: 21 frames of the van, one search after another.
const truth = JSON.parse(
  await Deno.readTextFile(resolveFilePath("samples/scenes/full_stop.truth.json")),
);
const [fw, fh] = [768, 576];
const frames = (truth.vehicles[0].frames as { i: number; bbox: Box }[]).filter((f) =>
  f.i % 4 === 0 && f.bbox[0] >= 0 && f.bbox[0] + f.bbox[2] <= fw
);
const raw = (await new Deno.Command("ffmpeg", {
  args: ["-v", "error", "-i", SCENE, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
  stdout: "piped",
}).output()).stdout;
const worker = new PlateSearchWorker(await ensureTextDetOnnx(models));
await worker.start();
const size = fw * fh * 3;
const frameOf = (i: number) => ({
  width: fw,
  height: fh,
  data: raw.subarray(i * size, (i + 1) * size),
});
await worker.detect(frameOf(frames[0].i), frames[0].bbox); // warm-up
const [cpu0, wall0, ms0] = [cpuSeconds("self", false), performance.now(), worker.searchMsTotal];
for (const f of frames) await worker.detect(frameOf(f.i), f.bbox);
const cpu = cpuSeconds("self", false) - cpu0;
const wall = performance.now() - wall0;
table("Plate search per vehicle (PP-OCRv4 det, 960 px, 1 thread, in its worker)", [
  "vehicles",
  "CPU ms per vehicle",
  "worker ms per vehicle",
  "wall ms per vehicle",
  "load",
], [[
  frames.length,
  (cpu * 1000 / frames.length).toFixed(0),
  ((worker.searchMsTotal - ms0) / frames.length).toFixed(0),
  (wall / frames.length).toFixed(0),
  load(),
]]);
worker.close();
