/**
 * Runtime control end to end (issue #15 §5): a camera paused through the camera_analysis switch
 * stops ticking, its ffmpeg exits (decoding stopped, not frames dropped), camera_status says
 * paused, readiness stays green; the other camera runs on; resuming starts it again.
 */
import assert from "node:assert/strict";
import pg from "../shared/db/pg.ts";
import { TICK_CHANNEL } from "../shared/channels.ts";
import { setAnalysisEnabled } from "../shared/db/analysis_state.ts";
import { startTestDatabase } from "../dev/testing/postgres.ts";
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
  return new TextDecoder().decode(out.stdout).split("\n").filter((l) => l.includes("ffmpeg"));
}

Deno.test({
  name: "live analyzer: pausing a camera stops its decoder and inference; resume restarts it",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const db = await startTestDatabase();
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await client.query("delete from camera_analysis; delete from camera_status");
    const lastTickAt = new Map<string, number>();
    client.on("notification", (n) => {
      const m = JSON.parse(n.payload!);
      if (m.type === "tick") lastTickAt.set(m.camera, Date.now());
    });
    await client.query(`listen ${TICK_CHANNEL}`);
    const q = (sql: string, params?: unknown[]) => client.query(sql, params);
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
    });
    const statusOf = async (camera: string) =>
      (await q("select paused, frames from camera_status where camera = $1", [camera])).rows[0];
    try {
      await waitFor("ticks from both cameras", () => lastTickAt.size === 2, 90_000);
      const pid = ta.process.pid!;
      assert.equal((await _ffmpegArgs(pid)).length, 2);

      // Pause `scene`: its ffmpeg exits, ticks stop, the status row says paused.
      await setAnalysisEnabled(q, "scene", false, "test");
      await waitFor(
        "scene paused in camera_status",
        async () => (await statusOf("scene"))?.paused === true,
        10_000,
      );
      await waitFor("scene's ffmpeg stopped", async () => {
        const args = await _ffmpegArgs(pid);
        return args.length === 1 && args[0].includes("vtest.mp4");
      }, 10_000);
      const pausedAt = Date.now();
      await new Promise((r) => setTimeout(r, 2_500));
      assert.ok(lastTickAt.get("scene")! < pausedAt, "no tick from a paused camera");
      assert.ok(lastTickAt.get("cam_01")! > pausedAt, "the other camera keeps ticking");
      // Readiness does not wait for frames from a paused camera (STALL and readiness skip it).
      await waitFor("ready while scene is paused", async () => {
        const r = await fetch(`${ta.url}/readyz`);
        await r.body?.cancel();
        return r.status === 200;
      }, 10_000);

      // Resume: a fresh pipeline decodes and ticks again.
      await setAnalysisEnabled(q, "scene", true, "test");
      const resumedAt = Date.now();
      await waitFor("scene ticks again", () => lastTickAt.get("scene")! > resumedAt, 30_000);
      await waitFor(
        "scene running in camera_status",
        async () => (await statusOf("scene"))?.paused === false,
        10_000,
      );
      assert.equal((await _ffmpegArgs(pid)).length, 2);
    } finally {
      await ta.close();
      await client.end();
      await db.close();
    }
  },
});
