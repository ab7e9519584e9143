import assert from "node:assert/strict";
import { originalUri } from "../../shared/original_uri.ts";
import { startTestDatabase } from "../../dev/testing/postgres.ts";
import { startTestS3 } from "../../dev/testing/s3.ts";
import { MinioObjectStore } from "../../shared/object_store/mod.ts";
import { createPool } from "../_shared/db.ts";
import { insertPasses } from "../passes/testing.ts";
import { createRetentionJob, RETENTION_LOCK_KEY } from "./retention.ts";
import pg from "../../shared/db/pg.ts";

const NOW = Date.parse("2026-11-29T12:00:00Z");
const DAY = 86_400_000;
const ago = (days: number) => new Date(NOW - days * DAY).toISOString();

Deno.test({
  name: "retention: ages per kind, batches, kept passes and their evidence survive (S3 peer)",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const db = await startTestDatabase();
    const s3 = await startTestS3();
    const pool = createPool(db.url, 3);
    const store = new MinioObjectStore({
      endpoint: s3.endpoint,
      accessKey: s3.accessKey,
      secretKey: s3.secretKey,
    });
    const lines: string[] = [];
    const job = createRetentionJob({
      pool,
      store,
      settings: () =>
        Promise.resolve({
          samples_days: 7,
          track_events_days: 7,
          camera_status_days: 30,
          clips_days: 30,
          crops_days: 30,
          passes_days: 90,
        }),
      batchRows: 3,
      now: () => NOW,
      log: (m) => lines.push(m),
    });
    try {
      const uri = (n: string) => `minio://stopline/passes/cam_01/${n}.jpg`;
      const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xd9]);
      for (const n of ["kept", "old", "mid", "new"]) await store.put(uri(n), jpeg, "image/jpeg");
      // Privacy originals (keep_originals) beside two crops: they go and stay with their crop.
      for (const n of ["kept", "mid"]) {
        await store.put(originalUri(uri(n)), jpeg, "image/jpeg");
      }
      const [kept, old, mid, shared, fresh] = await insertPasses(pool, [
        {
          camera: "cam_01",
          track_id: 1,
          verdict: "no_stop",
          exited_at: ago(200),
          stop_duration_s: 0,
          image: uri("kept"),
        },
        {
          camera: "cam_01",
          track_id: 2,
          verdict: "no_stop",
          exited_at: ago(200),
          stop_duration_s: 0,
          image: uri("old"),
        },
        {
          camera: "cam_01",
          track_id: 3,
          verdict: "full_stop",
          exited_at: ago(40),
          stop_duration_s: 2,
          image: uri("mid"),
        },
        // An unkept pass naming the kept pass's object (never deleted while a kept pass names it).
        {
          camera: "cam_01",
          track_id: 4,
          verdict: "full_stop",
          exited_at: ago(40),
          stop_duration_s: 2,
          image: uri("kept"),
        },
        {
          camera: "cam_01",
          track_id: 5,
          verdict: "full_stop",
          exited_at: ago(1),
          stop_duration_s: 2,
          image: uri("new"),
        },
      ]);
      await pool.query("update vehicle_passes set keep = true where id = $1", [kept]);
      // Clips: the kept pass's, and one on the 40-day-old pass (clips_days 30 takes it).
      const clip = (n: string) => `minio://stopline/clips/cam_01/${n}.mp4`;
      for (const [id, n] of [[kept, "kept"], [mid, "mid"]]) {
        await store.put(clip(n), new Uint8Array([0, 0, 0, 24]), "video/mp4");
        // Their privacy originals (keep_originals): they go and stay with their clip.
        await store.put(originalUri(clip(n)), new Uint8Array([0, 0, 0, 25]), "video/mp4");
        await pool.query(
          `update vehicle_passes set clip_uri = $2, clip_start = now(), clip_duration_s = 8
           where id = $1`,
          [id, clip(n)],
        );
      }
      for (const id of [kept, old]) {
        await pool.query(
          `insert into pass_reviews (pass_id, camera, judged_verdict, correct, actual_verdict,
             reviewer) values ($1, 'cam_01', 'no_stop', true, 'no_stop', 'op')`,
          [id],
        );
      }
      // State samples and track events: 10 old of track 9, 3 of the kept pass's track 1 during
      // its visit (200 days old), 2 recent.
      const keptExit = Date.parse(ago(200));
      const rows: [number, number][] = [
        ...Array.from({ length: 10 }, (_, i): [number, number] => [9, NOW - 10 * DAY + i * 1000]),
        ...Array.from({ length: 3 }, (_, i): [number, number] => [1, keptExit - 1000 * i]),
        [9, NOW - DAY],
        [9, NOW - DAY + 1000],
      ];
      for (const [track, ts] of rows) {
        await pool.query(
          `insert into car_state_history (camera, track_id, ts, cx, cy, speed_px_s, phase, bbox)
           values ('cam_01', $1, $2, 1, 2, 3, null, '{0,0,1,1}')`,
          [track, new Date(ts)],
        );
        await pool.query(
          `insert into track_events (camera, track_id, event, ts, before, after)
           values ('cam_01', $1, 'update', $2, null, '{}')`,
          [track, new Date(ts)],
        );
      }
      await pool.query(
        `insert into camera_status (camera, updated_at) values ('cam_gone', $1), ('cam_01', $2)`,
        [ago(40), new Date(NOW)],
      );

      // Another process holds the lock: this one skips the run.
      const other = new pg.Client({ connectionString: db.url });
      await other.connect();
      await other.query("select pg_advisory_lock($1)", [RETENTION_LOCK_KEY]);
      assert.equal(await job.runOnce(), null);
      assert.match(job.metrics(), /^stopline_retention_skipped_total 1$/m);
      assert.equal(
        (await pool.query("select count(*)::int as n from car_state_history")).rows[0].n,
        15,
      );
      await other.query("select pg_advisory_unlock($1)", [RETENTION_LOCK_KEY]);
      await other.end();

      const counts = await job.runOnce();
      assert.deepEqual(counts, {
        samples: 10,
        track_events: 10,
        camera_status: 1,
        clips: 1, // mid's
        crops: 3, // old, mid and shared lose their crop (the kept pass's object itself stays)
        passes: 1, // old
        objects: 3, // mid.mp4, mid.jpg, old.jpg
      });
      const left = await pool.query(
        `select id, image, keep, clip_uri, clip_duration_s from vehicle_passes order by track_id`,
      );
      assert.deepEqual(left.rows, [
        { id: kept, image: uri("kept"), keep: true, clip_uri: clip("kept"), clip_duration_s: 8 },
        { id: mid, image: null, keep: false, clip_uri: null, clip_duration_s: null },
        { id: shared, image: null, keep: false, clip_uri: null, clip_duration_s: null },
        { id: fresh, image: uri("new"), keep: false, clip_uri: null, clip_duration_s: null },
      ]);
      assert.ok(await store.get(clip("kept")));
      assert.equal(await store.get(clip("mid")), null);
      assert.ok(!left.rows.some((r) => r.id === old));
      // Objects: the kept pass's and the fresh one's remain.
      assert.ok(await store.get(uri("kept")));
      assert.ok(await store.get(uri("new")));
      assert.equal(await store.get(uri("old")), null);
      assert.equal(await store.get(uri("mid")), null);
      assert.ok(await store.get(originalUri(uri("kept"))));
      assert.equal(await store.get(originalUri(uri("mid"))), null);
      assert.ok(await store.get(originalUri(clip("kept"))), "a kept pass keeps its original clip");
      assert.equal(await store.get(originalUri(clip("mid"))), null, "deleted with its clip");
      // The kept pass keeps its review, its track's samples and events; the old one's review went with it.
      assert.deepEqual(
        (await pool.query("select pass_id from pass_reviews")).rows.map((r) => r.pass_id),
        [kept],
      );
      const tracks = async (table: string) =>
        (await pool.query(
          `select track_id, count(*)::int as n from ${table} group by 1 order by 1`,
        ))
          .rows;
      assert.deepEqual(await tracks("car_state_history"), [{ track_id: 1, n: 3 }, {
        track_id: 9,
        n: 2,
      }]);
      assert.deepEqual(await tracks("track_events"), [{ track_id: 1, n: 3 }, {
        track_id: 9,
        n: 2,
      }]);
      assert.deepEqual(
        (await pool.query("select camera from camera_status")).rows,
        [{ camera: "cam_01" }],
      );
      const metrics = job.metrics();
      assert.match(metrics, /^stopline_retention_deleted_total\{kind="samples"\} 10$/m);
      assert.match(metrics, /^stopline_retention_deleted_total\{kind="passes"\} 1$/m);
      assert.match(metrics, /^stopline_retention_runs_total 1$/m);
      assert.match(
        metrics,
        new RegExp(`^stopline_retention_last_run_timestamp_seconds ${NOW / 1000}$`, "m"),
      );
      assert.match(lines.join("\n"), /deleted samples 10, track_events 10/);

      // Nothing more to do; unkeeping the old kept pass lets the next run take it.
      assert.deepEqual(Object.values((await job.runOnce())!), [0, 0, 0, 0, 0, 0, 0]);
      await pool.query("update vehicle_passes set keep = false where id = $1", [kept]);
      const after = (await job.runOnce())!;
      assert.equal(after.passes, 1);
      assert.equal(after.samples, 3);
      assert.equal(await store.get(uri("kept")), null);
      assert.equal(await store.get(clip("kept")), null);
    } finally {
      await job.stop();
      await pool.end();
      await s3.close();
      await db.close();
    }
  },
});
