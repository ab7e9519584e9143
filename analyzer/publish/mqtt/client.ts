/**
 * One MQTT connection (MQTT.js) that never blocks its caller: `send` only queues in the outbox;
 * a pump delivers one message at a time while connected, so order is kept across reconnects.
 * The outbox, not MQTT.js, owns undelivered messages: a message in flight when the connection
 * drops stays queued and is sent again after the reconnect (at least once). Reconnects back off
 * (250 ms doubling to 30 s). The Last Will marks `stopline/available` offline when the process
 * dies; a clean close says so itself.
 */
import mqtt from "mqtt";
import { MqttOutbox } from "./outbox.ts";

export interface MqttClientOptions {
  /**
   * mqtt://host:1883 or mqtts://host:8883 (TLS). Credentials in the URL are used unless
   * `username`/`password` are given.
   */
  url: string;
  username?: string;
  password?: string;
  /** PEM of a private CA for mqtts:// brokers with self-signed certificates. */
  caPem?: string;
  clientId?: string;
  /** Retained topic that says `online` now and `offline` as the Last Will. */
  availabilityTopic: string;
  maxQueuedEvents?: number;
  /** Called after every (re)connect, once `online` is queued: republish retained state here. */
  onConnect?: () => void;
  /** Messages arriving on subscribed topics. */
  onMessage?: (topic: string, payload: string) => void;
  subscribe?: string[];
  log?: (msg: string) => void;
}

const _MIN_BACKOFF_MS = 250;
const _MAX_BACKOFF_MS = 30_000;

/** The URL with any password replaced, for logs (secrets are never logged). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparsable MQTT_URL)";
  }
}

export class MqttPublisherClient {
  readonly #opts: MqttClientOptions;
  readonly #log: (msg: string) => void;
  readonly #outbox: MqttOutbox;
  readonly #client: mqtt.MqttClient;
  #backoff_ms = _MIN_BACKOFF_MS;
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  /** Bumped when the connection drops, so a late callback of an abandoned send is ignored. */
  #generation = 0;
  #sending = false;
  #closed = false;
  #wasConnected = false;
  /** Messages the broker accepted (QoS 1) or that were written to the socket (QoS 0). */
  published = 0;
  lastError = "";

  constructor(opts: MqttClientOptions) {
    this.#opts = opts;
    this.#log = opts.log ?? (() => {});
    this.#outbox = new MqttOutbox(opts.maxQueuedEvents);
    this.#client = mqtt.connect(_urlForOptions(opts), {
      clientId: opts.clientId,
      username: opts.username,
      password: opts.password,
      ...(opts.caPem ? { ca: opts.caPem } : {}),
      clean: true,
      keepalive: 30,
      connectTimeout: 10_000,
      // Our own reconnect (with backoff) and our own queue (bounded, ordered).
      reconnectPeriod: 0,
      queueQoSZero: false,
      will: { topic: opts.availabilityTopic, payload: "offline", qos: 1, retain: true },
    });
    this.#client.on("connect", () => this.#onConnect());
    this.#client.on("close", () => this.#onClose());
    this.#client.on("error", (e) => this.#setError(e.message));
    this.#client.on("message", (topic, payload) => {
      this.#opts.onMessage?.(topic, payload.toString());
    });
  }

  get connected(): boolean {
    return this.#client.connected;
  }

  /** Messages waiting (events plus latest-state messages). */
  get queued(): number {
    return this.#outbox.size;
  }

  /** Events evicted from a full outbox while the broker was unreachable. */
  get dropped(): number {
    return this.#outbox.dropped;
  }

  /** Queue an event: delivered in order, never coalesced (bounded: oldest evicted). */
  sendEvent(topic: string, payload: string, qos: 0 | 1): void {
    if (this.#closed) return;
    this.#outbox.addEvent({ topic, payload, qos, retain: false });
    this.#pump();
  }

  /** Queue retained state: only the newest unsent message per topic is kept. */
  sendState(topic: string, payload: string, qos: 0 | 1 = 1): void {
    if (this.#closed) return;
    this.#outbox.setState({ topic, payload, qos, retain: true });
    this.#pump();
  }

  /** Wait until everything queued was delivered, or `timeout_ms` passed; true when empty. */
  async flush(timeout_ms: number): Promise<boolean> {
    const end = Date.now() + timeout_ms;
    while (this.#outbox.size > 0 && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.#outbox.size === 0;
  }

  /** Try to deliver what is queued (up to 2 s), say `offline`, disconnect. */
  async close(): Promise<void> {
    if (this.#closed) return;
    if (this.connected) await this.flush(2_000);
    this.#closed = true;
    clearTimeout(this.#reconnectTimer);
    if (this.connected) {
      await this.#client.publishAsync(this.#opts.availabilityTopic, "offline", {
        qos: 1,
        retain: true,
      }).catch(() => {});
    }
    await this.#client.endAsync(!this.connected).catch(() => {});
  }

  #onConnect(): void {
    this.#backoff_ms = _MIN_BACKOFF_MS;
    this.lastError = "";
    this.#log(`mqtt: connected to ${redactUrl(this.#opts.url)}`);
    this.#wasConnected = true;
    if (this.#opts.subscribe?.length) {
      this.#client.subscribe(this.#opts.subscribe, { qos: 0 }, (e) => {
        if (e) this.#setError(`subscribe failed: ${e.message}`);
      });
    }
    this.#outbox.setState({
      topic: this.#opts.availabilityTopic,
      payload: "online",
      qos: 1,
      retain: true,
    });
    this.#opts.onConnect?.();
    this.#pump();
  }

  #onClose(): void {
    // Whatever was in flight is abandoned here and sent again after the reconnect.
    this.#generation++;
    this.#sending = false;
    if (this.#closed || this.#reconnectTimer !== undefined) return;
    if (this.#wasConnected) this.#log(`mqtt: disconnected (${this.lastError || "closed"})`);
    this.#wasConnected = false;
    const delay = this.#backoff_ms;
    this.#backoff_ms = Math.min(this.#backoff_ms * 2, _MAX_BACKOFF_MS);
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined;
      if (!this.#closed) this.#client.reconnect();
    }, delay);
  }

  #setError(msg: string): void {
    if (msg !== this.lastError) this.#log(`mqtt: ${msg}`);
    this.lastError = msg;
  }

  #pump(): void {
    if (this.#sending || this.#closed || !this.#client.connected) return;
    const m = this.#outbox.peek();
    if (!m) return;
    this.#sending = true;
    const generation = this.#generation;
    this.#client.publish(m.topic, m.payload, { qos: m.qos, retain: m.retain }, (err) => {
      if (generation !== this.#generation) return; // the connection dropped meanwhile
      this.#sending = false;
      if (err) {
        this.#setError(`publish to ${m.topic} failed: ${err.message}`);
        // Still queued; the close/reconnect path (or the next send) tries again.
        return;
      }
      this.#outbox.delivered(m);
      this.published++;
      queueMicrotask(() => this.#pump());
    });
  }
}

/** MQTT.js lets credentials in the URL win over its options; here the options win. */
function _urlForOptions(opts: MqttClientOptions): string {
  if (opts.username === undefined && opts.password === undefined) return opts.url;
  const u = new URL(opts.url);
  u.username = "";
  u.password = "";
  return u.toString();
}
