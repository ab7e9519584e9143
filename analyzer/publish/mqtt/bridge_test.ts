/**
 * The MQTT bridge against a real broker (Debian mosquitto, started here on a free port with a
 * password file): messages, retained state, Home Assistant discovery, the Last Will of a killed
 * process, and a broker restart with messages buffered in order (bounded, drops counted).
 */
import assert from "node:assert/strict";
import mqtt from "mqtt";
import { startTestBroker, type TestBroker } from "../../../dev/testing/mosquitto.ts";
import { waitFor } from "../../../dev/testing/wait.ts";
import type { PassSummary, TrackEvent } from "../../../shared/events.ts";
import { MqttBridge } from "./bridge.ts";

interface Received {
  topic: string;
  payload: string;
  retain: boolean;
  qos: number;
}

/** A subscriber (MQTT.js too, but a separate connection) that records what arrives. */
async function subscribe(
  broker: TestBroker,
  topics: string[],
  opts: { clientId?: string; clean?: boolean } = {},
) {
  const client = await mqtt.connectAsync(broker.url, {
    username: broker.username,
    password: broker.password,
    clientId: opts.clientId ?? `sub-${crypto.randomUUID().slice(0, 8)}`,
    clean: opts.clean ?? true,
    reconnectPeriod: 0,
  });
  const got: Received[] = [];
  client.on("message", (topic, payload, packet) => {
    got.push({ topic, payload: payload.toString(), retain: packet.retain, qos: packet.qos });
  });
  await client.subscribeAsync(topics, { qos: 1 });
  return {
    got,
    last: (topic: string) => got.filter((m) => m.topic === topic).at(-1),
    close: () => client.endAsync(true),
  };
}

async function publishAs(broker: TestBroker, topic: string, payload: string): Promise<void> {
  const c = await mqtt.connectAsync(broker.url, {
    username: broker.username,
    password: broker.password,
    reconnectPeriod: 0,
  });
  await c.publishAsync(topic, payload, { qos: 1 });
  await c.endAsync();
}

function pass(camera: string, n: number, verdict: PassSummary["verdict"]): PassSummary {
  const t = Date.now();
  return {
    id: `${camera}:${n}`,
    camera,
    track_id: n,
    label: "car",
    verdict,
    entered_at: t - 3000,
    exited_at: t,
    time_in_zone_s: 3,
    stop_duration_s: verdict === "full_stop" ? 1.2 : 0,
    min_speed_px_s: 0,
    entry_speed_px_s: 40,
    image: null,
  } as PassSummary;
}

function zoneEvent(camera: string, id: number): TrackEvent {
  const snap = (zone: "stop" | null) => ({
    id,
    label: "car",
    conf: 0.9,
    bbox: [0.1, 0.1, 0.2, 0.2] as [number, number, number, number],
    speed_px_s: 5,
    phase: zone ? "in_zone" as const : "approach" as const,
    zone,
  });
  return {
    v: 1,
    type: "track_event",
    event: "update",
    camera,
    ts: Date.now(),
    before: snap(null),
    after: snap("stop"),
  } as TrackEvent;
}

function bridgeFor(
  broker: TestBroker,
  logs: string[],
  extra: Partial<ConstructorParameters<typeof MqttBridge>[0]> = {},
) {
  return new MqttBridge({
    url: broker.url,
    username: broker.username,
    password: broker.password,
    clientId: `bridge-${crypto.randomUUID().slice(0, 8)}`,
    log: (m) => logs.push(m),
    ...extra,
  });
}

Deno.test("mqtt bridge: set/enabled commands reach the handler; the retained enabled state follows", async () => {
  const broker = await startTestBroker();
  const logs: string[] = [];
  const commands: [string, boolean][] = [];
  // Stands in for the analyzer: it stores the command and reports the state now in effect.
  let bridge: MqttBridge | null = null;
  bridge = bridgeFor(broker, logs, {
    onSetEnabled: (camera, enabled) => {
      commands.push([camera, enabled]);
      bridge!.analysisEnabled(camera, enabled);
    },
  });
  const live = await subscribe(broker, ["stopline/+/enabled"]);
  try {
    bridge.setCameras(["cam_02"]);
    bridge.analysisEnabled("cam_02", true);
    await waitFor("connected", () => bridge!.connected, 5000);
    await waitFor("enabled ON", () => live.last("stopline/cam_02/enabled")?.payload === "ON", 5000);

    await publishAs(broker, "stopline/cam_02/set/enabled", "OFF");
    await waitFor(
      "enabled OFF",
      () => live.last("stopline/cam_02/enabled")?.payload === "OFF",
      5000,
    );
    assert.deepEqual(commands, [["cam_02", false]]);
    // Not a command: a bad payload, or a camera that is not configured.
    await publishAs(broker, "stopline/cam_02/set/enabled", "maybe");
    await publishAs(broker, "stopline/cam_99/set/enabled", "OFF");
    await waitFor(
      "both refused",
      () => logs.filter((l) => /set\/enabled/.test(l)).length === 2,
      5000,
    );
    assert.deepEqual(commands, [["cam_02", false]]);
    await publishAs(broker, "stopline/cam_02/set/enabled", "on");
    await waitFor(
      "enabled ON again",
      () => live.last("stopline/cam_02/enabled")?.payload === "ON",
      5000,
    );
    assert.deepEqual(commands, [["cam_02", false], ["cam_02", true]]);

    // The state is retained: a later subscriber (Home Assistant starting) sees it at once.
    const late = await subscribe(broker, ["stopline/cam_02/enabled"]);
    try {
      const got = await waitFor("retained state", () => late.last("stopline/cam_02/enabled"), 5000);
      assert.deepEqual(got, {
        topic: "stopline/cam_02/enabled",
        payload: "ON",
        retain: true,
        qos: 1,
      });
    } finally {
      await late.close();
    }
  } finally {
    await bridge.close();
    await live.close();
    await broker.close();
  }
});

