import assert from "node:assert/strict";
import pg from "./pg.ts";
import { startTestDatabase } from "../../dev/testing/postgres.ts";
import { ANALYSIS_CHANNEL } from "../channels.ts";
import { pausedCameras, setAnalysisEnabled } from "./analysis_state.ts";

Deno.test("analysis state: stored per camera, announced on stopline_analysis", async () => {
  const db = await startTestDatabase();
  const c = new pg.Client({ connectionString: db.url });
  const listener = new pg.Client({ connectionString: db.url });
  await c.connect();
  await listener.connect();
  const notes: string[] = [];
  listener.on("notification", (n) => notes.push(n.payload ?? ""));
  await listener.query(`listen ${ANALYSIS_CHANNEL}`);
  const q = (sql: string, params?: unknown[]) => c.query(sql, params);
  try {
    assert.deepEqual(await pausedCameras(q), new Set());
    const off = await setAnalysisEnabled(q, "cam_01", false, "olga");
    assert.equal(off.enabled, false);
    assert.equal(off.updated_by, "olga");
    await setAnalysisEnabled(q, "cam_02", false, "mqtt");
    assert.deepEqual(await pausedCameras(q), new Set(["cam_01", "cam_02"]));
    await setAnalysisEnabled(q, "cam_02", true, "mqtt");
    assert.deepEqual(await pausedCameras(q), new Set(["cam_01"]));
    const end = Date.now() + 5000;
    while (notes.length < 3 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(notes, ["cam_01", "cam_02", "cam_02"]);
    await assert.rejects(q("insert into camera_analysis (camera) values ('bad id')"));
  } finally {
    await listener.end();
    await c.end();
    await db.close();
  }
});
