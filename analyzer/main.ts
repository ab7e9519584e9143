/**
 * The analyzer process: loads the config and the model, runs one pipeline per camera, publishes
 * ticks, serves /healthz /readyz /metrics on ANALYZER_PORT, and exits on a stall (watchdog) so a
 * supervisor restarts it. Env: DATABASE_URL, STOPLINE_CONFIG, ANALYZER_PORT, STALL_EXIT_S,
 * MODEL_PATH, STOPLINE_MODEL_DIR, INFER_THREADS, STOPLINE_MEDIA_URL (dev).
 */
import { type Config, parseConfigYaml, redactSource } from "../shared/config.ts";
import { healthHandler, metricLines } from "./health/server.ts";
import { InferenceClient } from "./detector/inference_client.ts";
import { ensureNanodetOnnx } from "./model/nanodet_model.ts";
import { CameraPipeline } from "./pipeline/camera_pipeline.ts";
import { SerialDetector } from "./pipeline/serial_detector.ts";
import { PgPublisher } from "./publish/pg_publisher.ts";
import { resolveFilePath, resolveSource } from "./sources.ts";

const env = (n: string) => Deno.env.get(n);
const log = (m: string) => console.log(`analyzer: ${m}`);

const READY_FRAME_AGE_MS = 5_000;

async function main() {
  const configPath = resolveFilePath(env("STOPLINE_CONFIG") ?? "config/stopline.yaml");
  let config: Config;
  try {
    config = parseConfigYaml(await Deno.readTextFile(configPath), env);
  } catch (e) {
    console.error(`analyzer: bad config ${configPath}: ${(e as Error).message}`);
    Deno.exit(2);
  }
  const started = Date.now();
  const stallMs = Number(env("STALL_EXIT_S") ?? "60") * 1000;
  const databaseUrl = env("DATABASE_URL");
  const publisher = databaseUrl ? new PgPublisher(databaseUrl, log) : null;
  if (!publisher) log("DATABASE_URL is not set: ticks are not published");

  let modelLoaded = false;
  const pipelines: CameraPipeline[] = [];

  const health = healthHandler({
    readiness() {
      const reasons: string[] = [];
      if (!modelLoaded) reasons.push("model not loaded");
      if (!publisher) reasons.push("DATABASE_URL not set");
      else if (!publisher.connected) reasons.push(`database unreachable: ${publisher.lastError}`);
      const now = Date.now();
      for (const p of pipelines) {
        const age = now - (p.stats.lastFrameAt || started);
        if (!p.stats.lastFrameAt || age > READY_FRAME_AGE_MS) {
          const why = p.source.lastError ? ` (${p.source.lastError})` : "";
          reasons.push(`${p.camera}: no frame for ${(age / 1000).toFixed(1)} s${why}`);
        }
      }
      return { ready: reasons.length === 0, reasons };
    },
    metrics() {
      const cams = (f: (p: CameraPipeline) => number) =>
        pipelines.map((p) => ({ labels: { camera: p.camera }, value: f(p) }));
      return [
        metricLines(
          "stopline_frames_total",
          "counter",
          "Frames analyzed.",
          cams((p) => p.stats.frames),
        ),
        metricLines(
          "stopline_decoded_frames_total",
          "counter",
          "Frames decoded.",
          cams((p) => p.source.frames),
        ),
        metricLines(
          "stopline_dropped_frames_total",
          "counter",
          "Frames dropped (latest-state).",
          cams((p) => p.stats.dropped),
        ),
        metricLines(
          "stopline_fps",
          "gauge",
          "Analyzed frames per second.",
          cams((p) => p.stats.fps),
        ),
        metricLines(
          "stopline_infer_ms",
          "gauge",
          "Inference time, ms (smoothed).",
          cams((p) => p.stats.inferMs),
        ),
        metricLines("stopline_lag_ms", "gauge", "Capture to tick, ms.", cams((p) => p.stats.lagMs)),
        metricLines(
          "stopline_source_restarts_total",
          "counter",
          "Stream reconnects.",
          cams((p) => p.source.restarts),
        ),
        metricLines("stopline_ticks_published_total", "counter", "Ticks sent with NOTIFY.", [{
          value: publisher?.published ?? 0,
        }]),
        metricLines("stopline_ticks_dropped_total", "counter", "Ticks replaced before sending.", [{
          value: publisher?.dropped ?? 0,
        }]),
      ].join("");
    },
  });
  const port = Number(env("ANALYZER_PORT") ?? "8001");
  const server = Deno.serve({ hostname: "127.0.0.1", port, onListen: () => {} }, health);
  log(`health on http://127.0.0.1:${server.addr.port}/readyz`);

  const modelPath = env("MODEL_PATH") ??
    await ensureNanodetOnnx(env("STOPLINE_MODEL_DIR") ?? resolveFilePath(".data/models"));
  const threads = Number(env("INFER_THREADS") ?? "2");
  const inference = await InferenceClient.start(modelPath, { threads });
  modelLoaded = true;
  log(`model ${modelPath} loaded (${threads} threads)`);
  const detector = new SerialDetector(inference);
  const sink = publisher ?? { publish: () => {} };

  for (const [camera, cfg] of Object.entries(config.cameras)) {
    const { spec, live } = resolveSource(camera, cfg, env("STOPLINE_MEDIA_URL"));
    log(`${camera}: source ${redactSource(spec.source)}`);
    const p = new CameraPipeline(camera, cfg, spec, { detector, sink, live, log });
    pipelines.push(p);
    p.start().catch((e) => {
      console.error(`analyzer: ${camera} failed: ${(e as Error).message}`);
      Deno.exit(1);
    });
  }

  const statusTimer = setInterval(() => {
    for (const p of pipelines) {
      publisher?.writeStatus({
        camera: p.camera,
        fps: p.stats.fps,
        infer_ms: p.stats.inferMs,
        lag_ms: p.stats.lagMs,
        dropped: p.stats.dropped,
        frames: p.stats.frames,
        frame_w: p.stats.width,
        frame_h: p.stats.height,
      });
    }
  }, 2000);

  // Stall watchdog: a camera without frames for STALL_EXIT_S exits the process for a restart.
  const watchdog = setInterval(() => {
    const now = Date.now();
    for (const p of pipelines) {
      if (now - (p.stats.lastFrameAt || started) > stallMs) {
        console.error(`analyzer: ${p.camera} stalled for ${stallMs / 1000} s; exiting for restart`);
        Deno.exit(3);
      }
    }
  }, 1000);

  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    log("stopping");
    clearInterval(statusTimer);
    clearInterval(watchdog);
    await Promise.all(pipelines.map((p) => p.stop()));
    inference.close();
    await publisher?.close();
    await server.shutdown();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGTERM", shutdown);
  Deno.addSignalListener("SIGINT", shutdown);
}

if (import.meta.main) main();
