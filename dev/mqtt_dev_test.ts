/**
 * The acceptance check for the MQTT bridge: with MQTT_URL pointing at a local mosquitto,
 * `deno task dev` (dev/main.ts) publishes a `stopline/cam_02/pass` within a minute, the
 * environment reaching the analyzer through the dev supervisor; Ctrl-C leaves `offline` retained.
 */
import assert from "node:assert/strict";
import mqtt from "mqtt";
import { startDevStack } from "./testing/dev_stack.ts";
import { startTestBroker } from "./testing/mosquitto.ts";
import { waitFor } from "./testing/wait.ts";

Deno.test({
  name: "dev: with MQTT_URL set, a stopline/cam_02/pass arrives within a minute",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const broker = await startTestBroker();
    const sub = await mqtt.connectAsync(broker.url, {
      username: broker.username,
      password: broker.password,
      reconnectPeriod: 0,
    });
    const got: { topic: string; payload: string }[] = [];
    sub.on("message", (topic, payload) => got.push({ topic, payload: payload.toString() }));
    await sub.subscribeAsync(["stopline/#"], { qos: 1 });
    const stack = await startDevStack({
      prefix: "stopline-dev-mqtt-",
      env: {
        MQTT_URL: broker.url,
        MQTT_USERNAME: broker.username,
        MQTT_PASSWORD: broker.password,
      },
    });
    try {
      await stack.running();
      const started = Date.now();
      const pass = await stack.waitFor(
        "stopline/cam_02/pass",
        () => got.find((m) => m.topic === "stopline/cam_02/pass"),
        60_000,
      );
      assert.ok(Date.now() - started < 60_000);
      const ev = JSON.parse(pass.payload);
      assert.equal(ev.type, "pass");
      assert.equal(ev.pass.camera, "cam_02");
      assert.ok(got.some((m) => m.topic === "stopline/available" && m.payload === "online"));
      assert.ok(!stack.logText().includes(broker.password), "the MQTT password is not logged");

      stack.interrupt();
      assert.equal((await stack.exited()).code, 0, stack.logText());
      const available = () => got.filter((m) => m.topic === "stopline/available").at(-1);
      await waitFor("offline on a clean stop", () => available()?.payload === "offline", 5000);
    } finally {
      await stack.close();
      await sub.endAsync(true);
      await broker.close();
    }
  },
});
