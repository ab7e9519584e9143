/**
 * Analyzer throughput: offline pipeline fps and CPU per stream at 768x576 and 1280x720, next to
 * the inference-only bound of the same model measured in the same run.
 * Run: deno run -A bench/pipeline_bench.ts [--seconds 60]
 */
import { parseArgs } from "node:util";
import { parseConfigYaml } from "../shared/config.ts";
import { ffmpegPath } from "../shared/ffmpeg_path.ts";
import { exists } from "../shared/fs.ts";
import { analyzeFile } from "../analyzer/cli.ts";
import { InferenceClient } from "../analyzer/detector/inference_client.ts";
import { ensureNanodetOnnx } from "../analyzer/model/nanodet_model.ts";
import { resolveFilePath } from "../analyzer/sources.ts";
import { cpuSeconds, machine, table } from "./_util.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { seconds: { type: "string", default: "60" } },
});
const seconds = Number(values.seconds);
const dir = resolveFilePath(".data/bench");
await Deno.mkdir(dir, { recursive: true });
const ff = await ffmpegPath();

/** A clip of `seconds` of vtest at the given size (H.264, GOP 10), made once. */
async function _clip(w: number, h: number): Promise<string> {
  const out = `${dir}/vtest_${w}x${h}_${seconds}s.mp4`;
  if (await exists(out)) return out;
  const r = await new Deno.Command(ff, {
    args: [
      "-v",
      "error",
      "-y",
      "-stream_loop",
      "-1",
      "-i",
      resolveFilePath("samples/vtest.mp4"),
      "-t",
      String(seconds),
      "-vf",
      `scale=${w}:${h}`,
      "-c:v",
      "libx264",
      "-preset",
      "veryfast",
      "-g",
      "10",
      "-bf",
      "0",
      "-pix_fmt",
      "yuv420p",
      out,
    ],
  }).output();
  if (!r.success) throw new Error(new TextDecoder().decode(r.stderr));
  return out;
}

const modelPath = await ensureNanodetOnnx(resolveFilePath(".data/models"));
const camera =
  parseConfigYaml("cameras:\n  b:\n    source: samples/x\n    detect: { fps: 60, min_conf: 0.4 }\n")
    .cameras.b;

// Inference-only bound: detect() on one real frame, repeated (same model, threads, process).
async function _inferenceBound(w: number, h: number, clip: string): Promise<number> {
  const raw = await new Deno.Command(ff, {
    args: ["-v", "error", "-i", clip, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
  }).output();
  const client = await InferenceClient.start(modelPath, { threads: 2 });
  let data = new Uint8Array(raw.stdout);
  for (let i = 0; i < 5; i++) {
    data = new Uint8Array((await client.detect({ width: w, height: h, data }, {})).buffer);
  }
  const n = 100;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    data = new Uint8Array(
      (await client.detect({ width: w, height: h, data }, { minConf: 0.1 })).buffer,
    );
  }
  const fps = n / ((performance.now() - t0) / 1000);
  client.close();
  return fps;
}

const rows: (string | number)[][] = [];
for (const [w, h] of [[768, 576], [1280, 720]]) {
  const clip = await _clip(w, h);
  const bound = await _inferenceBound(w, h, clip);
  const cpu0 = cpuSeconds();
  const t0 = performance.now();
  const s = await analyzeFile({
    source: clip,
    camera,
    cameraId: "b",
    modelPath,
    anchorMs: 0,
    objectsDir: `${dir}/objects`,
    events: false,
    write: () => {},
  });
  const wall = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds() - cpu0;
  const fps = s.frames / wall;
  rows.push([
    `${w}x${h}`,
    s.frames,
    fps.toFixed(1),
    bound.toFixed(1),
    (fps / bound).toFixed(2),
    `${((cpu / wall) * 100).toFixed(0)}%`,
    (cpu / s.frames * 1000).toFixed(1),
    (15 * cpu / s.frames * 100).toFixed(0) + "%",
  ]);
}
table(`Analyzer throughput (${machine()})`, [
  "stream",
  "frames",
  "pipeline fps",
  "inference-only fps",
  "ratio",
  "CPU (of 1 core)",
  "CPU ms/frame",
  "CPU per 15 fps stream",
], rows);
