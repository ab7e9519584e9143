/**
 * Offline analysis: the live pipeline on a file, as fast as the machine allows, lossless, with
 * capture time from PTS (anchored at --start, default 0 = the file's own timeline), so the same
 * clip gives the same passes on any machine.
 *
 *   deno task analyze --source clip.mp4 [--config config/stopline.yaml] [--camera cam_01]
 *                     [--out passes.jsonl] [--events] [--model file.onnx] [--start ISO]
 *                     [--objects DIR] [--clips]
 *
 * With --clips, every pass gets its replay clip cut from the source file (remuxed, from the
 * keyframe before `entered_at − pre_roll`, the camera's `clips` settings) into the objects
 * directory; the pass line carries `clip_url` (the file), `clip_start` and `clip_duration_s`.
 * A camera with `privacy.clips` has its clips re-encoded with people and plates pixelated from
 * the detector's boxes of every frame, so those passes' lines come after the whole file is
 * analyzed (the post-roll's boxes exist only then).
 * Prints one JSON object per line: every pass, track events with --events, and a final summary.
 * Exit 0 on success; non-zero with a one-line reason on bad input.
 */
import { parseArgs } from "node:util";
import {
  type CameraConfig,
  ConfigError,
  parseConfigYaml,
  redactSecrets,
} from "../shared/config.ts";
import type { PassSummary } from "../shared/events.ts";
import { cropBucket, LocalObjectStore, parseObjectUri } from "../shared/object_store/mod.ts";
import { startTelemetry } from "../shared/telemetry.ts";
import { FileRecording } from "./capture/clip_file_recording.ts";
import { type ClipJob, clipRegions, passClipUri } from "./capture/clip_worker.ts";
import { PrivacyBoxLog } from "./capture/privacy_boxes.ts";
import { InferenceClient } from "./detector/inference_client.ts";
import { ensureNanodetOnnx } from "./model/nanodet_model.ts";
import { CameraPipeline, type PipelineDeps } from "./pipeline/camera_pipeline.ts";
import type { FrameTracer } from "./pipeline/frame_trace.ts";
import type { FrameDetector } from "./pipeline/serial_detector.ts";
import type { PipelineSink } from "./pipeline/sink.ts";
import { isNetworkSource } from "./source/ffmpeg_args.ts";
import { resolveFilePath } from "./sources.ts";
import { blurClip, timedBoxes } from "./capture/clip_privacy.ts";
import { originalUri } from "../shared/original_uri.ts";

class _UsageError extends Error {}

export interface AnalyzeOptions {
  source: string;
  camera: CameraConfig;
  cameraId: string;
  modelPath: string;
  anchorMs: number;
  objectsDir: string;
  events: boolean;
  /** Cut a clip per pass from the source file (--clips). */
  clips?: boolean;
  write: (line: string) => void | Promise<void>;
  /** Every overlay tick (tests use them to measure id switches). */
  onTick?: (text: string) => void;
  /** Wrap the detector (tests slow it down to show results do not depend on speed). */
  wrapDetector?: (d: FrameDetector) => FrameDetector;
  /** OpenTelemetry spans per frame (with OTEL_EXPORTER_OTLP_ENDPOINT set). */
  tracer?: FrameTracer | null;
  /** The plate (text) detector for `privacy.blur: [plate]` (default: the shared one). */
  plates?: PipelineDeps["plates"];
  /** Live timing for offline probes (PipelineDeps.liveTiming). */
  liveTiming?: PipelineDeps["liveTiming"];
}

export interface AnalyzeSummary {
  type: "summary";
  frames: number;
  /** Frames the detector ran on (fewer than `frames` with detect.motion_gating). */
  detected_frames: number;
  /** Region inferences besides the full frame's (detect.regions: auto). */
  region_inferences: number;
  /** Inference ms summed over every full frame and region. */
  infer_ms: number;
  fps: number;
  passes: number;
  wall_s: number;
}

