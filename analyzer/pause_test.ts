/**
 * Runtime control end to end (issue #15 §5): a camera paused by the MQTT switch (a real
 * mosquitto) is stored like an API pause (camera_analysis row), stops ticking, its ffmpeg exits
 * (decoding stopped, not frames dropped), camera_status says paused, readiness stays green; the
 * other camera runs on; resuming through the API's path starts it again and MQTT reports it.
 */
import assert from "node:assert/strict";
import mqtt from "mqtt";
import { startTestBroker } from "../dev/testing/mosquitto.ts";
import { TICK_CHANNEL } from "../shared/channels.ts";
import { setAnalysisEnabled } from "../shared/db/analysis_state.ts";
import { withTestClient } from "../dev/testing/postgres.ts";
import { startTestAnalyzer } from "../dev/testing/analyzer.ts";
import { waitFor } from "../dev/testing/wait.ts";
import { resolveFilePath } from "./sources.ts";

const SCENE = resolveFilePath("samples/scenes/full_stop.mp4");
const VTEST = resolveFilePath("samples/vtest.mp4");

/** The command lines of the analyzer's ffmpeg children. */
async function _ffmpegArgs(pid: number): Promise<string[]> {
  const out = await new Deno.Command("ps", {
    args: ["-o", "args=", "--ppid", String(pid)],
    stdout: "piped",
    stderr: "null",
  }).output();
  // The decoders only (they write rawvideo): each camera's clip recorder is an ffmpeg too.
  return new TextDecoder().decode(out.stdout).split("\n")
    .filter((l) => l.includes("ffmpeg") && l.includes("rawvideo"));
}

