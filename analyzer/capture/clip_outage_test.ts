/**
 * Outages lose no clip: the recorder (MediaMTX's playback server, here a fake following its
 * documented contract) and the object store (a real S3 peer) are down when passes are finalized;
 * the clip jobs wait on disk, survive an analyzer restart, and once both are back every pass has
 * its clip in the store and on its row (real Postgres).
 */
import assert from "node:assert/strict";
import { freePort } from "../../dev/free_port.ts";
import { startTestDatabase } from "../../dev/testing/postgres.ts";
import { startTestS3, type TestS3 } from "../../dev/testing/s3.ts";
import { insertPasses } from "../../functions/passes/testing.ts";
import pg from "../../shared/db/pg.ts";
import { MinioObjectStore } from "../../shared/object_store/mod.ts";
import { MediaMtxPlayback } from "./clip_mediamtx_playback.ts";
import { mp4Facts } from "./clip_recording.ts";
import { ClipWorker, PgClipRows } from "./clip_worker.ts";
import { fakePlayback, REC_START_MS } from "./testing_mediamtx.ts";

Deno.test({
  name: "clips: recorder and object store down at once, then back: every pass gets its clip",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const db = await startTestDatabase();
    const dir = await Deno.makeTempDir({ prefix: "stopline-clip-outage-" });
    const [playbackPort, s3Port] = [freePort(), freePort()];
    let s3: TestS3 | null = null;
    let playback: Deno.HttpServer | null = null;
    const store = new MinioObjectStore({
      endpoint: `http://127.0.0.1:${s3Port}`,
      accessKey: "S3RVER",
      secretKey: "S3RVER",
    });
    const recording = new MediaMtxPlayback({
      baseUrl: `http://127.0.0.1:${playbackPort}`,
      user: "reader",
      password: "pw",
      now: () => REC_START_MS + 60_000,
    });
    const rows = new PgClipRows(db.url);
    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    // An idle connection ended by the server's stop at the end is not a test failure.
    pool.on("error", () => {});
    const mk = () =>
      new ClipWorker({
        recording,
        store,
        rows,
        spoolDir: `${dir}/spool`,
        bucket: "stopline",
        settings: () => ({ enabled: true, pre_roll_s: 1, post_roll_s: 1 }),
        retryMs: 60_000,
      });
    let worker = mk();
    try {
      // Two passes in the recorded 12 s, written to the database as the analyzer does.
      const passes = [
        { track_id: 1, entered: 2500, exited: 5000 },
        { track_id: 2, entered: 6200, exited: 9000 },
      ].map((p) => ({
        id: `cam_02:${REC_START_MS + p.entered - 500}:${p.track_id}`,
        camera: "cam_02",
        track_id: p.track_id,
        label: "car",
        verdict: "full_stop" as const,
        entered_at: REC_START_MS + p.entered,
        exited_at: REC_START_MS + p.exited,
        time_in_zone_s: (p.exited - p.entered) / 1000,
        stop_duration_s: 1,
        min_speed_px_s: 0,
        entry_speed_px_s: 80,
        image: null,
      }));
      await insertPasses(
        pool,
        passes.map((p) => ({
          id: p.id,
          camera: p.camera,
          track_id: p.track_id,
          verdict: p.verdict,
          exited_at: new Date(p.exited_at).toISOString(),
          stop_duration_s: 1,
          time_in_zone_s: p.time_in_zone_s,
        })),
      );
      for (const p of passes) await worker.addPass(p);

      // Recorder down: nothing cut; store down too.
      assert.equal(await worker.drain(), false);
      assert.equal(await worker.pending(), 2);
      assert.match(worker.lastError, /playback server/);

      // The recorder is back, the store still down: cut and kept on disk.
      playback = fakePlayback(`${dir}`, [], playbackPort);
      assert.equal(await worker.drain(), false);
      const kept = (await Array.fromAsync(Deno.readDir(`${dir}/spool`))).filter((e) =>
        e.name.endsWith(".mp4")
      );
      assert.equal(kept.length, 2, "both cuts wait for the store");

      // The analyzer restarts while the recorder goes down again: the kept cuts are enough.
      await worker.close();
      await playback.shutdown();
      playback = null;
      worker = mk();
      s3 = await startTestS3(s3Port);
      assert.equal(await worker.drain(), true, worker.lastError);

      const got = (await pool.query(
        `select id, clip_uri, clip_start, clip_duration_s from vehicle_passes order by id`,
      )).rows;
      assert.equal(got.length, 2);
      for (const row of got) {
        const p = passes.find((x) => x.id === row.id)!;
        assert.match(row.clip_uri, /^minio:\/\/stopline\/clips\/cam_02\//);
        // From the keyframe (every second) at or before entry - 1 s, to exit + 1 s.
        const from = p.entered_at - 1000;
        assert.equal(
          row.clip_start.getTime(),
          Math.floor((from - REC_START_MS) / 1000) * 1000 + REC_START_MS,
        );
        const end = row.clip_start.getTime() + row.clip_duration_s * 1000;
        assert.ok(Math.abs(end - (p.exited_at + 1000)) <= 110, `${end - p.exited_at}`);
        const obj = await store.get(row.clip_uri);
        assert.ok(obj, `${row.clip_uri} is in the store`);
        const file = `${dir}/${p.track_id}.mp4`;
        await Deno.writeFile(file, obj.data);
        assert.equal((await mp4Facts(file)).codec, "h264");
      }
    } finally {
      await worker.close();
      await playback?.shutdown();
      await s3?.close();
      await rows.close();
      await pool.end();
      await db.close();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