/** Run the pipeline over a file; every output line goes to `write`. */
export async function analyzeFile(o: AnalyzeOptions): Promise<AnalyzeSummary> {
  const inference = await InferenceClient.start(o.modelPath, { threads: 2 });
  const store = new LocalObjectStore(o.objectsDir);
  const lines: Promise<void>[] = [];
  const out = (obj: unknown) => lines.push(Promise.resolve(o.write(JSON.stringify(obj))));
  let passes = 0;
  // privacy.clips: the detector's boxes of the whole file (a file's worth fits in memory), and
  // the passes whose clips are cut once it is analyzed.
  const privacy = o.camera.privacy;
  const blurClips = !!(o.clips && privacy?.clips && privacy.blur.length);
  const boxes = blurClips ? new PrivacyBoxLog(Infinity) : undefined;
  const deferred: (PassSummary & { samples: readonly unknown[] })[] = [];
  const sink: PipelineSink = {
    tick: (_camera, text) => o.onTick?.(text),
    samples: () => {},
    trackEvent: (ev) => o.events && out(ev),
    async pass(p, jpeg, original) {
      if (jpeg && p.image) await store.put(p.image, jpeg, "image/jpeg");
      if (original && p.image) await store.put(originalUri(p.image), original, "image/jpeg");
      passes++;
      if (blurClips) return void deferred.push(p);
      const { samples: _samples, ...rest } = p;
      const clip = o.clips ? await _cutClip(p, o, store) : {};
      out({ type: "pass", ...rest, ...clip });
    },
  };
  const t0 = performance.now();
  const pipeline = new CameraPipeline(o.cameraId, o.camera, { source: o.source }, {
    detector: o.wrapDetector?.(inference) ?? inference,
    sink,
    live: false,
    anchorMs: o.anchorMs,
    tracer: o.tracer,
    plates: o.plates,
    regionSide_px: Math.min(inference.info.inputSize.width, inference.info.inputSize.height),
    privacyBoxes: boxes,
    liveTiming: o.liveTiming,
  });
  try {
    await pipeline.start();
  } finally {
    inference.close();
  }
  for (const p of deferred) {
    const { samples: _samples, ...rest } = p;
    out({ type: "pass", ...rest, ...await _cutClip(p, o, store, boxes) });
  }
  if (pipeline.source.lastError) throw new Error(pipeline.source.lastError);
  await Promise.all(lines);
  const wall = (performance.now() - t0) / 1000;
  const frames = pipeline.stats.frames;
  return {
    type: "summary",
    frames,
    detected_frames: pipeline.stats.detectedFrames,
    region_inferences: pipeline.stats.regionInferences,
    infer_ms: Math.round(pipeline.stats.inferMsTotal),
    fps: Math.round((frames / wall) * 10) / 10,
    passes,
    wall_s: Math.round(wall * 100) / 100,
  };
}

/** The pass's clip from the source file into the objects directory (--clips). */
async function _cutClip(
  p: PassSummary & { samples: readonly unknown[] },
  o: AnalyzeOptions,
  store: LocalObjectStore,
  boxes?: PrivacyBoxLog,
): Promise<Pick<PassSummary, "clip_url" | "clip_start" | "clip_duration_s">> {
  const tmp = await Deno.makeTempFile({ suffix: ".mp4" });
  try {
    const fromMs = p.entered_at - o.camera.clips.pre_roll_s * 1000;
    const toMs = p.exited_at + o.camera.clips.post_roll_s * 1000;
    const uri = passClipUri(cropBucket(() => undefined), p.camera, p.id, p.exited_at);
    const r = await new FileRecording(o.source, o.anchorMs).cut(p.camera, fromMs, toMs, tmp);
    if (r.status !== "ok") return { clip_url: null, clip_start: null, clip_duration_s: null };
    const blur = o.camera.privacy?.clips ? o.camera.privacy.blur : [];
    if (blur.length) {
      // As the live clip worker does: the published clip is the re-encoded one.
      const plates = blur.includes("plate");
      const job: Pick<ClipJob, "blur_plates" | "privacy"> = {
        ...(plates ? { blur_plates: timedBoxes(p.samples) } : {}),
        privacy: {
          people: blur.includes("person"),
          plates,
          frames: boxes?.window(p.camera, fromMs, toMs).frames ?? [],
          until_ms: toMs,
        },
      };
      await blurClip(tmp, r.startMs, `${tmp}.blur.mp4`, clipRegions(job)!);
      if (o.camera.privacy?.keep_originals) {
        // As the live clip worker: the remuxed original beside it, under originals/.
        await store.put(originalUri(uri), await Deno.readFile(tmp), "video/mp4");
      }
      await Deno.rename(`${tmp}.blur.mp4`, tmp);
    }
    await store.put(uri, await Deno.readFile(tmp), "video/mp4");
    const { bucket, key } = parseObjectUri(uri);
    return {
      clip_url: `${store.root}/${bucket}/${key}`,
      clip_start: r.startMs,
      clip_duration_s: r.durationS,
    };
  } finally {
    await Deno.remove(tmp).catch(() => {});
  }
}

