/**
 * The analyzer process: loads the config and the active model, runs one pipeline per camera,
 * publishes ticks and events, writes passes (spooled), samples and events to Postgres and crops
 * to the object store, reloads config and model without restart, serves /healthz /readyz
 * /metrics on ANALYZER_PORT, and exits on a stall (watchdog) so a supervisor restarts it.
 * Env: DATABASE_URL, STOPLINE_CONFIG, ANALYZER_PORT, STALL_EXIT_S, MODEL_PATH, INFER_WORKERS,
 * INFER_THREADS (analyzer/detector/inference_pool.ts),
 * STOPLINE_DATA_DIR, MINIO_* / STOPLINE_OBJECTS_DIR, STOPLINE_MEDIA_URL + STOPLINE_MEDIA_TOKEN (dev),
 * MEDIA_READ_HOST + MEDIA_READ_USER/PASSWORD (MediaMTX reader), STOPLINE_CONFIG_ENV_ALLOW,
 * STOPLINE_MEDIA_DIR, MQTT_* (the MQTT bridge and Home Assistant discovery:
 * analyzer/publish/mqtt/from_env.ts), STOPLINE_HOOK_* / STOPLINE_VAPID_* / STOPLINE_PUBLIC_URL /
 * STOPLINE_NOTIFY_ALLOW_NETS (notifications: analyzer/notify/from_env.ts), OTEL_* (OpenTelemetry
 * export: shared/telemetry.ts), MEDIA_PLAYBACK_URL (pass clips from MediaMTX's recordings;
 * analyzer/capture/clip_service.ts), ANALYZER_FLEET=1 + ANALYZER_FLEET_ID / ANALYZER_MAX_CAMERAS /
 * ANALYZER_FLEET_URL (fleet mode: analyzer/fleet/).
 */
import { annotatedTargetFromEnv } from "./annotate/annotated_stream.ts";
import { type Config, parseConfigYaml, redactSecrets } from "../shared/config.ts";
import { ANALYSIS_CHANNEL, MODEL_CHANNEL } from "../shared/channels.ts";
import pg from "../shared/db/pg.ts";
import { cropBucket, objectStoreFromEnv } from "../shared/object_store/mod.ts";
import { listen } from "../shared/db/pg_listener.ts";
import { analyzerStatusText } from "../shared/status.ts";
import { pausedCameras, setAnalysisEnabled } from "../shared/db/analysis_state.ts";
import { gaugeLines, observeGauges } from "../shared/gauges.ts";
import { startTelemetry } from "../shared/telemetry.ts";
import { CameraSet } from "./camera_set.ts";
import { clipServiceFromEnv } from "./capture/clip_service.ts";
import { PrivacyBoxLog } from "./capture/privacy_boxes.ts";
import { CropUploader } from "./capture/crop_uploader.ts";
import { watchConfig } from "./config_watch.ts";
import { InferencePool, inferenceSizing, whenReady } from "./detector/inference_pool.ts";
import { healthHandler } from "./health/server.ts";
import { analyzerMetrics } from "./health/metrics.ts";
import { processMetrics } from "./health/process_metrics.ts";
import { seedGauges } from "./health/seed_gauges.ts";
import { activeModel, DEFAULT_MODEL, modelPath, type ModelRow } from "./model/active_model.ts";
import { notifierFromEnv } from "./notify/from_env.ts";
import { DbWriter } from "./persist/db_writer.ts";
import { fleetFromEnv } from "./fleet/from_env.ts";
import { type FleetMemberLoop, NO_EPOCH } from "./fleet/fleet_member.ts";
import { publisherFromEnv } from "./publish/from_env.ts";
import type { MqttBridge } from "./publish/mqtt/bridge.ts";
import { mqttBridgeFromEnv } from "./publish/mqtt/from_env.ts";
import { todayFromDb } from "./publish/mqtt/today_seed.ts";
import { LiveSink } from "./sinks/live_sink.ts";
import { mediaAccessFromEnv, resolveFilePath } from "./sources.ts";
import { sharedPlateSearch } from "./capture/plate_search.ts";

const env = (n: string) => Deno.env.get(n);
// Every analyzer line is scrubbed: camera URLs and substituted config secrets never reach a log.
const log = (m: string) => console.log(`analyzer: ${redactSecrets(m)}`);

const READY_FRAME_AGE_MS = 5_000;

