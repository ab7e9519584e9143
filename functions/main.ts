/**
 * All functions on one origin (the `deno task dev` layout). On an edge host each function is
 * deployed alone from its own `functions/<name>/index.ts` and keeps the same paths.
 */
import { Hono } from "hono";
import { createPool } from "./_shared/db.ts";
import { createHealthApp } from "./health/index.ts";
import { createModelsApp } from "./models/index.ts";
import { createPassesApp } from "./passes/index.ts";
import { createEventsApp } from "./events/index.ts";
import { createStatsApp } from "./stats/index.ts";
import { createConfigApp } from "./config/index.ts";
import { corsOriginsFromEnv } from "./_shared/cors.ts";
import { rateLimitFromEnv } from "./_shared/rate_limit.ts";
import { createMediaAuthApp, mediaAuthOptionsFromEnv } from "./media-auth/index.ts";
import { startCameras } from "./cameras/index.ts";
import { mediaMtxFrameGrab } from "./_shared/ffmpeg_jpeg.ts";
import { authFromEnv } from "./_shared/auth.ts";
import { cropBucket, objectStoreFromEnv } from "../shared/object_store/mod.ts";
import { createMediaRelay } from "./media-relay/relay.ts";
import { configSources } from "./media-relay/sources.ts";
import { startRelay } from "./relay/index.ts";
import { createWebApp } from "./web/index.ts";
import { createTokensApp } from "./tokens/index.ts";
import { createPushApp } from "./push/index.ts";
import { metricLines } from "../shared/metrics.ts";
import { redactSecrets } from "../shared/redact.ts";
import { parseConfigYaml } from "../shared/config.ts";
import { startRetentionJob } from "./retention/retention.ts";
import { startTelemetry } from "../shared/telemetry.ts";
import { gaugeLines, observeGauges } from "../shared/gauges.ts";
import { relayGauges } from "./relay/relay_gauges.ts";

export interface FunctionsOptions {
  databaseUrl: string;
  port?: number;
  /** Interface to listen on (default 127.0.0.1: reachable from this machine only). */
  hostname?: string;
  configPath?: string;
  analyzerUrl?: string;
  /** Local object store directory when MINIO_ENDPOINT is not set. */
  objectsDir?: string;
  /**
   * Mount the dev media relay (`/media/*`, live video from ffmpeg). Default: only with
   * STOPLINE_MEDIA_RELAY=1. Production video goes through MediaMTX and its auth hook; the dev
   * stack turns the relay on.
   */
  mediaRelay?: boolean;
  log?: (msg: string) => void;
}

export interface RunningFunctions {
  url: string;
  port: number;
  /** The mounted app (its `routes` list every route: the security tests enumerate them). */
  app: Hono;
  close(): Promise<void>;
}