export async function _main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      source: { type: "string" },
      config: { type: "string" },
      camera: { type: "string" },
      out: { type: "string" },
      events: { type: "boolean", default: false },
      model: { type: "string" },
      start: { type: "string" },
      objects: { type: "string" },
      clips: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(
      "usage: deno task analyze --source FILE [--config FILE] [--camera ID] [--out FILE] [--events] [--model FILE] [--start ISO] [--objects DIR] [--clips]",
    );
    return 0;
  }
  if (!values.source) throw new _UsageError("--source is required");
  if (isNetworkSource(values.source)) throw new _UsageError("--source must be a file");
  const source = values.source;
  try {
    if (!(await Deno.stat(source)).isFile) {
      throw new _UsageError(`--source ${source} is not a file`);
    }
  } catch (e) {
    if (e instanceof _UsageError) throw e;
    throw new _UsageError(`--source ${source}: no such file`);
  }
  const configPath = values.config ?? resolveFilePath("config/stopline.yaml");
  let text: string;
  try {
    text = await Deno.readTextFile(configPath);
  } catch {
    throw new _UsageError(`--config ${configPath}: cannot read`);
  }
  // Only zones and thresholds come from the config: the clip is --source, the local user's own
  // choice, so the camera source rules (for operator-edited configs) do not apply here.
  const config = parseConfigYaml(text, (n) => Deno.env.get(n), { checkSources: false });
  const cameraId = values.camera ?? Object.keys(config.cameras)[0];
  const camera = config.cameras[cameraId];
  if (!camera) {
    throw new _UsageError(
      `--camera ${cameraId} is not in ${configPath} (cameras: ${
        Object.keys(config.cameras).join(", ")
      })`,
    );
  }
  const anchorMs = values.start ? Date.parse(values.start) : 0;
  if (Number.isNaN(anchorMs)) throw new _UsageError(`--start ${values.start} is not an ISO date`);
  const modelPath = values.model ?? await ensureNanodetOnnx(resolveFilePath(".data/models"));

  const file = values.out
    ? await Deno.open(values.out, { write: true, create: true, truncate: true })
    : null;
  const enc = new TextEncoder();
  const write = async (line: string) => {
    if (file) await file.write(enc.encode(line + "\n"));
    else console.log(line);
  };
  const env = (n: string) => Deno.env.get(n);
  const telemetry = await startTelemetry(env, "stopline-analyze");
  const tracer = telemetry
    ? (await import("./pipeline/frame_trace.ts")).otelFrameTracer(telemetry.tracer)
    : null;
  try {
    const summary = await analyzeFile({
      source,
      camera,
      cameraId,
      modelPath,
      anchorMs,
      objectsDir: values.objects ?? resolveFilePath(".data/objects"),
      events: values.events,
      clips: values.clips,
      write,
      tracer,
    });
    await write(JSON.stringify(summary));
  } finally {
    file?.close();
    await telemetry?.shutdown();
  }
  return 0;
}

if (import.meta.main) {
  try {
    Deno.exit(await _main(Deno.args));
  } catch (e) {
    const msg = e instanceof ConfigError ? `bad config: ${e.message}` : (e as Error).message;
    console.error(`analyze: ${redactSecrets(msg.split("\n")[0])}`);
    Deno.exit(e instanceof _UsageError || e instanceof ConfigError ? 2 : 1);
  }
}
