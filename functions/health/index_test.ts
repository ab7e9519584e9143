import assert from "node:assert/strict";
import { startTestDatabase } from "../../dev/testing/postgres.ts";
import { createPool } from "../_shared/db.ts";
import { createHealthApp } from "./index.ts";

Deno.test("readyz is 200 with a live database and 503 with reasons without one", async () => {
  const db = await startTestDatabase();
  const pool = createPool(db.url, 1);
  try {
    const app = createHealthApp({ pool });
    assert.equal((await app.request("/healthz")).status, 200);
    const ok = await app.request("/readyz");
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { ready: true, reasons: [] });

    // An analyzer that is not there is a reason, not a crash.
    const withAnalyzer = createHealthApp({ pool, analyzerUrl: "http://127.0.0.1:9" });
    const r = await withAnalyzer.request("/readyz");
    assert.equal(r.status, 503);
    assert.match((await r.json()).reasons[0], /^analyzer unreachable/);

    // Fleet mode: the holder of each camera; a camera nobody holds makes it not ready.
    await pool.query(
      `insert into analyzer_fleet (holder, max_cameras) values ('box-1', 2);
       insert into camera_leases (camera, holder, epoch, expires_at) values
         ('cam_A', 'box-1', 1, now() + interval '10 s'), ('cam_B', null, 1, '-infinity')`,
    );
    const fleet = await app.request("/readyz");
    assert.equal(fleet.status, 503);
    assert.deepEqual(await fleet.json(), {
      ready: false,
      reasons: ["cam_B: no analyzer holds it"],
      fleet: { cam_A: "box-1", cam_B: null },
    });
    await pool.query(`delete from camera_leases; delete from analyzer_fleet`);

    await db.stopServer?.();
    const down = await app.request("/readyz");
    assert.equal(down.status, 503);
    assert.match((await down.json()).reasons[0], /^database unreachable/);
    assert.equal((await app.request("/healthz")).status, 200, "liveness is not readiness");
  } finally {
    await pool.end();
    await db.close();
  }
});
