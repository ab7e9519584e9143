/**
 * The analyzer against a real RTSP camera: readiness follows the camera (false with the reason
 * while it is gone), frames return after it does, and the stall watchdog exits the process
 * after STALL_EXIT_S without frames so a supervisor can restart it.
 */
import assert from "node:assert/strict";
import { startTestAnalyzer } from "../dev/testing/analyzer.ts";
import { freePort } from "../dev/free_port.ts";
import { startTestDatabase } from "../dev/testing/postgres.ts";
import { startRtspCamera } from "../dev/testing/rtsp_camera.ts";
import { waitFor } from "../dev/testing/wait.ts";

async function _ready(port: number): Promise<{ status: number; reasons: string[] }> {
  try {
    const r = await fetch(`http://127.0.0.1:${port}/readyz`);
    return { status: r.status, reasons: (await r.json()).reasons };
  } catch {
    return { status: 0, reasons: ["unreachable"] };
  }
}

Deno.test({
  name: "RTSP camera loss: readiness false with reason, recovery, then the stall watchdog exits",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const db = await startTestDatabase();
    const camPort = freePort();
    let cam = await startRtspCamera(camPort, "/gate");
    const logs: string[] = [];
    const ta = await startTestAnalyzer({
      databaseUrl: db.url,
      config:
        `cameras:\n  gate:\n    source: rtsp://viewer:hunter2@127.0.0.1:${camPort}/gate\n    detect: { fps: 5 }\n`,
      env: { STALL_EXIT_S: "8" },
      log: (l) => logs.push(l),
      start: false,
    });
    const { process: analyzer, port } = ta;
    try {
      analyzer.start();
      await waitFor("ready", async () => (await _ready(port)).status === 200, 30_000);

      await cam.stop();
      await waitFor("not ready with the reason", async () => {
        const r = await _ready(port);
        return r.status === 503 && r.reasons.some((x) => /^gate: no frame for/.test(x));
      }, 8_000);
      const reasons = (await _ready(port)).reasons.join(" ");
      assert.ok(!reasons.includes("hunter2"), "credentials never appear in reasons");

      cam = await startRtspCamera(camPort, "/gate");
      const returned = Date.now();
      await waitFor("ready again", async () => (await _ready(port)).status === 200, 8_000);
      console.log(`ready again ${Date.now() - returned} ms after the camera returned`);

      await cam.stop();
      const gone = Date.now();
      await waitFor("watchdog exit", () => !analyzer.running, 15_000);
      const exitMs = Date.now() - gone;
      console.log(`watchdog exited ${exitMs} ms after the camera went away (STALL_EXIT_S=8)`);
      assert.equal(analyzer.lastExitCode, 3);
      assert.ok(logs.some((l) => l.includes("stalled for 8 s")), logs.join("\n"));
      assert.ok(!logs.join("\n").includes("hunter2"), "credentials never logged");
    } finally {
      await ta.close();
      await cam.stop();
      await db.close();
    }
  },
});
