import assert from "node:assert/strict";
import pg from "./pg.ts";
import { startTestDatabase } from "../../dev/testing/postgres.ts";
import { waitFor } from "../../dev/testing/wait.ts";
import { ANSWER_TIMEOUT_MS } from "./pg_liveness.ts";
import { listen } from "./pg_listener.ts";

/** Shorter than production's PROBE_EVERY_MS, to keep the test short; the mechanism is the same. */
const PROBE_MS = 2_000;

Deno.test("pg listener: a frozen database (nothing answers, no reset) reads as disconnected within a probe and a timeout, and notifications flow again on a new connection when it answers", async () => {
  const db = await startTestDatabase();
  if (!db.freezeServer || !db.thawServer) return db.close(); // an external database
  const got: string[] = [];
  const logs: string[] = [];
  const listener = listen(db.url, "liveness_test", (p) => got.push(p), {
    log: (m) => logs.push(m),
    probeEveryMs: PROBE_MS,
  });
  const notify = async (payload: string) => {
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      await c.query("select pg_notify('liveness_test', $1)", [payload]);
    } finally {
      await c.end();
    }
  };
  try {
    await waitFor("listening", () => listener.connected, 10_000);
    await notify("before");
    await waitFor("a first notification", () => got.includes("before"), 5_000);

    await db.freezeServer();
    const frozeAt = Date.now();
    await waitFor("the listener sees the frozen database", () => !listener.connected, 30_000, 50);
    const detectedMs = Date.now() - frozeAt;
    const boundMs = PROBE_MS + ANSWER_TIMEOUT_MS + 1_000;
    assert.ok(detectedMs <= boundMs, `read as listening for ${detectedMs} ms (bound ${boundMs})`);
    assert.ok(logs.some((l) => l.includes("no answer")), logs.join("\n"));

    await db.thawServer();
    await waitFor("listening again", () => listener.connected, 20_000);
    await notify("after");
    await waitFor("a notification after the thaw", () => got.includes("after"), 5_000);
  } finally {
    await db.thawServer();
    await listener.close();
    await db.close();
  }
});
