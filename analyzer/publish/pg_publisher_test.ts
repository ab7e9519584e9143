import assert from "node:assert/strict";
import pg from "../../shared/db/pg.ts";
import { TICK_CHANNEL } from "../../shared/channels.ts";
import { makeTick } from "../../shared/testing/ticks.ts";
import { startTestDatabase } from "../../dev/testing/postgres.ts";
import { listen } from "../../shared/db/pg_listener.ts";
import { PgPublisher } from "./pg_publisher.ts";

async function _until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out waiting for a condition");
    await new Promise((r) => setTimeout(r, 20));
  }
}

Deno.test("pg publisher notifies events in order and ticks latest-state; status-only mode stays quiet", async () => {
  const db = await startTestDatabase();
  const got: { type: string; seq?: number; ts: number }[] = [];
  const listener = listen(db.url, TICK_CHANNEL, (p) => got.push(JSON.parse(p)));
  const pub = new PgPublisher(db.url);
  const statusOnly = new PgPublisher(db.url, () => {}, { notify: false });
  try {
    await _until(() => listener.connected && pub.connected && statusOnly.connected);
    statusOnly.publish("cam_01", JSON.stringify(makeTick("cam_01", 999)));
    for (let seq = 1; seq <= 20; seq++) {
      pub.publish("cam_01", JSON.stringify(makeTick("cam_01", seq)));
    }
    for (let ts = 1; ts <= 3; ts++) pub.publishEvent("cam_01", JSON.stringify({ type: "x", ts }));
    await _until(() =>
      got.some((m) => m.seq === 20) && got.filter((m) => m.type === "x").length === 3
    );
    assert.deepEqual(got.filter((m) => m.type === "x").map((m) => m.ts), [1, 2, 3]);
    assert.ok(!got.some((m) => m.seq === 999), "notify: false publishes nothing");
    assert.equal(pub.published + pub.dropped, 23, "every tick was either sent or replaced");
    statusOnly.writeStatus({
      camera: "cam_01",
      fps: 15,
      infer_ms: 12,
      lag_ms: 30,
      dropped: 0,
      frames: 100,
      frame_w: 768,
      frame_h: 576,
      capture_age_ms: 400,
      decode_age_ms: 300,
      infer_age_ms: null,
      publish_age_ms: 250,
      detected_share: 0.25,
    });
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      let rows: { fps: number }[] = [];
      for (let i = 0; i < 50 && rows.length === 0; i++) {
        rows = (await c.query("select fps from camera_status where camera = 'cam_01'")).rows;
        if (!rows.length) await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(rows[0]?.fps, 15, "the status row still goes to Postgres");
      const ages = (await c.query(
        `select capture_age_ms, decode_age_ms, infer_age_ms, publish_age_ms, detected_share
         from camera_status where camera = 'cam_01'`,
      )).rows[0];
      assert.deepEqual(ages, {
        capture_age_ms: 400,
        decode_age_ms: 300,
        infer_age_ms: null,
        publish_age_ms: 250,
        detected_share: 0.25,
      }, "the staleness chain's analyzer links and the detected share are stored with the row");
    } finally {
      await c.end();
    }
  } finally {
    await pub.close();
    await statusOnly.close();
    await listener.close();
    await db.close();
  }
});

Deno.test("pg publisher: a frozen database (nothing answers, no reset) reads as disconnected within seconds and the publisher is back when it answers again", async () => {
  const db = await startTestDatabase();
  if (!db.freezeServer || !db.thawServer) return db.close(); // an external database
  const pub = new PgPublisher(db.url);
  const got: number[] = [];
  const listener = listen(db.url, TICK_CHANNEL, (p) => got.push(JSON.parse(p).seq));
  let seq = 0;
  const ticking = setInterval(
    () => pub.publish("cam_01", JSON.stringify(makeTick("cam_01", ++seq))),
    100,
  );
  try {
    await _until(() => pub.connected && listener.connected && got.length > 0);
    await db.freezeServer();
    const frozeAt = Date.now();
    await _until(() => !pub.connected, 15_000);
    const detectedMs = Date.now() - frozeAt;
    assert.ok(detectedMs <= 8_000, `a frozen database read as connected for ${detectedMs} ms`);
    assert.ok(pub.lastError.length > 0, "the reason is kept for readiness");
    await db.thawServer();
    const before = seq;
    await _until(() => pub.connected && got.some((s) => s > before), 20_000);
  } finally {
    clearInterval(ticking);
    await db.thawServer();
    await pub.close();
    await listener.close();
    await db.close();
  }
});