async function main() {
  const configPath = resolveFilePath(env("STOPLINE_CONFIG") ?? "config/stopline.yaml");
  let config: Config;
  try {
    config = parseConfigYaml(await Deno.readTextFile(configPath), env);
  } catch (e) {
    console.error(`analyzer: bad config ${configPath}: ${redactSecrets((e as Error).message)}`);
    Deno.exit(2);
  }
  const dataDir = resolveFilePath(env("STOPLINE_DATA_DIR") ?? ".data");
  const started = Date.now();
  const stallMs = Number(env("STALL_EXIT_S") ?? "60") * 1000;
  const databaseUrl = env("DATABASE_URL");
  if (!databaseUrl) log("DATABASE_URL is not set: nothing is published or stored");
  const publisher = publisherFromEnv(env, databaseUrl, log);
  // Fleet mode: rows carry the lease epoch of their camera (created below, with the cameras).
  let fleet: FleetMemberLoop | null = null;
  const fleetMode = env("ANALYZER_FLEET") === "1";
  if (fleetMode && !databaseUrl) {
    console.error("analyzer: ANALYZER_FLEET=1 needs DATABASE_URL (the leases are in Postgres)");
    Deno.exit(2);
  }
  if (fleetMode && !env("MEDIA_PLAYBACK_URL")) {
    // docs/SCALING.md "Clips in a fleet": kept so a taken-over camera has its pre-roll and a
    // handed-over camera's pending clips can still be cut here; a site records once, in MediaMTX.
    log("fleet mode without MEDIA_PLAYBACK_URL: this member records every camera with clips on");
  }
  const writer = databaseUrl
    ? new DbWriter({
      databaseUrl,
      spoolDir: `${dataDir}/spool/passes`,
      log,
      leaseEpoch: fleetMode ? (camera) => fleet?.epochOf(camera) ?? NO_EPOCH : undefined,
    })
    : null;
  const store = objectStoreFromEnv(env, `${dataDir}/objects`);
  const uploader = new CropUploader(store, `${dataDir}/spool/crops`, log);
  let mqttBridge: MqttBridge | null;
  try {
    // The MQTT switch pauses/resumes through the same durable row and NOTIFY as the API; the
    // analyzer then applies it like any other change (and the API and UI see it).
    mqttBridge = mqttBridgeFromEnv(env, log, (camera, enabled) => {
      log(`mqtt: analysis of ${camera} ${enabled ? "resumed" : "paused"} by command`);
      if (databaseUrl) {
        _storeEnabled(databaseUrl, camera, enabled).then(
          () => cameras && _applyPaused(cameras, databaseUrl, mqttBridge),
          (e) => log(`mqtt: cannot store the analysis switch: ${(e as Error).message}`),
        );
      } else if (cameras) {
        // No database (dev without Postgres): applied in memory only, until a restart.
        const paused = new Set(cameras.pausedIds);
        if (enabled) paused.delete(camera);
        else paused.add(camera);
        cameras.setPaused(paused);
        _reportEnabled(cameras, mqttBridge);
      }
    });
  } catch (e) {
    console.error(`analyzer: bad MQTT settings: ${(e as Error).message}`);
    Deno.exit(2);
  }
  // Per-frame person/vehicle boxes of every camera, for clips blurred by privacy.clips.
  const privacyBoxes = new PrivacyBoxLog();
  const clips = clipServiceFromEnv({
    boxes: privacyBoxes,
    env,
    dataDir,
    store,
    bucket: cropBucket(env),
    databaseUrl,
    media: mediaAccessFromEnv(env),
    config,
    log,
  });
  let notify: ReturnType<typeof notifierFromEnv>;
  try {
    notify = notifierFromEnv(env, {
      dir: `${dataDir}/spool/notify`,
      rules: config.notifications ?? [],
      databaseUrl,
      log,
    });
  } catch (e) {
    console.error(`analyzer: bad notification settings: ${(e as Error).message}`);
    Deno.exit(2);
  }
  notify.notifier.start();
  const sink = new LiveSink(
    publisher,
    writer,
    uploader,
    mqttBridge,
    notify.notifier,
    clips.worker,
  );
  // OTLP export only with OTEL_EXPORTER_OTLP_ENDPOINT set: otherwise no SDK is even loaded.
  const telemetry = await startTelemetry(env, "stopline-analyzer", log);
  const tracer = telemetry
    ? (await import("./pipeline/frame_trace.ts")).otelFrameTracer(telemetry.tracer)
    : null;

  let modelLoaded = false;
  let cameras: CameraSet | null = null;
  let inference: InferencePool | null = null;
  const gauges = seedGauges(() => cameras?.pipelines ?? []);
  if (telemetry) observeGauges(telemetry.meter, gauges);
  const readiness = () => {
    const reasons: string[] = [];
    if (!modelLoaded) reasons.push("model not loaded");
    if (!publisher) reasons.push("DATABASE_URL not set");
    else if (!publisher.connected) reasons.push(`database unreachable: ${publisher.lastError}`);
    const now = Date.now();
    for (const p of cameras?.pipelines ?? []) {
      const age = now - (p.stats.lastFrameAt || started);
      if (!p.stats.lastFrameAt || age > READY_FRAME_AGE_MS) {
        const why = p.source.lastError ? ` (${p.source.lastError})` : "";
        reasons.push(`${p.camera}: no frame for ${(age / 1000).toFixed(1)} s${why}`);
      }
    }
    // Shown by the functions' /readyz too: scrubbed like a log line.
    return {
      ready: reasons.length === 0,
      reasons: reasons.map(redactSecrets),
      ...(fleet ? { fleet: { holder: fleet.holder, cameras: fleet.leases } } : {}),
    };
  };
  const health = healthHandler({
    readiness,
    metrics: () =>
      analyzerMetrics(cameras?.pipelines ?? [], publisher, writer, uploader, [
        ...(inference?.workerMemory() ?? []),
        ...(cameras?.pipelines ?? []).map((p) => ({
          isolate: `decode_${p.camera}`,
          memory: p.source.workerMemory,
        })),
      ]) +
      gaugeLines(gauges) +
      processMetrics({ ready: readiness().ready, started_ms: started, dataDir }) +
      (mqttBridge?.metrics() ?? "") +
      notify.notifier.metrics() +
      clips.metrics() +
      (fleet?.metrics(writer?.rowsRefused ?? 0) ?? ""),
  });
  const port = Number(env("ANALYZER_PORT") ?? "8001");
  // Loopback by default; ANALYZER_HOST=0.0.0.0 in a container so the functions can ask /readyz.
  const hostname = env("ANALYZER_HOST") ?? "127.0.0.1";
  const server = Deno.serve({ hostname, port, onListen: () => {} }, health);
  log(`health on http://127.0.0.1:${server.addr.port}/readyz`);

  // The model: MODEL_PATH pins a file; otherwise the active row of the models table.
  const modelsDir = env("STOPLINE_MODEL_DIR") ?? `${dataDir}/models`;
  let sizing: { workers: number; threads: number };
  try {
    sizing = inferenceSizing(env);
  } catch (e) {
    console.error(`analyzer: ${(e as Error).message}`);
    Deno.exit(2);
  }
  const { workers, threads } = sizing;
  const pinned = env("MODEL_PATH");
  const loading = (async () => {
    // The inference worker boots while the active model is looked up.
    const current = pinned ? Promise.resolve(DEFAULT_MODEL) : _activeModelOrDefault(databaseUrl);
    const firstPath = pinned
      ? Promise.resolve(pinned)
      : current.then((row) => modelPath(row, store, modelsDir));
    const pool = new InferencePool(firstPath, { workers, threads, log });
    try {
      const info = await pool.ready();
      const [row, path] = [await current, await firstPath];
      log(
        `model ${row.id} (${info.kind}) loaded from ${path}: ${workers} inference workers x ${threads} threads`,
      );
      return pool;
    } catch (e) {
      pool.close();
      const row = await current;
      // Uploads are validated without ONNX Runtime; one it still cannot run must not keep the
      // analyzer down: say so and run the built-in default (a switch also keeps the old model).
      if (pinned || row.id === DEFAULT_MODEL.id) throw e;
      log(
        `active model ${row.id} failed to load (${
          (e as Error).message
        }); using ${DEFAULT_MODEL.id}`,
      );
      const fallback = new InferencePool(modelPath(DEFAULT_MODEL, store, modelsDir), {
        workers,
        threads,
        log,
      });
      await fallback.ready().catch((e2) => {
        fallback.close();
        throw e2;
      });
      return fallback;
    }
  })();

  // The cameras start decoding while the model loads (their first frames wait for it): after a
  // restart, overlays come back sooner by the decode worker's and ffmpeg's start-up time.
  const bucket = cropBucket(env);
  cameras = new CameraSet(
    {
      detector: whenReady(loading),
      sink,
      bucket,
      log,
      tracer,
      // privacy.blur: [plate]: the text detector in its worker, fetched into the models dir on first use.
      plates: () => sharedPlateSearch(modelsDir, log),
      privacyBoxes,
      annotatedTarget: annotatedTargetFromEnv(env),
    },
    mediaAccessFromEnv(env),
    log,
  );
  // Paused cameras (runtime control) are known before any pipeline starts: none decodes at all.
  if (databaseUrl) {
    cameras.setPaused(
      await _pausedOrNone(databaseUrl).catch((e) => {
        log(`cannot read paused cameras yet (${(e as Error).message}); analyzing all`);
        return new Set<string>();
      }),
    );
  }
  // Fleet mode: no camera runs before its lease is claimed.
  if (fleetMode) {
    await cameras.setHeld(new Set());
    fleet = fleetFromEnv(env, {
      databaseUrl: databaseUrl!,
      configured: () => cameras!.cameraIds,
      setHeld: (held) => cameras!.setHeld(held),
      flush: () => writer!.flush(),
      log,
    });
    log(`fleet mode: member ${fleet.holder}`);
  }
  cameras.apply(config);
  mqttBridge?.setCameras(cameras.cameraIds);
  _reportEnabled(cameras, mqttBridge);
  // Before the model is loaded no pass is judged, so the stored ones are not counted twice.
  if (mqttBridge && databaseUrl) _seedToday(mqttBridge, databaseUrl);

  const pool = await loading;
  inference = pool;
  modelLoaded = true;
  // Cameras are claimed once the model is loaded: a camera taken over must not stay dark for
  // the model's load time.
  fleet?.start();
  const modelListener = !pinned && databaseUrl
    ? listen(databaseUrl, MODEL_CHANNEL, async () => {
      try {
        const row = await _activeModelOrDefault(databaseUrl);
        const path = await modelPath(row, store, modelsDir);
        const info = await pool.swap(path);
        log(`switched to model ${row.id} (${info.kind})`);
      } catch (e) {
        log(`model switch failed, keeping the current model: ${(e as Error).message}`);
      }
    }, { log })
    : null;

  // Pause/resume: the table is the truth; NOTIFY makes it immediate, the poll repairs what a
  // dropped LISTEN connection missed.
  let pausedPoll: ReturnType<typeof setInterval> | undefined;
  const analysisListener = databaseUrl
    ? listen(
      databaseUrl,
      ANALYSIS_CHANNEL,
      () => _applyPaused(cameras!, databaseUrl, mqttBridge),
      { log },
    )
    : null;
  if (databaseUrl) {
    pausedPoll = setInterval(
      () => _applyPaused(cameras!, databaseUrl, mqttBridge),
      PAUSED_POLL_MS,
    );
  }

  const configWatch = watchConfig({
    path: configPath,
    databaseUrl,
    env,
    onConfig: (cfg) => {
      cameras?.apply(cfg);
      notify.notifier.setRules(cfg.notifications ?? []);
      clips.apply(cfg);
    },
    log,
  });

  const statusTimer = setInterval(() => {
    mqttBridge?.setCameras(cameras?.cameraIds ?? []);
    if (cameras) _reportEnabled(cameras, mqttBridge);
    // In fleet mode every member configures every camera: only the holder reports it paused.
    const reported = (cameras?.pausedIds ?? []).filter((c) =>
      !fleet || fleet.epochOf(c) !== NO_EPOCH
    );
    for (const camera of reported) {
      const row = {
        camera,
        fps: 0,
        infer_ms: 0,
        lag_ms: 0,
        dropped: 0,
        frames: 0,
        frame_w: 0,
        frame_h: 0,
        paused: true,
      };
      publisher?.writeStatus(row);
      mqttBridge?.status(row);
      // On the realtime plane too, so the relay tells viewers "paused", not "offline" (repeated:
      // the relay reports offline when it stops, i.e. when this analyzer is gone).
      publisher?.publishEvent(camera, analyzerStatusText(camera, "paused"));
    }
    const now = Date.now();
    const age = (at: number) => at > 0 ? Math.max(0, now - at) : null;
    for (const p of cameras?.pipelines ?? []) {
      const row = {
        paused: false,
        camera: p.camera,
        fps: p.stats.fps,
        infer_ms: p.stats.inferMs,
        lag_ms: p.stats.lagMs,
        dropped: p.stats.dropped,
        frames: p.stats.frames,
        frame_w: p.stats.width,
        frame_h: p.stats.height,
        capture_age_ms: age(p.source.lastCaptureTs),
        decode_age_ms: age(p.source.lastDecodedAt),
        infer_age_ms: age(p.stats.lastInferAt),
        publish_age_ms: age(p.stats.lastPublishAt),
        detected_share: p.stats.detectedShare,
      };
      publisher?.writeStatus(row);
      mqttBridge?.status(row);
    }
  }, 2000);

  // Stall watchdog: a camera without frames for STALL_EXIT_S exits the process for a restart.
  const watchdog = setInterval(() => {
    const now = Date.now();
    for (const p of cameras?.pipelines ?? []) {
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
    log("stopping: flushing passes, samples and crops");
    clearInterval(statusTimer);
    clearInterval(watchdog);
    clearInterval(pausedPoll);
    await analysisListener?.close();
    await configWatch.close();
    await modelListener?.close();
    // Fleet: cameras stopped, passes flushed, leases released, so others take over at once.
    await fleet?.stop();
    await cameras?.stop();
    pool.close();
    await writer?.close();
    await uploader.close();
    await clips.close();
    await publisher?.close();
    await mqttBridge?.close();
    await notify.close();
    await telemetry?.shutdown();
    await server.shutdown();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGTERM", shutdown);
  Deno.addSignalListener("SIGINT", shutdown);
}

/** How often the paused cameras are re-read (NOTIFY normally applies a change at once). */
const PAUSED_POLL_MS = 10_000;

/** The paused cameras, or none when the database cannot be read (analysis is the default). */
async function _pausedOrNone(databaseUrl: string): Promise<Set<string>> {
  const c = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 3000 });
  c.on("error", () => {}); // a dropped connection: the awaited call below reports it
  try {
    await c.connect();
    return await pausedCameras((sql, params) => c.query(sql, params));
  } finally {
    await c.end().catch(() => {});
  }
}

let _applying: Promise<void> = Promise.resolve();

/** Re-read the paused cameras and apply them (serialized; a failed read changes nothing). */
function _applyPaused(
  cameras: CameraSet,
  databaseUrl: string,
  bridge: MqttBridge | null,
): Promise<void> {
  _applying = _applying.then(async () => {
    try {
      cameras.setPaused(await _pausedOrNone(databaseUrl));
      _reportEnabled(cameras, bridge);
    } catch (e) {
      log(`cannot read paused cameras, keeping the current state: ${(e as Error).message}`);
    }
  });
  return _applying;
}

/** Each camera's analysis state to MQTT (only changes are published). */
function _reportEnabled(cameras: CameraSet, bridge: MqttBridge | null): void {
  for (const camera of cameras.cameraIds) {
    bridge?.analysisEnabled(camera, !cameras.isPaused(camera));
  }
}

/** Store an MQTT `set/enabled` command exactly as the API does (row + NOTIFY). */
async function _storeEnabled(databaseUrl: string, camera: string, enabled: boolean) {
  const c = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 3000 });
  c.on("error", () => {}); // a dropped connection: the awaited call below reports it
  try {
    await c.connect();
    await setAnalysisEnabled((sql, params) => c.query(sql, params), camera, enabled, "mqtt");
  } finally {
    await c.end().catch(() => {});
  }
}

/** Seed the MQTT bridge's "today" counters with the passes stored today (best effort). */
async function _seedToday(bridge: MqttBridge, databaseUrl: string): Promise<void> {
  const c = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 3000 });
  c.on("error", () => {}); // a dropped connection: the awaited call below reports it
  try {
    await c.connect();
    const { day, cameras } = await todayFromDb((sql, params) => c.query(sql, params));
    bridge.seedToday(day, cameras);
  } catch (e) {
    log(`mqtt: today's counters start at zero (${(e as Error).message})`);
  } finally {
    await c.end().catch(() => {});
  }
}

async function _activeModelOrDefault(databaseUrl: string | undefined): Promise<ModelRow> {
  if (!databaseUrl) return DEFAULT_MODEL;
  const c = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 3000 });
  c.on("error", () => {}); // a dropped connection: the awaited call below reports it
  try {
    await c.connect();
    return await activeModel((sql) => c.query(sql));
  } catch (e) {
    log(`cannot read the active model (${(e as Error).message}); using ${DEFAULT_MODEL.id}`);
    return DEFAULT_MODEL;
  } finally {
    await c.end().catch(() => {});
  }
}

if (import.meta.main) main();
