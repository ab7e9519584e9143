/**
 * The object store (a real S3 peer, s3rver) is down while vehicles pass: passes are stored with
 * their image uris, the crops wait in the spool and are retried, and once the store is back every
 * pass's image is there; their replay clips, cut meanwhile from the analyzer's own recording, are
 * stored and recorded on the passes too.
 */
import assert from "node:assert/strict";
import pg from "../shared/db/pg.ts";
import { MinioObjectStore } from "../shared/object_store/mod.ts";
import { freePort } from "../dev/free_port.ts";
import { startTestDatabase } from "../dev/testing/postgres.ts";
import { startTestS3, type TestS3 } from "../dev/testing/s3.ts";
import { waitFor } from "../dev/testing/wait.ts";
import { loopedSceneConfig, startTestAnalyzer } from "../dev/testing/analyzer.ts";
import { mp4Facts } from "./capture/clip_recording.ts";

Deno.test({
  name: "object store down while vehicles pass: crops retried, every pass ends up with its image",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const db = await startTestDatabase();
    const s3Port = freePort();
    let s3: TestS3 | null = null;
    const endpoint = `http://127.0.0.1:${s3Port}`;
    const ta = await startTestAnalyzer({
      databaseUrl: db.url,
      config: await loopedSceneConfig(),
      env: {
        MINIO_ENDPOINT: endpoint, // nothing listens there yet
        MINIO_ACCESS_KEY: "S3RVER",
        MINIO_SECRET_KEY: "S3RVER",
      },
      start: false,
    });
    const { process: analyzer, dir } = ta;
    const images = async (): Promise<string[]> => {
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      try {
        return (await c.query("select image from vehicle_passes order by exited_at")).rows.map((
          r,
        ) => r.image);
      } finally {
        await c.end();
      }
    };
    const spooled = async () => (await Array.fromAsync(Deno.readDir(`${dir}/spool/crops`))).length;
    try {
      analyzer.start();
      await waitFor(
        "two passes judged while the store is down",
        async () => (await images()).length >= 2,
        45_000,
      );
      assert.ok((await images()).every((u) => /^minio:\/\/stopline\/passes\/scene\//.test(u)));
      assert.ok((await spooled()) >= 2, "crops wait in the spool");

      s3 = await startTestS3(s3Port);
      await waitFor(
        "crops uploaded after the store returned",
        async () => (await spooled()) === 0,
        40_000,
      );
      const store = new MinioObjectStore({ endpoint, accessKey: "S3RVER", secretKey: "S3RVER" });
      for (const uri of await images()) {
        const obj = await store.get(uri);
        assert.ok(obj, `${uri} is in the store`);
        assert.deepEqual([...obj.data.subarray(0, 2)], [0xff, 0xd8], "a JPEG");
      }

      // Every pass judged so far gets its clip (H.264, covering exit + post-roll) once the
      // store is back.
      const judged = (await images()).length;
      const clips = async () => {
        const c = new pg.Client({ connectionString: db.url });
        await c.connect();
        try {
          return (await c.query(
            `select id, exited_at, clip_uri, clip_start, clip_duration_s from vehicle_passes
             order by exited_at limit $1`,
            [judged],
          )).rows;
        } finally {
          await c.end();
        }
      };
      await waitFor(
        "a clip on every pass judged while the store was down",
        async () => (await clips()).every((r) => r.clip_uri),
        40_000,
      );
      for (const r of await clips()) {
        assert.match(r.clip_uri, /^minio:\/\/stopline\/clips\/scene\//);
        const end = r.clip_start.getTime() + r.clip_duration_s * 1000;
        assert.ok(end >= r.exited_at.getTime() + 2900, `${r.id} clip ends at exit + post-roll`);
        const obj = await store.get(r.clip_uri);
        assert.ok(obj, `${r.clip_uri} is in the store`);
        const file = `${dir}/clip.mp4`;
        await Deno.writeFile(file, obj.data);
        assert.equal((await mp4Facts(file)).codec, "h264");
      }
    } finally {
      await ta.close();
      await s3?.close();
      await db.close();
    }
  },
});