Deno.test("mqtt bridge: passes (QoS 1), track events, retained status, stats and HA discovery", async () => {
  const broker = await startTestBroker();
  const logs: string[] = [];
  const live = await subscribe(broker, ["stopline/#"]);
  const bridge = bridgeFor(broker, logs, { statsInterval_ms: 200 });
  try {
    bridge.setCameras(["cam_02"]);
    await waitFor("connected", () => bridge.connected, 5000);
    bridge.trackEvent(zoneEvent("cam_02", 7));
    bridge.pass(pass("cam_02", 1, "full_stop"));
    bridge.pass(pass("cam_02", 2, "no_stop"));
    bridge.status({
      camera: "cam_02",
      fps: 14.8,
      infer_ms: 20,
      lag_ms: 90,
      dropped: 3,
      frames: 1000,
      frame_w: 768,
      frame_h: 576,
    });
    const passes = await waitFor("two passes", () => {
      const p = live.got.filter((m) => m.topic === "stopline/cam_02/pass");
      return p.length === 2 && p;
    }, 5000);
    const first = JSON.parse(passes[0].payload);
    assert.equal(first.type, "pass");
    assert.equal(first.pass.id, "cam_02:1");
    assert.equal(JSON.parse(passes[1].payload).pass.verdict, "no_stop");
    assert.equal(passes[0].qos, 1, "passes are QoS 1");
    assert.equal(passes[0].retain, false);
    const te = await waitFor("track event", () => live.last("stopline/cam_02/track_event"), 5000);
    assert.equal(JSON.parse(te.payload).after.zone, "stop");
    await waitFor("stats", () => live.last("stopline/stats"), 5000);

    // A subscriber arriving later gets the retained picture: availability, status, stats, discovery.
    const late = await subscribe(broker, ["stopline/#", "homeassistant/#"]);
    try {
      await waitFor("retained status with fps", () => {
        const s = late.last("stopline/cam_02/status");
        return s && JSON.parse(s.payload).fps === 14.8;
      }, 5000);
      const status = JSON.parse(late.last("stopline/cam_02/status")!.payload);
      assert.equal(late.last("stopline/cam_02/status")!.retain, true);
      assert.equal(status.passes_today, 2);
      assert.equal(status.violations_today, 1);
      assert.equal(status.full_stop_share_pct, 50);
      assert.equal(status.last_verdict, "no_stop");
      assert.equal(status.vehicle_in_zone, true);
      assert.deepEqual(late.last("stopline/available"), {
        topic: "stopline/available",
        payload: "online",
        retain: true,
        qos: 1,
      });
      const stats = JSON.parse(late.last("stopline/stats")!.payload);
      assert.equal(stats.cameras.cam_02.passes_today, 2);
      assert.ok(stats.mqtt.published >= 3);
      assert.equal(
        late.got.some((m) => m.topic.endsWith("/pass")),
        false,
        "passes are not retained",
      );
      const discovery = late.got.filter((m) => m.topic.startsWith("homeassistant/"));
      assert.equal(discovery.length, 7, "six sensors and the analysis switch");
      assert.ok(discovery.every((m) => m.retain));
      const zone = discovery.find((m) => m.topic.includes("binary_sensor/stopline_cam_02/"))!;
      assert.equal(JSON.parse(zone.payload).state_topic, "stopline/cam_02/status");
    } finally {
      await late.close();
    }

    // Home Assistant restarting announces itself online: discovery is sent again (live, so the
    // broker delivers it to this existing subscriber without the retain flag).
    const ha = await subscribe(broker, ["homeassistant/sensor/#", "homeassistant/binary_sensor/#"]);
    try {
      await waitFor("retained discovery", () => ha.got.length === 6, 5000);
      await publishAs(broker, "homeassistant/status", "online");
      await waitFor(
        "discovery sent again",
        () => ha.got.filter((m) => !m.retain).length === 6,
        5000,
      );
    } finally {
      await ha.close();
    }

    // A camera removed from the config: its entities are removed (empty retained configs).
    bridge.setCameras([]);
    await waitFor("removal sent", () => /^stopline_mqtt_queued 0$/m.test(bridge.metrics()), 5000);
    const after = await subscribe(broker, ["homeassistant/#"]);
    try {
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(after.got.length, 0, "no retained discovery left");
    } finally {
      await after.close();
    }
    assert.match(bridge.metrics(), /^stopline_mqtt_connected 1$/m);
    assert.match(bridge.metrics(), /^stopline_mqtt_dropped_total 0$/m);
    // A clean shutdown says offline itself (the Last Will is for deaths).
    await bridge.close();
    await waitFor("offline", () => live.last("stopline/available")?.payload === "offline", 5000);
  } finally {
    await bridge.close();
    await live.close();
    await broker.close();
  }
  assert.ok(logs.some((l) => l.includes("connected to")));
  assert.ok(!logs.join("\n").includes(broker.password), "the password is never logged");
});

