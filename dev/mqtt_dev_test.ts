/**
 * The acceptance check for the MQTT bridge: with MQTT_URL pointing at a local mosquitto,
 * `deno task dev` (dev/main.ts) publishes a `stopline/cam_02/pass` within a minute, the
 * environment reaching the analyzer through the dev supervisor; Ctrl-C leaves `offline` retained.
 */
import assert from "node:assert/strict";
import mqtt from "mqtt";
import { startTestBroker } from "./testing/mosquitto.ts";
import { waitFor } from "./testing/wait.ts";

const MAIN = new URL("./main.ts", import.meta.url).pathname;

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
    const dataDir = await Deno.makeTempDir({ prefix: "stopline-dev-mqtt-" });
    await Deno.chmod(dataDir, 0o755); // postgres runs as its own user and must reach pg/
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", MAIN],
      env: {
        STOPLINE_DATA_DIR: dataDir,
        PORT: "0",
        MQTT_URL: broker.url,
        MQTT_USERNAME: broker.username,
        MQTT_PASSWORD: broker.password,
      },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      detached: true,
    }).spawn();
    const log: string[] = [];
    const read = Promise.all([child.stdout, child.stderr].map(async (s) => {
      for await (const t of s.pipeThrough(new TextDecoderStream())) log.push(t);
    }));
    let exited = false;
    const status = child.status.finally(() => exited = true);
    try {
      await waitFor(
        "the stack to start",
        () => log.join("").includes("stopline is running"),
        120_000,
      );
      const started = Date.now();
      const pass = await waitFor(
        "stopline/cam_02/pass",
        () => got.find((m) => m.topic === "stopline/cam_02/pass"),
        60_000,
      ).catch((e) => {
        throw new Error(`${e.message}\n${log.join("")}`);
      });
      assert.ok(Date.now() - started < 60_000);
      const ev = JSON.parse(pass.payload);
      assert.equal(ev.type, "pass");
      assert.equal(ev.pass.camera, "cam_02");
      assert.ok(got.some((m) => m.topic === "stopline/available" && m.payload === "online"));
      assert.ok(!log.join("").includes(broker.password), "the MQTT password is not logged");

      Deno.kill(-child.pid, "SIGINT");
      assert.equal((await status).code, 0, log.join(""));
      const available = () => got.filter((m) => m.topic === "stopline/available").at(-1);
      await waitFor("offline on a clean stop", () => available()?.payload === "offline", 5000);
    } finally {
      if (!exited) {
        try {
          Deno.kill(-child.pid, "SIGKILL");
        } catch { /* gone */ }
        await status;
      }
      await read.catch(() => {});
      await sub.endAsync(true);
      await broker.close();
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    }
  },
});
