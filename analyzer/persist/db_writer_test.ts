import assert from "node:assert/strict";
import pg from "../../shared/db/pg.ts";
import { startTestDatabase } from "../../dev/testing/postgres.ts";
import { DbWriter } from "./db_writer.ts";
import type { PassRecord } from "./records.ts";

function _pass(i: number): PassRecord {
  return {
    id: `cam_01:1000:${i}`,
    camera: "cam_01",
    track_id: i,
    label: "car",
    verdict: i % 2 ? "full_stop" : "no_stop",
    entered_at: 1_763_700_000_000 + i * 10_000,
    exited_at: 1_763_700_004_000 + i * 10_000,
    time_in_zone_s: 4,
    stop_duration_s: i % 2 ? 3 : 0,
    min_speed_px_s: 0,
    entry_speed_px_s: 80,
    image: `minio://stopline/passes/cam_01/${i}.jpg`,
    quality: { samples: 40 },
    samples: [{ ts: 1, cx: 2, cy: 3, speed_px_s: 4 }],
  };
}

async function _count(url: string, table: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return Number((await c.query(`select count(*)::int as n from ${table}`)).rows[0].n);
  } finally {
    await c.end();
  }
}

Deno.test("passes, samples and events are written in batches and idempotently", async () => {
  const db = await startTestDatabase();
  const spoolDir = await Deno.makeTempDir();
  const w = new DbWriter({ databaseUrl: db.url, spoolDir, flushMs: 50 });
  try {
    await w.addPass(_pass(1));
    await w.addPass(_pass(1)); // the same pass twice (a replay) is stored once
    w.addSamples([{
      camera: "cam_01",
      track_id: 1,
      ts: 1_763_700_000_100,
      cx: 10,
      cy: 20,
      speed_px_s: 5.5,
      phase: "stopped",
      bbox: [0.1, 0.2, 0.3, 0.4],
    }]);
    w.addEvent({
      camera: "cam_01",
      track_id: 1,
      event: "new",
      ts: 1_763_700_000_000,
      before: null,
      after: { id: 1 },
    });
    assert.equal(await w.flush(), true);
    assert.equal(await _count(db.url, "vehicle_passes"), 1);
    assert.equal(await _count(db.url, "car_state_history"), 1);
    assert.equal(await _count(db.url, "track_events"), 1);
    assert.deepEqual(
      await Array.fromAsync(Deno.readDir(spoolDir)),
      [],
      "spool emptied after commit",
    );
  } finally {
    await w.close();
    await db.close();
    await Deno.remove(spoolDir, { recursive: true });
  }
});

Deno.test("road speeds (m/s) are stored when calibrated, null otherwise", async () => {
  const db = await startTestDatabase();
  const spoolDir = await Deno.makeTempDir();
  const w = new DbWriter({ databaseUrl: db.url, spoolDir, flushMs: 50 });
  try {
    await w.addPass({ ..._pass(1), entry_speed_mps: 4.2, min_speed_mps: 0.1, max_speed_mps: 4.5 });
    await w.addPass({
      ..._pass(2),
      entry_speed_mps: null,
      min_speed_mps: null,
      max_speed_mps: null,
    });
    await w.addPass(_pass(3)); // an older writer's record without the fields
    assert.equal(await w.flush(), true);
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    const rows = (await c.query(
      `select track_id, entry_speed_mps, min_speed_mps, max_speed_mps from vehicle_passes
       order by track_id`,
    )).rows.map((r) => [r.track_id, r.entry_speed_mps, r.min_speed_mps, r.max_speed_mps]);
    await c.end();
    assert.deepEqual(rows.map((r) => r.map((x) => (x === null ? null : Math.round(x * 10) / 10))), [
      [1, 4.2, 0.1, 4.5],
      [2, null, null, null],
      [3, null, null, null],
    ]);
  } finally {
    await w.close();
    await db.close();
    await Deno.remove(spoolDir, { recursive: true });
  }
});

Deno.test("a dead database loses no pass: spooled to disk, replayed in order after restart, no duplicates", async () => {
  const db = await startTestDatabase();
  if (!db.stopServer || !db.restartServer) return; // external TEST_DATABASE_URL: cannot stop it
  const spoolDir = await Deno.makeTempDir();
  let w = new DbWriter({ databaseUrl: db.url, spoolDir, flushMs: 50 });
  try {
    await w.addPass(_pass(1));
    assert.equal(await w.flush(), true);
    await db.stopServer();
    for (let i = 2; i <= 6; i++) await w.addPass(_pass(i));
    assert.equal(await w.flush(), false, "nothing can be written while the database is down");
    assert.equal(w.dbOk, false);
    // The analyzer dies during the outage: its writer is gone, the spool stays.
    await w.close();
    const spooled = (await Array.fromAsync(Deno.readDir(spoolDir))).map((e) => e.name).sort();
    assert.equal(spooled.length, 5);

    await db.restartServer();
    w = new DbWriter({ databaseUrl: db.url, spoolDir, flushMs: 50 });
    await w.addPass(_pass(7));
    assert.equal(await w.flush(), true);
    assert.equal(await _count(db.url, "vehicle_passes"), 7);
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    const ids =
      (await c.query("select track_id from vehicle_passes order by created_at, exited_at"))
        .rows.map((r) => r.track_id);
    await c.end();
    assert.deepEqual(ids, [1, 2, 3, 4, 5, 6, 7], "replayed in the order they were judged");
  } finally {
    await w.close();
    await db.close();
    await Deno.remove(spoolDir, { recursive: true });
  }
});
