/**
 * What OpenTelemetry costs per frame: OTLP export unset (no SDK loaded, one null check per frame)
 * against set at the default 1 % sampling and at 100 %, exporting to a real OTLP/HTTP receiver
 * in this process.
 * 1. The hook alone: `FrameTracer.frame()` per frame over many synthetic frames, µs per frame.
 * 2. End to end: the offline pipeline on the full-stop scene (120 frames), ms per frame.
 * Run: deno run -A bench/otel_bench.ts [--frames 20000] [--runs 3]
 */
import { parseArgs } from "node:util";
import { startOtlpReceiver } from "../dev/testing/otlp_receiver.ts";
import { parseConfigYaml } from "../shared/config.ts";
import { startTelemetry, stopTelemetry } from "../shared/telemetry.ts";
import { analyzeFile } from "../analyzer/cli.ts";
import { ensureNanodetOnnx } from "../analyzer/model/nanodet_model.ts";
import {
  type FrameTrace,
  type FrameTracer,
  otelFrameTracer,
} from "../analyzer/pipeline/frame_trace.ts";
import { resolveFilePath } from "../analyzer/sources.ts";
import { machine, percentile, table } from "./_util.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { frames: { type: "string", default: "20000" }, runs: { type: "string", default: "3" } },
});
const hookFrames = Number(values.frames);
const runs = Number(values.runs);

type Mode = { name: string; ratio: string | null };
const MODES: Mode[] = [
  { name: "unset (no SDK)", ratio: null },
  { name: "set, 1 % sampled (default)", ratio: "0.01" },
  { name: "set, 100 % sampled", ratio: "1" },
];

/** The tracer of a mode (null when unset) and the receiver it exports to. */
async function _withMode<T>(
  mode: Mode,
  fn: (tracer: FrameTracer | null, spans: () => number) => Promise<T>,
): Promise<T> {
  if (mode.ratio === null) return await fn(null, () => 0);
  const receiver = startOtlpReceiver();
  const env: Record<string, string> = {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_TRACES_SAMPLER_ARG: mode.ratio,
  };
  const telemetry = (await startTelemetry((n) => env[n], "stopline-bench"))!;
  try {
    const out = await fn(otelFrameTracer(telemetry.tracer), () => receiver.spans.length);
    await telemetry.forceFlush();
    return out;
  } finally {
    await stopTelemetry();
    await receiver.close();
  }
}

function _frame(seq: number, t0: number): FrameTrace {
  const at = t0 + seq * 100;
  return {
    camera: "cam_01",
    seq,
    captureTs: at,
    decodeStartedAt: at,
    arrivedAt: at + 20,
    takenAt: at + 21,
    detectedAt: at + 50,
    inferMs: 25,
    analyzedAt: at + 53,
    publishedAt: at + 54,
    passes: seq % 50 === 0
      ? [{ passId: `p${seq}`, verdict: "full_stop", startedAt: at + 54, endedAt: at + 56 }]
      : [],
  };
}

// 1. The hook alone (what the pipeline calls per frame; unset = the pipeline's `if (tracer)`).
const hookRows: (string | number)[][] = [];
for (const mode of MODES) {
  const perFrameUs: number[] = [];
  await _withMode(mode, async (tracer) => {
    for (let r = 0; r < runs; r++) {
      const t0 = Date.now();
      const start = performance.now();
      for (let i = 0; i < hookFrames; i++) {
        const t = _frame(i, t0);
        if (tracer) tracer.frame(t);
      }
      perFrameUs.push(((performance.now() - start) * 1000) / hookFrames);
      await new Promise((res) => setTimeout(res, 50)); // let the batch exporter run between runs
    }
  });
  hookRows.push([mode.name, hookFrames, percentile(perFrameUs, 50).toFixed(2)]);
}

// 2. End to end on a real clip.
const cfg = parseConfigYaml(await Deno.readTextFile(resolveFilePath("config/scenes.yaml")));
const modelPath = await ensureNanodetOnnx(resolveFilePath(".data/models"));
const pipeRows: (string | number)[][] = [];
for (const mode of MODES) {
  const msPerFrame: number[] = [];
  let spans = 0;
  await _withMode(mode, async (tracer, count) => {
    for (let r = 0; r < runs; r++) {
      const objectsDir = await Deno.makeTempDir();
      const s = await analyzeFile({
        source: resolveFilePath("samples/scenes/full_stop.mp4"),
        camera: cfg.cameras.scene,
        cameraId: "scene",
        modelPath,
        anchorMs: 0,
        objectsDir,
        events: false,
        write: () => {},
        tracer,
      });
      await Deno.remove(objectsDir, { recursive: true });
      msPerFrame.push((s.wall_s * 1000) / s.frames);
    }
    await new Promise((res) => setTimeout(res, 6000)); // the batch processor's 5 s schedule
    spans = count();
  });
  pipeRows.push([
    mode.name,
    runs,
    percentile(msPerFrame, 50).toFixed(2),
    Math.min(...msPerFrame).toFixed(2),
    spans,
  ]);
}

console.log(`\nmachine: ${machine()}`);
table(
  "OpenTelemetry hook per frame (FrameTracer.frame, synthetic frames)",
  ["mode", "frames per run", "µs per frame (median of runs)"],
  hookRows,
);
table(
  "Offline pipeline on samples/scenes/full_stop.mp4 (120 frames) with and without OTLP export",
  ["mode", "runs", "ms per frame (median)", "ms per frame (best)", "spans received"],
  pipeRows,
);
