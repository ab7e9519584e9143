/**
 * The analyzer's MQTT bridge (Frigate's model: the analyzer publishes from its own process, so
 * the Last Will marks the analyzer itself down). A sink beside Postgres/Supabase: passes, track
 * events, per camera retained status, retained stats every 10 s, and Home Assistant discovery.
 * Every method only queues (see client.ts); nothing here waits for the broker.
 *
 * Commands: `stopline/<camera>/set/enabled` ON/OFF goes to `onSetEnabled` (the analyzer stores
 * it like the API does); the retained `stopline/<camera>/enabled` reports the state in effect.
 */
import { encodePassEvent, type PassSummary, type TrackEvent } from "../../../shared/events.ts";
import { metricLines } from "../../../shared/metrics.ts";
import type { CameraStatusRow } from "../publisher.ts";
import { type MqttClientOptions, MqttPublisherClient } from "./client.ts";
import {
  cameraDiscovery,
  cameraDiscoveryRemoval,
  DEFAULT_DISCOVERY_PREFIX,
  haStatusTopic,
} from "./discovery.ts";
import { TodayCounters, type TodaySeed } from "./today_counters.ts";
import {
  availableTopic,
  type CameraStatusPayload,
  cameraTopic,
  DEFAULT_TOPIC_PREFIX,
  parseSwitchPayload,
  setEnabledCamera,
  setEnabledFilter,
  type StatsPayload,
  statsTopic,
} from "./topics.ts";

export const STATS_INTERVAL_MS = 10_000;

export interface MqttBridgeOptions
  extends Omit<MqttClientOptions, "availabilityTopic" | "onConnect" | "onMessage" | "subscribe"> {
  topicPrefix?: string;
  /** Home Assistant's discovery prefix; null turns discovery off. */
  discoveryPrefix?: string | null;
  statsInterval_ms?: number;
  now?: () => number;
  /**
   * A `set/enabled` command for a configured camera (runtime control). Without one the bridge
   * does not subscribe to commands.
   */
  onSetEnabled?: (camera: string, enabled: boolean) => void;
}

type _Live = Omit<CameraStatusRow, "camera" | "frame_w" | "frame_h" | "paused">;
/** `enabled`: the analysis state last reported (null until the analyzer says). */
type _Camera = { today: TodayCounters; live: _Live; enabled: boolean | null };

export class MqttBridge {
  readonly #prefix: string;
  readonly #discoveryPrefix: string | null;
  readonly #client: MqttPublisherClient;
  readonly #now: () => number;
  readonly #started_ms: number;
  readonly #cameras = new Map<string, _Camera>();
  readonly #statsTimer: ReturnType<typeof setInterval>;