Deno.test("mqtt bridge: a wrong password is refused, the password is not logged, nothing blocks", async () => {
  const broker = await startTestBroker();
  const logs: string[] = [];
  const bridge = bridgeFor(broker, logs, { password: "wrong-secret-123" });
  try {
    await waitFor("refused", () => bridge.lastError !== "", 5000);
    assert.equal(bridge.connected, false);
    assert.match(bridge.lastError, /not authorized|bad user/i);
    const t0 = performance.now();
    for (let i = 0; i < 1000; i++) bridge.pass(pass("cam_01", i, "full_stop"));
    assert.ok(performance.now() - t0 < 500, "queueing 1000 passes does not wait for the broker");
    assert.match(bridge.metrics(), /^stopline_mqtt_queued \d{4}$/m);
  } finally {
    await bridge.close();
    await broker.close();
  }
  assert.ok(!logs.join("\n").includes("wrong-secret-123"));
});

Deno.test("mqtt bridge: the Last Will says offline when the publishing process is killed", async () => {
  const broker = await startTestBroker();
  const sub = await subscribe(broker, ["stopline/available"]);
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("./testing_child.ts", import.meta.url).pathname],
    env: {
      MQTT_URL: broker.url,
      MQTT_USERNAME: broker.username,
      MQTT_PASSWORD: broker.password,
      MQTT_CLIENT_ID: "stopline-child",
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  try {
    await waitFor(
      "child online",
      () => sub.last("stopline/available")?.payload === "online",
      30_000,
    );
    child.kill("SIGKILL");
    assert.equal((await child.status).signal, "SIGKILL");
    await waitFor("offline", () => sub.last("stopline/available")?.payload === "offline", 5000);
    // And it is retained: a newcomer learns the analyzer is down.
    const late = await subscribe(broker, ["stopline/available"]);
    await waitFor(
      "retained offline",
      () => late.last("stopline/available")?.payload === "offline",
      5000,
    );
    await late.close();
  } finally {
    try {
      child.kill("SIGKILL");
    } catch { /* already dead */ }
    await child.status;
    await child.stdout.cancel();
    await child.stderr.cancel();
    await sub.close();
    await broker.close();
  }
});

Deno.test("mqtt bridge: broker restart: passes published while down arrive in order, the oldest beyond the bound dropped", async () => {
  // Persistence keeps the subscriber's session (and its QoS 1 queue) across the restart.
  const broker = await startTestBroker({ persistence: true });
  const logs: string[] = [];
  const subId = "restart-sub";
  let sub = await subscribe(broker, ["stopline/cam_03/pass"], { clientId: subId, clean: false });
  const bridge = bridgeFor(broker, logs, { maxQueuedEvents: 10 });
  try {
    await waitFor("connected", () => bridge.connected, 5000);
    bridge.pass(pass("cam_03", 0, "full_stop"));
    await waitFor("pass 0", () => sub.got.length === 1, 5000);
    await sub.close();
    await broker.stop();
    await waitFor("disconnected", () => !bridge.connected, 5000);
    for (let i = 1; i <= 12; i++) bridge.pass(pass("cam_03", i, "rolling_stop"));
    assert.match(bridge.metrics(), /^stopline_mqtt_dropped_total 2$/m);
    await broker.start();
    sub = await subscribe(broker, ["stopline/cam_03/pass"], { clientId: subId, clean: false });
    const ids = await waitFor("ten passes after the restart", () => {
      const got = sub.got.map((m) => JSON.parse(m.payload).pass.id);
      return got.length >= 10 && got;
    }, 20_000);
    assert.deepEqual(ids, Array.from({ length: 10 }, (_, i) => `cam_03:${i + 3}`));
    assert.ok(logs.some((l) => l.includes("disconnected")));
    await waitFor("queue empty", () => /^stopline_mqtt_queued 0$/m.test(bridge.metrics()), 5000);
  } finally {
    await bridge.close();
    await sub.close();
    await broker.close();
  }
});
