/** POST /api/cameras/:id/analysis: pause/resume analysis of one camera (issue #15 §5). */
import assert from "node:assert/strict";
import pg from "../../shared/db/pg.ts";
import { startTestDatabase } from "../../dev/testing/postgres.ts";
import { ANALYSIS_CHANNEL } from "../../shared/channels.ts";
import { pausedCameras } from "../../shared/db/analysis_state.ts";
import { createPool } from "../_shared/db.ts";
import { signJwt } from "../_shared/jwt.ts";
import type { Claims } from "../_shared/jwt.ts";
import { SecretBox } from "../_shared/secret_box.ts";
import { createCamerasApp } from "./index.ts";

const SECRET = "analysis-test-secret-0123456789abcdef";

async function _bearer(over: Partial<Claims> = {}): Promise<Record<string, string>> {
  const exp = Math.floor(Date.now() / 1000) + 600;
  const token = await signJwt({ sub: "olga", role: "operator", exp, ...over }, SECRET);
  return { authorization: `Bearer ${token}`, "content-type": "application/json" };
}

Deno.test("cameras API: POST /api/cameras/:id/analysis pauses and resumes, scoped and durable", async () => {
  const db = await startTestDatabase();
  const pool = createPool(db.url, 3);
  await pool.query("delete from camera_analysis; delete from camera_status");
  const dir = await Deno.makeTempDir();
  const configPath = `${dir}/stopline.yaml`;
  await Deno.writeTextFile(
    configPath,
    "cameras:\n  cam_A:\n    source: samples/a.mp4\n  cam_B:\n    source: samples/b.mp4\n",
  );
  const app = createCamerasApp({
    pool,
    auth: { secret: SECRET },
    box: await SecretBox.create(undefined),
    mediamtx: null,
    configPath,
    log: () => {},
  });
  const listener = new pg.Client({ connectionString: db.url });
  await listener.connect();
  const notes: string[] = [];
  listener.on("notification", (n) => notes.push(n.payload ?? ""));
  await listener.query(`listen ${ANALYSIS_CHANNEL}`);
  const post = (camera: string, body: unknown, headers: Record<string, string>) =>
    app.request(`/api/cameras/${camera}/analysis`, {
      method: "POST",
      headers,
      body: JSON.stringify(body),
    });
  const q = (sql: string, params?: unknown[]) => pool.query(sql, params);
  try {
    const op = await _bearer();
    const opA = await _bearer({ sub: "anna", cameras: ["cam_A"] });
    const viewer = await _bearer({ role: "viewer" });

    // Who may: anonymous 401, viewer 403, an operator scoped to cam_A cannot pause cam_B.
    const anon = await post("cam_B", { enabled: false }, { "content-type": "application/json" });
    assert.equal(anon.status, 401);
    assert.equal((await post("cam_B", { enabled: false }, viewer)).status, 403);
    assert.equal((await post("cam_B", { enabled: false }, opA)).status, 403);
    assert.deepEqual(await pausedCameras(q), new Set());

    // Bad bodies and unknown cameras.
    assert.equal((await post("cam_A", { enabled: "no" }, op)).status, 400);
    assert.equal((await post("cam_A", { enabled: false, x: 1 }, op)).status, 400);
    assert.equal((await post("cam_Z", { enabled: false }, op)).status, 404);

    // Pause: stored, announced, shown in the list.
    const paused = await post("cam_A", { enabled: false }, opA);
    assert.equal(paused.status, 200);
    const state = await paused.json();
    assert.equal(state.camera, "cam_A");
    assert.equal(state.enabled, false);
    assert.equal(state.updated_by, "anna");
    assert.deepEqual(await pausedCameras(q), new Set(["cam_A"]));
    const end = Date.now() + 5000;
    while (!notes.length && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(notes, ["cam_A"]);

    // The list says what was asked (analysis_enabled) and what the analyzer does (status.paused).
    await pool.query(
      "insert into camera_status (camera, fps, infer_ms, lag_ms, dropped, frames, paused) values ('cam_A', 0, 0, 0, 0, 10, true)",
    );
    const list = await (await app.request("/api/cameras", { headers: viewer })).json();
    const byId = Object.fromEntries(
      list.cameras.map((c: { id: string }) => [c.id, c]),
    );
    assert.equal(byId.cam_A.analysis_enabled, false);
    assert.equal(byId.cam_A.status.paused, true);
    assert.equal(byId.cam_B.analysis_enabled, true);

    // Resume.
    const resumed = await post("cam_A", { enabled: true }, op);
    assert.equal(resumed.status, 200);
    assert.equal((await resumed.json()).enabled, true);
    assert.deepEqual(await pausedCameras(q), new Set());
  } finally {
    await listener.end();
    await pool.end();
    await db.close();
    await Deno.remove(dir, { recursive: true });
  }
});