Deno.test({
  name: "live analyzer: pausing a camera stops its decoder and inference; resume restarts it",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withTestClient(async (q, client, db) => {
      const broker = await startTestBroker();
      const sub = await mqtt.connectAsync(broker.url, {
        username: broker.username,
        password: broker.password,
        reconnectPeriod: 0,
      });
      const enabledState = new Map<string, string>();
      sub.on("message", (topic, payload) => {
        const m = /^stopline\/([^/]+)\/enabled$/.exec(topic);
        if (m) enabledState.set(m[1], payload.toString());
      });
      await sub.subscribeAsync("stopline/+/enabled", { qos: 1 });
      await client.query("delete from camera_analysis; delete from camera_status");
      const lastTickAt = new Map<string, number>();
      const pausedSaid: string[] = [];
      client.on("notification", (n) => {
        const m = JSON.parse(n.payload!);
        if (m.type === "tick") lastTickAt.set(m.camera, Date.now());
        if (m.type === "status") pausedSaid.push(`${m.camera}:${m.analyzer}`);
      });
      await client.query(`listen ${TICK_CHANNEL}`);
      const ta = await startTestAnalyzer({
        databaseUrl: db.url,
        config: `cameras:
  scene:
    source: ${SCENE}
    loop: true
    detect: { fps: 5, min_conf: 0.4 }
  cam_01:
    source: ${VTEST}
    loop: true
    detect: { fps: 5, min_conf: 0.4 }
`,
        env: {
          MQTT_URL: broker.url,
          MQTT_USERNAME: broker.username,
          MQTT_PASSWORD: broker.password,
        },
      });
      const statusOf = async (camera: string) =>
        (await q("select paused, frames from camera_status where camera = $1", [camera])).rows[0];
      try {
        await waitFor("ticks from both cameras", () => lastTickAt.size === 2, 90_000);
        const pid = ta.process.pid!;
        assert.equal((await _ffmpegArgs(pid)).length, 2);

        await waitFor(
          "MQTT says scene is analyzed",
          () => enabledState.get("scene") === "ON",
          10_000,
        );

        // Pause `scene` from Home Assistant's switch: stored like an API call, then applied.
        await sub.publishAsync("stopline/scene/set/enabled", "OFF", { qos: 1 });
        const row = await waitFor(
          "the MQTT command stored",
          async () =>
            (await q("select enabled, updated_by from camera_analysis where camera = 'scene'"))
              .rows[0],
          10_000,
        );
        assert.deepEqual(row, { enabled: false, updated_by: "mqtt" });
        // Its ffmpeg exits, ticks stop, the status row and the MQTT state say paused.
        await waitFor(
          "scene paused in camera_status",
          async () => (await statusOf("scene"))?.paused === true,
          10_000,
        );
        await waitFor("scene's ffmpeg stopped", async () => {
          const args = await _ffmpegArgs(pid);
          return args.length === 1 && args[0].includes("vtest.mp4");
        }, 10_000);
        await waitFor(
          "MQTT says scene is paused",
          () => enabledState.get("scene") === "OFF",
          10_000,
        );
        assert.equal(enabledState.get("cam_01"), "ON");
        const pausedAt = Date.now();
        await new Promise((r) => setTimeout(r, 2_500));
        assert.ok(lastTickAt.get("scene")! < pausedAt, "no tick from a paused camera");
        assert.ok(lastTickAt.get("cam_01")! > pausedAt, "the other camera keeps ticking");
        // The realtime plane says "paused" (the relay shows it instead of "offline").
        assert.ok(pausedSaid.includes("scene:paused"), pausedSaid.join());
        assert.ok(!pausedSaid.some((m) => m.startsWith("cam_01")));
        // Readiness does not wait for frames from a paused camera (STALL and readiness skip it).
        await waitFor("ready while scene is paused", async () => {
          const r = await fetch(`${ta.url}/readyz`);
          await r.body?.cancel();
          return r.status === 200;
        }, 10_000);

        // Resume through the API's path (the row + NOTIFY): a fresh pipeline decodes and ticks.
        await setAnalysisEnabled(q, "scene", true, "test");
        const resumedAt = Date.now();
        await waitFor("scene ticks again", () => lastTickAt.get("scene")! > resumedAt, 30_000);
        await waitFor(
          "scene running in camera_status",
          async () => (await statusOf("scene"))?.paused === false,
          10_000,
        );
        assert.equal((await _ffmpegArgs(pid)).length, 2);
        await waitFor(
          "MQTT says scene is analyzed again",
          () => enabledState.get("scene") === "ON",
          10_000,
        );
      } finally {
        await ta.close();
        await sub.endAsync(true);
        await broker.close();
      }
    }),
});

Deno.test({
  name: "live analyzer: a camera paused before a restart never starts decoding; ready without it",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withTestClient(async (q, _client, db) => {
      await q("delete from camera_analysis; delete from camera_status");
      // Stored by an earlier API call (or MQTT) before this analyzer starts.
      await setAnalysisEnabled(q, "scene", false, "olga");
      const ta = await startTestAnalyzer({
        databaseUrl: db.url,
        config: `cameras:
  scene:
    source: ${SCENE}
    loop: true
  cam_01:
    source: ${VTEST}
    loop: true
    detect: { fps: 5, min_conf: 0.4 }
`,
      });
      try {
        await waitFor("ready with scene paused", async () => {
          const r = await fetch(`${ta.url}/readyz`);
          await r.body?.cancel();
          return r.status === 200;
        }, 90_000);
        const rows = await waitFor("both status rows", async () => {
          const r = await q("select camera, paused, frames from camera_status order by camera");
          return r.rows.length === 2 && r.rows;
        }, 10_000);
        assert.equal(rows[0].camera, "cam_01");
        assert.equal(rows[0].paused, false);
        assert.deepEqual(rows[1], { camera: "scene", paused: true, frames: "0" });
        const args = await _ffmpegArgs(ta.process.pid!);
        assert.equal(args.length, 1);
        assert.ok(args[0].includes("vtest.mp4"), args[0]);
      } finally {
        await ta.close();
      }
    }),
});
