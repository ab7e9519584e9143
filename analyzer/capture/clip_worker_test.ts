import assert from "node:assert/strict";
import { startTestDatabase } from "../../dev/testing/postgres.ts";
import { insertPasses } from "../../functions/passes/testing.ts";
import pg from "../../shared/db/pg.ts";
import { LocalObjectStore, type ObjectStore } from "../../shared/object_store/mod.ts";
import type { CutResult, Recording } from "./clip_recording.ts";
import { ClipWorker, passClipUri, PgClipRows } from "./clip_worker.ts";

const SAMPLE = new URL("../../samples/scenes/full_stop.mp4", import.meta.url).pathname;

/** A recording whose state the test sets: lagging, recorded, or rotated away. */
class _Recording implements Recording {
  state: "lagging" | "recorded" | "rotated" = "lagging";
  cuts: { camera: string; fromMs: number; toMs: number }[] = [];
  async cut(camera: string, fromMs: number, toMs: number, out: string): Promise<CutResult> {
    this.cuts.push({ camera, fromMs, toMs });
    if (this.state === "lagging") return { status: "wait", reason: "lagging" };
    if (this.state === "rotated") return { status: "gone", reason: "rotated" };
    await Deno.copyFile(SAMPLE, out);
    return { status: "ok", startMs: fromMs - 400, durationS: 12 };
  }
}

/** The object store with an outage switch. */
class _FlakyStore implements ObjectStore {
  down = false;
  readonly kind = "local" as const;
  constructor(readonly inner: ObjectStore) {}
  put(uri: string, data: Uint8Array, type: string) {
    if (this.down) return Promise.reject(new Error("connect ECONNREFUSED (store down)"));
    return this.inner.put(uri, data, type);
  }
  get(uri: string) {
    return this.inner.get(uri);
  }
  delete(uri: string) {
    return this.inner.delete(uri);
  }
  list(bucket: string, prefix: string) {
    return this.inner.list(bucket, prefix);
  }
}

Deno.test("clip worker: lagging recording, store outage, restart and a late pass row lose no clip", async () => {
  const db = await startTestDatabase();
  const dir = await Deno.makeTempDir();
  const spoolDir = `${dir}/spool`;
  const store = new _FlakyStore(new LocalObjectStore(`${dir}/objects`));
  const recording = new _Recording();
  const rows = new PgClipRows(db.url);
  const pool = new pg.Pool({ connectionString: db.url, max: 1 });
  // An idle connection ended by the server's stop at the end is not a test failure.
  pool.on("error", () => {});
  const settings = () => ({ enabled: true, pre_roll_s: 3, post_roll_s: 2.5 });
  const mk = () =>
    new ClipWorker({
      recording,
      store,
      rows,
      spoolDir,
      bucket: "stopline",
      settings,
      retryMs: 60_000,
    });
  let worker = mk();
  try {
    // A pass of a minute ago (a clip whose pass is missing for a day is given up).
    const exited = Math.floor(Date.now() / 1000) * 1000 - 60_000;
    const day = new Date(exited).toISOString().slice(0, 10);
    const passId = "cam_02:1763712000000:7";
    const pass = {
      id: passId,
      camera: "cam_02",
      track_id: 7,
      label: "car",
      verdict: "full_stop" as const,
      entered_at: exited - 6000,
      exited_at: exited,
      time_in_zone_s: 6,
      stop_duration_s: 3,
      min_speed_px_s: 0,
      entry_speed_px_s: 80,
      image: null,
    };
    await worker.addPass(pass);
    const uri = passClipUri("stopline", "cam_02", passId, exited);
    assert.equal(uri, `minio://stopline/clips/cam_02/${day}/cam_02_1763712000000_7.mp4`);

    // The recording lags behind the post-roll: the job waits.
    assert.equal(await worker.drain(), false);
    assert.deepEqual(recording.cuts.at(-1), {
      camera: "cam_02",
      fromMs: exited - 6000 - 3000,
      toMs: exited + 2500,
    });

    // Recorded now, but the store is down: the cut is kept on disk, not lost.
    recording.state = "recorded";
    store.down = true;
    assert.equal(await worker.drain(), false);
    assert.equal(await store.get(uri), null);
    assert.match(worker.lastError, /store down/);

    // The analyzer restarts; meanwhile the recording rotated past the window. The kept cut is
    // stored once the store is back, and waits for its pass row (written later by the spool).
    await worker.close();
    const cutsBefore = recording.cuts.length;
    recording.state = "rotated";
    store.down = false;
    worker = mk();
    assert.equal(await worker.drain(), false);
    const stored = await store.get(uri);
    assert.ok(stored);
    assert.equal(stored.contentType, "video/mp4");
    assert.deepEqual(stored.data, await Deno.readFile(SAMPLE));
    assert.equal(recording.cuts.length, cutsBefore, "the kept cut is not cut again");

    await insertPasses(pool, [{
      id: passId,
      camera: "cam_02",
      track_id: 7,
      verdict: "full_stop",
      exited_at: new Date(exited).toISOString(),
      stop_duration_s: 3,
    }]);
    assert.equal(await worker.drain(), true);
    const row = (await pool.query(
      "select clip_uri, clip_start, clip_duration_s from vehicle_passes where id = $1",
      [passId],
    )).rows[0];
    assert.equal(row.clip_uri, uri);
    assert.equal(row.clip_start.getTime(), exited - 9000 - 400);
    assert.equal(row.clip_duration_s, 12);
    assert.equal(worker.done, 1);
    assert.deepEqual(await Array.fromAsync(Deno.readDir(spoolDir)), []);

    // A window the recording never had is set aside and counted, not retried forever.
    await worker.addPass({ ...pass, id: "cam_02:1763712100000:8", track_id: 8 });
    assert.equal(await worker.drain(), true);
    assert.equal(worker.failed, 1);
    const left = (await Array.fromAsync(Deno.readDir(spoolDir))).map((e) => e.name);
    assert.equal(left.length, 1);
    assert.match(left[0], /\.job\.json\.bad$/);

    // A clip whose pass never arrives (or was deleted) is not retried forever: after a day the
    // job is set aside; the stored clip stays.
    recording.state = "recorded";
    const orphanUri = passClipUri("stopline", "cam_02", "cam_02:1:9", exited);
    await worker.add({
      v: 1,
      pass_id: "cam_02:1:9",
      camera: "cam_02",
      uri: orphanUri,
      from_ms: Date.now() - 25 * 3600_000 - 9000,
      to_ms: Date.now() - 25 * 3600_000,
    });
    assert.equal(await worker.drain(), true);
    assert.equal(worker.failed, 2);
    assert.ok(await store.get(orphanUri));
    assert.equal(
      (await Array.fromAsync(Deno.readDir(spoolDir))).filter((e) => !e.name.endsWith(".bad"))
        .length,
      0,
    );

    // Clips off for a camera: no job.
    const off = new ClipWorker({
      recording,
      store,
      rows,
      spoolDir: `${dir}/off`,
      bucket: "stopline",
      settings: () => ({ enabled: false, pre_roll_s: 3, post_roll_s: 3 }),
    });
    await off.addPass(pass);
    assert.equal(await off.pending(), 0);
    await off.close();
  } finally {
    await worker.close();
    await rows.close();
    await pool.end();
    await db.close();
    await Deno.remove(dir, { recursive: true });
  }
});