export function startFunctions(opts: FunctionsOptions): RunningFunctions {
  const sink = opts.log ?? ((m: string) => console.log(`functions: ${m}`));
  // Every line of every function is scrubbed once more here: camera URLs, tokens, and config
  // secrets substituted in this process never reach the log.
  const log = (m: string) => sink(redactSecrets(m));
  const pool = createPool(opts.databaseUrl);
  const relay = startRelay(opts.databaseUrl, log);
  const env = (n: string) => Deno.env.get(n);
  // OTLP export of request spans and relay gauges when OTEL_EXPORTER_OTLP_ENDPOINT is set.
  const gauges = relayGauges(relay.hub);
  startTelemetry(env, "stopline-functions", log).then((t) => t && observeGauges(t.meter, gauges));
  const auth = authFromEnv(env);
  const api = { auth, corsOrigins: corsOriginsFromEnv(env), log };
  const configFile = opts.configPath ?? env("STOPLINE_CONFIG") ?? "config/stopline.yaml";
  const store = objectStoreFromEnv(env, opts.objectsDir ?? ".data/objects");
  // Hourly retention (functions/retention): one run per deployment at a time (advisory lock).
  const retention = startRetentionJob({
    pool,
    store,
    log: (m) => log(`retention: ${m}`),
    settings: async () => {
      try {
        const text = await Deno.readTextFile(configFile);
        return parseConfigYaml(text, env, { substitute: false, checkSources: false }).retention;
      } catch (e) {
        log(`retention: config not readable, nothing deleted: ${(e as Error).message}`);
        return undefined;
      }
    },
  });
  const health = createHealthApp({
    ...api,
    pool,
    analyzerUrl: opts.analyzerUrl,
    metrics: () =>
      metricLines("stopline_relay_clients", "gauge", "WebSocket tick clients.", [
        { value: relay.hub.clientCount() },
      ]) +
      metricLines("stopline_relay_cameras", "gauge", "Cameras the relay keeps state for.", [
        { value: relay.hub.cameraCount() },
      ]) +
      metricLines("stopline_relay_messages_total", "counter", "NOTIFY payloads received.", [
        { value: relay.hub.received },
      ]) +
      metricLines("stopline_relay_rejected_total", "counter", "Invalid payloads dropped.", [
        { value: relay.hub.rejected },
      ]) +
      metricLines("stopline_relay_dropped_total", "counter", "Ticks skipped for slow clients.", [
        { value: relay.hub.droppedTotal() },
      ]) +
      gaugeLines(gauges) +
      retention.metrics(),
  });

  const media = (opts.mediaRelay ?? env("STOPLINE_MEDIA_RELAY") === "1")
    ? createMediaRelay({
      sources: configSources(opts.configPath),
      auth,
      corsOrigins: api.corsOrigins,
      log,
    })
    : null;
  const writeLimit = rateLimitFromEnv(env);
  const models = createModelsApp({
    ...api,
    pool,
    store,
    bucket: cropBucket(env),
    rateLimit: writeLimit,
  });

  const cameras = startCameras(pool, {
    relayTickAgeMs: (camera) => relay.hub.tickAgeMs(camera),
    configPath: opts.configPath,
    env,
    log,
    corsOrigins: api.corsOrigins,
    rateLimit: writeLimit,
    // Snapshots: from the dev relay's live stream when it runs, else from MediaMTX.
    frameGrab: media ? media.grabFrame : mediaMtxFrameGrab(env),
    // Codec as the dev relay found it (an H.265 camera is served transcoded to H.264).
    codecOf: media ? (id) => media.streams.get(id)?.sourceCodec ?? null : undefined,
  });

  const app = new Hono();
  app.route("/", health);
  app.route("/", createMediaAuthApp({ ...mediaAuthOptionsFromEnv(env), log }));
  app.route("/", createTokensApp(api));
  app.route("/", cameras.app);
  app.route("/", models);
  app.route("/", createPassesApp({ ...api, pool, store }));
  app.route("/", createEventsApp({ ...api, pool }));
  app.route("/", createStatsApp({ ...api, pool }));
  app.route(
    "/",
    createPushApp({
      ...api,
      pool,
      vapidPublicKey: env("STOPLINE_VAPID_PUBLIC_KEY") || null,
      env,
      rateLimit: writeLimit,
    }),
  );
  app.route(
    "/",
    createConfigApp({
      ...api,
      pool,
      path: configFile,
      rateLimit: writeLimit,
    }),
  );
  app.route("/", relay.app);
  if (media) app.route("/", media);
  app.route("/", createWebApp({ mediaRelay: media !== null }));

  const server = Deno.serve({
    hostname: opts.hostname ?? "127.0.0.1",
    port: opts.port ?? 8000,
    onListen: () => {},
  }, app.fetch);
  const port = server.addr.port;
  return {
    url: `http://localhost:${port}`,
    port,
    app,
    async close() {
      await retention.stop();
      await cameras.close();
      await media?.close();
      await relay.close();
      await server.shutdown();
      await pool.end().catch(() => {});
    },
  };
}
