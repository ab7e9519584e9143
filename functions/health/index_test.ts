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