  constructor(opts: MqttBridgeOptions) {
    this.#prefix = opts.topicPrefix ?? DEFAULT_TOPIC_PREFIX;
    this.#discoveryPrefix = opts.discoveryPrefix === undefined
      ? DEFAULT_DISCOVERY_PREFIX
      : opts.discoveryPrefix;
    this.#now = opts.now ?? Date.now;
    this.#started_ms = this.#now();
    const haStatus = this.#discoveryPrefix === null ? null : haStatusTopic(this.#discoveryPrefix);
    const onSetEnabled = opts.onSetEnabled;
    const log = opts.log ?? (() => {});
    this.#client = new MqttPublisherClient({
      ...opts,
      availabilityTopic: availableTopic(this.#prefix),
      subscribe: [
        ...(haStatus ? [haStatus] : []),
        ...(onSetEnabled ? [setEnabledFilter(this.#prefix)] : []),
      ],
      // Retained state is (re)sent on every connect: a broker without persistence forgets it.
      onConnect: () => this.#republish(),
      onMessage: (topic, payload) => {
        // Home Assistant restarted: it asks for discovery again by announcing itself online.
        if (topic === haStatus && payload === "online") return this.#republish();
        const camera = setEnabledCamera(this.#prefix, topic);
        if (camera === null || !onSetEnabled) return;
        const enabled = parseSwitchPayload(payload);
        if (!this.#cameras.has(camera)) return log(`mqtt: ${topic}: not a configured camera`);
        if (enabled === null) return log(`mqtt: ${topic}: payload must be ON or OFF`);
        onSetEnabled(camera, enabled);
      },
    });
    this.#statsTimer = setInterval(
      () => this.#sendStats(),
      opts.statsInterval_ms ?? STATS_INTERVAL_MS,
    );
  }

  get connected(): boolean {
    return this.#client.connected;
  }

  get lastError(): string {
    return this.#client.lastError;
  }

  /** The cameras to announce; ones no longer configured get their entities removed. */
  setCameras(cameras: string[]): void {
    const wanted = new Set(cameras);
    for (const camera of [...this.#cameras.keys()]) {
      if (wanted.has(camera)) continue;
      this.#cameras.delete(camera);
      if (this.#discoveryPrefix === null) continue;
      for (const m of cameraDiscoveryRemoval(camera, this.#discoveryOpts())) {
        this.#client.sendState(m.topic, m.payload);
      }
    }
    for (const camera of wanted) {
      if (this.#cameras.has(camera)) continue;
      this.#camera(camera);
      this.#sendDiscovery(camera);
      this.#sendStatus(camera);
    }
  }

  /** Today's passes judged before this process started (see today_seed.ts). */
  seedToday(day: string, cameras: Map<string, TodaySeed>): void {
    for (const [camera, seed] of cameras) {
      const c = this.#cameras.get(camera);
      if (!c) continue; // not configured (any more): no entities to feed
      c.today.seed(day, seed);
      this.#sendStatus(camera);
    }
  }

  /** A judged pass: `stopline/<camera>/pass` (QoS 1) and the camera's updated status. */
  pass(p: PassSummary): void {
    this.#client.sendEvent(cameraTopic(this.#prefix, p.camera, "pass"), encodePassEvent(p), 1);
    this.#camera(p.camera).today.addPass(p.verdict, p.exited_at);
    this.#sendStatus(p.camera);
  }

  /** A track lifecycle event; the status follows when "vehicle in the stop zone" changed. */
  trackEvent(ev: TrackEvent): void {
    this.#client.sendEvent(
      cameraTopic(this.#prefix, ev.camera, "track_event"),
      JSON.stringify(ev),
      0,
    );
    if (this.#camera(ev.camera).today.trackEvent(ev)) this.#sendStatus(ev.camera);
  }

  /** Whether the camera is analyzed now: retained `stopline/<camera>/enabled` when it changed. */
  analysisEnabled(camera: string, enabled: boolean): void {
    const c = this.#camera(camera);
    if (c.enabled === enabled) return;
    c.enabled = enabled;
    this.#sendEnabled(camera);
  }

  /** The camera's live figures (the analyzer's 2 s status cadence). */
  status(row: CameraStatusRow): void {
    const c = this.#camera(row.camera);
    c.live = {
      fps: row.fps,
      infer_ms: row.infer_ms,
      lag_ms: row.lag_ms,
      frames: row.frames,
      dropped: row.dropped,
    };
    this.#sendStatus(row.camera);
  }

  /** Prometheus lines for the analyzer's /metrics. */
  metrics(): string {
    return [
      metricLines("stopline_mqtt_connected", "gauge", "1 while connected to the MQTT broker.", [{
        value: this.connected ? 1 : 0,
      }]),
      metricLines("stopline_mqtt_published_total", "counter", "MQTT messages delivered.", [{
        value: this.#client.published,
      }]),
      metricLines("stopline_mqtt_queued", "gauge", "MQTT messages waiting for the broker.", [{
        value: this.#client.queued,
      }]),
      metricLines(
        "stopline_mqtt_dropped_total",
        "counter",
        "MQTT events evicted from the full queue during a broker outage.",
        [{ value: this.#client.dropped }],
      ),
    ].join("");
  }

  async close(): Promise<void> {
    clearInterval(this.#statsTimer);
    await this.#client.close();
  }

  #camera(camera: string): _Camera {
    let c = this.#cameras.get(camera);
    if (!c) {
      c = {
        today: new TodayCounters(this.#now()),
        live: { fps: 0, infer_ms: 0, lag_ms: 0, frames: 0, dropped: 0 },
        enabled: null,
      };
      this.#cameras.set(camera, c);
    }
    return c;
  }

  #statusPayload(camera: string): CameraStatusPayload {
    const c = this.#camera(camera);
    const now = this.#now();
    return { camera, ts: now, ...c.live, ...c.today.figures(now) };
  }

  #sendStatus(camera: string): void {
    this.#client.sendState(
      cameraTopic(this.#prefix, camera, "status"),
      JSON.stringify(this.#statusPayload(camera)),
    );
  }

  #sendEnabled(camera: string): void {
    const enabled = this.#cameras.get(camera)?.enabled;
    if (enabled === null || enabled === undefined) return;
    this.#client.sendState(cameraTopic(this.#prefix, camera, "enabled"), enabled ? "ON" : "OFF");
  }

  #sendStats(): void {
    const now = this.#now();
    const cameras: StatsPayload["cameras"] = {};
    for (const camera of this.#cameras.keys()) {
      const { camera: _c, ts: _t, ...rest } = this.#statusPayload(camera);
      cameras[camera] = rest;
    }
    const stats: StatsPayload = {
      ts: now,
      uptime_s: Math.round((now - this.#started_ms) / 1000),
      cameras,
      mqtt: {
        published: this.#client.published,
        dropped: this.#client.dropped,
        queued: this.#client.queued,
      },
    };
    this.#client.sendState(statsTopic(this.#prefix), JSON.stringify(stats));
  }

  #discoveryOpts() {
    return { topicPrefix: this.#prefix, discoveryPrefix: this.#discoveryPrefix ?? "" };
  }

  #sendDiscovery(camera: string): void {
    if (this.#discoveryPrefix === null) return;
    for (const m of cameraDiscovery(camera, this.#discoveryOpts())) {
      this.#client.sendState(m.topic, m.payload);
    }
  }

  #republish(): void {
    for (const camera of this.#cameras.keys()) {
      this.#sendDiscovery(camera);
      this.#sendStatus(camera);
      this.#sendEnabled(camera);
    }
    this.#sendStats();
  }
}
