import assert from "node:assert/strict";
import { freePort } from "../../../dev/free_port.ts";
import { startTestBroker } from "../../../dev/testing/mosquitto.ts";
import { waitFor } from "../../../dev/testing/wait.ts";
import { redactUrl } from "./client.ts";
import { mqttBridgeFromEnv } from "./from_env.ts";

const envOf = (vars: Record<string, string>) => (n: string) => vars[n];

Deno.test("mqttBridgeFromEnv: off without MQTT_URL; bad settings are refused by name", () => {
  assert.equal(mqttBridgeFromEnv(envOf({})), null);
  assert.throws(() => mqttBridgeFromEnv(envOf({ MQTT_URL: "http://broker:1883" })), /mqtt:\/\//);
  assert.throws(() => mqttBridgeFromEnv(envOf({ MQTT_URL: "not a url" })), /not a URL/);
  assert.throws(
    () => mqttBridgeFromEnv(envOf({ MQTT_URL: "mqtt://b:1883", MQTT_TOPIC_PREFIX: "a/#" })),
    /MQTT_TOPIC_PREFIX/,
  );
});

Deno.test("mqttBridgeFromEnv: the password never reaches the log", async () => {
  const logs: string[] = [];
  const port = freePort(); // nothing listens: the bridge keeps retrying, and logs why
  const bridge = mqttBridgeFromEnv(
    envOf({
      MQTT_URL: `mqtt://u:url-secret-1@127.0.0.1:${port}`,
      MQTT_PASSWORD: "env-secret-2",
      MQTT_DISCOVERY_PREFIX: "off",
    }),
    (m) => logs.push(m),
  )!;
  try {
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(bridge.connected, false);
  } finally {
    await bridge.close();
  }
  const text = logs.join("\n");
  assert.match(text, /publishing to mqtt:\/\/u:\*\*\*@127\.0\.0\.1/);
  assert.ok(!text.includes("url-secret-1") && !text.includes("env-secret-2"), text);
  assert.equal(redactUrl("mqtts://a:b@h:8883"), "mqtts://a:***@h:8883");
});

Deno.test("mqttBridgeFromEnv: credentials in MQTT_URL log in; MQTT_USERNAME/MQTT_PASSWORD win over them", async () => {
  const broker = await startTestBroker();
  const inUrl = mqttBridgeFromEnv(envOf({
    MQTT_URL: `mqtt://${broker.username}:${broker.password}@127.0.0.1:${broker.port}`,
    MQTT_CLIENT_ID: "from-url",
  }))!;
  const envWins = mqttBridgeFromEnv(envOf({
    MQTT_URL: `mqtt://nobody:wrong@127.0.0.1:${broker.port}`,
    MQTT_USERNAME: broker.username,
    MQTT_PASSWORD: broker.password,
    MQTT_CLIENT_ID: "from-env",
  }))!;
  try {
    await waitFor("both connected", () => inUrl.connected && envWins.connected, 5000);
  } finally {
    await inUrl.close();
    await envWins.close();
    await broker.close();
  }
});

Deno.test("mqttBridgeFromEnv: mqtts:// with MQTT_CA_FILE connects over TLS; without the CA it is refused", async () => {
  const broker = await startTestBroker({ tls: true });
  const dir = await Deno.makeTempDir();
  const caFile = `${dir}/ca.pem`;
  await Deno.writeTextFile(caFile, broker.caPem!);
  const base = {
    MQTT_URL: broker.url,
    MQTT_USERNAME: broker.username,
    MQTT_PASSWORD: broker.password,
  };
  assert.match(broker.url, /^mqtts:/);
  const trusted = mqttBridgeFromEnv(
    envOf({ ...base, MQTT_CA_FILE: caFile, MQTT_CLIENT_ID: "tls-ok" }),
  )!;
  const untrusted = mqttBridgeFromEnv(envOf({ ...base, MQTT_CLIENT_ID: "tls-no-ca" }))!;
  try {
    await waitFor("TLS connection", () => trusted.connected, 5000);
    await waitFor("certificate error", () => untrusted.lastError !== "", 5000);
    assert.equal(untrusted.connected, false);
    assert.match(untrusted.lastError, /certificate|self.signed|issuer/i);
  } finally {
    await trusted.close();
    await untrusted.close();
    await broker.close();
    await Deno.remove(dir, { recursive: true });
  }
});
