import assert from "node:assert/strict";
import { startTestDatabase } from "../../dev/testing/postgres.ts";
import { createPool } from "../_shared/db.ts";
import { signJwt } from "../_shared/jwt.ts";
import type { Claims } from "../_shared/jwt.ts";
import { SecretBox } from "../_shared/secret_box.ts";
import { createCamerasApp, startCameras } from "./index.ts";
import { mediaMtxAuthFromEnv, MediaMtxClient, MediaMtxError } from "./mediamtx_client.ts";
import { reconcile } from "./reconcile.ts";
import { FakeMediaMtx } from "./testing/fake_mediamtx.ts";

const SECRET = "cameras-test-secret-0123456789abcdef";
const KEY = btoa(String.fromCharCode(...new Uint8Array(32).map((_, i) => i * 7 + 3)));
const CAM_URL = "rtsp://admin:hunter2@10.0.0.7:554/stream1";
const API_ENV: Record<string, string> = {
  MEDIAMTX_API_USER: "mtx-admin",
  MEDIAMTX_API_PASSWORD: "mtx-admin-pass",
};

async function _bearer(over: Partial<Claims> = {}) {
  const exp = Math.floor(Date.now() / 1000) + 600;
  const token = await signJwt({ sub: "t", role: "operator", exp, ...over }, SECRET);
  return { authorization: `Bearer ${token}`, "content-type": "application/json" };
}

/** A database, a fake MediaMTX and the cameras app between them. */
async function _setup(fn: (s: Awaited<ReturnType<typeof _stack>>) => Promise<void>) {
  const s = await _stack();
  try {
    await fn(s);
  } finally {
    await s.close();
  }
}

async function _stack() {
  const db = await startTestDatabase();
  const pool = createPool(db.url, 3);
  // A shared TEST_DATABASE_URL may hold rows from an earlier run.
  await pool.query(
    "delete from cameras; delete from mediamtx_owned_paths; delete from camera_status",
  );
  const fake = new FakeMediaMtx();
  fake.requiredAuthorization = `Basic ${btoa("mtx-admin:mtx-admin-pass")}`;
  fake.start();
  const box = await SecretBox.create(KEY);
  const mediamtx = new MediaMtxClient({
    baseUrl: fake.url,
    authorization: mediaMtxAuthFromEnv((n) => API_ENV[n]),
    timeoutMs: 2000,
  });
  const dir = await Deno.makeTempDir();
  const configPath = `${dir}/stopline.yaml`;
  await Deno.writeTextFile(
    configPath,
    "cameras:\n  cam_01:\n    source: rtsp://viewer:${STOPLINE_CAM_PW}@192.168.1.20/s1\n  cam_02:\n    source: samples/x.mp4\n",
  );
  const logs: string[] = [];
  const app = createCamerasApp({
    pool,
    auth: { secret: SECRET },
    box,
    mediamtx,
    configPath,
    env: (n) => (n === "STOPLINE_CAM_PW" ? "pw-from-env" : undefined),
    log: (m) => logs.push(m),
  });
  const op = await _bearer();
  const req = (method: string, path: string, body?: unknown, headers: HeadersInit = op) =>
    app.request(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  return {
    db,
    pool,
    fake,
    box,
    mediamtx,
    app,
    logs,
    req,
    configPath,
    async close() {
      await fake.stop();
      await pool.end();
      await db.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test({
  name: "cameras API: CRUD provisions MediaMTX; sources sealed at rest and redacted; list merges",
  fn: () =>
    _setup(async ({ pool, fake, req, logs }) => {
      // Before any camera row: the config file and the analyzer's status still list cameras.
      await pool.query(
        "insert into camera_status (camera, fps, infer_ms, lag_ms, dropped, frames, detected_share) values ('cam_01', 9.9, 21, 80, 2, 500, 0.35), ('cam_09', 1, 1, 1, 0, 3, null)",
      );
      await pool.query(
        "update camera_status set updated_at = now() - interval '1 minute' where camera = 'cam_09'",
      );
      const list0 = await (await req("GET", "/api/cameras")).json();
      assert.deepEqual(list0.cameras.map((c: { id: string }) => c.id), [
        "cam_01",
        "cam_02",
        "cam_09",
      ]);
      const c01 = list0.cameras[0];
      assert.equal(c01.origin, "config");
      assert.equal(c01.source, "rtsp://***@192.168.1.20/s1", "config sources are redacted too");
      assert.doesNotMatch(JSON.stringify(list0), /pw-from-env/, "substituted values never listed");
      assert.equal(c01.mediamtx_path, "cam_01");
      assert.equal(c01.status.online, true);
      assert.equal(c01.status.fps, 9.9);
      assert.equal(c01.status.frames, 500);
      assert.ok(Math.abs(c01.status.detected_share - 0.35) < 1e-6, "motion gating's share");
      assert.equal(list0.cameras[2].status.detected_share, null, "not reported");
      assert.equal(list0.cameras[2].origin, "status");
      assert.equal(list0.cameras[2].status.online, false);
      assert.equal(list0.cameras[2].source, null);

      // Auth: no token 401, viewer cannot write 403, viewer list filtered by its cameras claim.
      assert.equal((await req("GET", "/api/cameras", undefined, {})).status, 401);
      const viewer = await _bearer({ role: "viewer", cameras: ["cam_02"] });
      const vl = await (await req("GET", "/api/cameras", undefined, viewer)).json();
      assert.deepEqual(vl.cameras.map((c: { id: string }) => c.id), ["cam_02"]);
      assert.equal(
        (await req("POST", "/api/cameras", { id: "x", name: "x", source: CAM_URL }, viewer)).status,
        403,
      );

      // Create.
      const created = await req("POST", "/api/cameras", {
        id: "north",
        name: "North St",
        source: CAM_URL,
      });
      assert.equal(created.status, 201);
      const cam = await created.json();
      assert.equal(cam.source, "rtsp://***@10.0.0.7:554/stream1");
      assert.equal(cam.enabled, true);
      assert.deepEqual(
        { ...fake.paths.get("north"), record: undefined, maxReaders: undefined },
        {
          name: "north",
          source: CAM_URL,
          sourceOnDemand: false,
          rtspTransport: "tcp",
          record: undefined,
          maxReaders: undefined,
        },
      );
      const stored =
        (await pool.query("select source_sealed from cameras where id = 'north'")).rows[0];
      assert.match(stored.source_sealed, /^v1:/);
      assert.ok(!stored.source_sealed.includes("hunter2"), "encrypted at rest");
      assert.equal(
        (await req("POST", "/api/cameras", { id: "north", name: "x", source: CAM_URL })).status,
        409,
      );

      // Validation: bad ids, sources, unknown keys, malformed JSON; never echoing the URL.
      for (
        const bad of [
          { id: "../x", name: "x", source: CAM_URL },
          { id: "ok", name: "", source: CAM_URL },
          { id: "ok", name: "x", source: CAM_URL, extra: 1 },
        ]
      ) {
        const r = await req("POST", "/api/cameras", bad);
        assert.equal(r.status, 400, JSON.stringify(bad));
        assert.ok(!(await r.text()).includes("hunter2"));
      }
      // Well-formed, but not a network source MediaMTX may pull: 422 naming the field.
      for (
        const source of [
          "file:///etc/passwd",
          "not a url hunter2",
          "/etc/passwd",
          "concat:/etc/passwd|x",
          "pipe:0",
          "data:text/plain,hunter2",
          "samples/vtest.mp4",
        ]
      ) {
        const r = await req("POST", "/api/cameras", { id: "ok", name: "x", source });
        assert.equal(r.status, 422, source);
        const text = await r.text();
        assert.equal(JSON.parse(text).issues[0].path, "source");
        assert.ok(!text.includes("hunter2"));
        const patched = await req("PATCH", "/api/cameras/north", { source });
        assert.equal(patched.status, 422, `PATCH ${source}`);
        await patched.body?.cancel();
      }
      const notJson = await req("POST", "/api/cameras", undefined, await _bearer());
      assert.equal(notJson.status, 400);
      assert.equal(
        (await req("POST", "/api/cameras", { id: "big", name: "x".repeat(20000), source: CAM_URL }))
          .status,
        413,
      );

      // Patch: rename (no MediaMTX call), new source (patched), disable (path removed), enable.
      const callsBefore = fake.calls.length;
      const renamed = await req("PATCH", "/api/cameras/north", { name: "North Street" });
      assert.equal(renamed.status, 200);
      assert.equal((await renamed.json()).name, "North Street");
      assert.equal(fake.calls.length, callsBefore, "a rename does not touch MediaMTX");
      const url2 = "rtsp://admin:hunter3@10.0.0.8:554/stream2";
      assert.equal((await req("PATCH", "/api/cameras/north", { source: url2 })).status, 200);
      assert.equal(fake.paths.get("north")?.source, url2);
      assert.ok(fake.calls.includes("PATCH /v3/config/paths/patch/north"));
      assert.equal((await req("PATCH", "/api/cameras/north", { enabled: false })).status, 200);
      assert.equal(fake.paths.has("north"), false);
      assert.equal((await req("PATCH", "/api/cameras/north", { enabled: true })).status, 200);
      assert.equal(fake.paths.get("north")?.source, url2);
      assert.equal((await req("PATCH", "/api/cameras/nope", { name: "x" })).status, 404);
      assert.equal((await req("PATCH", "/api/cameras/north", {})).status, 400);

      // A camera pushed by a publisher; a disabled camera is stored but not provisioned.
      assert.equal(
        (await req("POST", "/api/cameras", { id: "pushed", name: "P", source: "publisher" }))
          .status,
        201,
      );
      assert.deepEqual(fake.paths.get("pushed")?.source, "publisher");
      assert.equal(
        (await req("POST", "/api/cameras", {
          id: "off",
          name: "Off",
          source: CAM_URL,
          enabled: false,
        })).status,
        201,
      );
      assert.equal(fake.paths.has("off"), false);

      const list1 = await (await req("GET", "/api/cameras")).json();
      const north = list1.cameras.find((c: { id: string }) => c.id === "north");
      assert.equal(north.origin, "table");
      assert.equal(north.source, "rtsp://***@10.0.0.8:554/stream2");
      assert.equal(north.status, null);
      assert.ok(!JSON.stringify(list1).includes("hunter"), "no password in the list");

      // Delete: the path goes, a second delete is 404.
      assert.equal((await req("DELETE", "/api/cameras/north")).status, 204);
      assert.equal(fake.paths.has("north"), false);
      assert.equal((await req("DELETE", "/api/cameras/north")).status, 404);
      assert.equal((await req("DELETE", "/api/cameras/off")).status, 204);

      assert.ok(logs.every((l) => !l.includes("hunter")), logs.join("\n"));
    }),
});

Deno.test({
  name: "cameras API: an operator scoped to cam_A cannot create, change or delete cam_B (403)",
  fn: () =>
    _setup(async ({ req, pool, fake }) => {
      assert.equal(
        (await req("POST", "/api/cameras", { id: "cam_b", name: "B", source: CAM_URL }))
          .status,
        201,
      );
      const scoped = await _bearer({ sub: "scoped-op", cameras: ["cam_a"] });
      const before = await pool.query("select id, name, enabled from cameras order by id");
      const paths = JSON.stringify([...fake.paths.keys()]);
      // Create another camera, rename it, disable it, delete it: all refused for cam_b.
      const create = await req(
        "POST",
        "/api/cameras",
        { id: "cam_c", name: "C", source: CAM_URL },
        scoped,
      );
      assert.equal(create.status, 403);
      assert.match((await create.json()).error, /cam_c/);
      const patch = await req("PATCH", "/api/cameras/cam_b", { name: "pwned" }, scoped);
      assert.equal(patch.status, 403);
      await patch.body?.cancel();
      const del = await req("DELETE", "/api/cameras/cam_b", undefined, scoped);
      assert.equal(del.status, 403);
      await del.body?.cancel();
      // Not even whether a camera exists: a missing one is 403 too, not 404.
      const missing = await req("DELETE", "/api/cameras/nope", undefined, scoped);
      assert.equal(missing.status, 403);
      await missing.body?.cancel();
      assert.deepEqual(
        (await pool.query("select id, name, enabled from cameras order by id")).rows,
        before.rows,
      );
      assert.equal(JSON.stringify([...fake.paths.keys()]), paths);
      // Its own camera it may manage.
      const own = await req(
        "POST",
        "/api/cameras",
        { id: "cam_a", name: "A", source: CAM_URL },
        scoped,
      );
      assert.equal(own.status, 201);
      await own.body?.cancel();
      const rename = await req("PATCH", "/api/cameras/cam_a", { name: "A2" }, scoped);
      assert.equal(rename.status, 200);
      await rename.body?.cancel();
      const gone = await req("DELETE", "/api/cameras/cam_a", undefined, scoped);
      assert.equal(gone.status, 204);
    }),
});

Deno.test({
  name: "cameras API: MediaMTX down or refusing -> 502/422 and the table change is rolled back",
  fn: () =>
    _setup(async ({ pool, fake, req, logs }) => {
      assert.equal(
        (await req("POST", "/api/cameras", { id: "a", name: "A", source: CAM_URL })).status,
        201,
      );
      await fake.stop();
      const down = await req("POST", "/api/cameras", { id: "b", name: "B", source: CAM_URL });
      assert.equal(down.status, 502);
      const body = await down.json();
      assert.match(body.error, /MediaMTX unavailable/);
      assert.equal((await pool.query("select 1 from cameras where id = 'b'")).rowCount, 0);
      assert.equal(
        (await pool.query("select 1 from mediamtx_owned_paths where name = 'b'")).rowCount,
        0,
      );
      const url2 = "rtsp://admin:other@10.0.0.9/s";
      assert.equal((await req("PATCH", "/api/cameras/a", { source: url2 })).status, 502);
      assert.equal((await req("PATCH", "/api/cameras/a", { enabled: false })).status, 502);
      assert.equal((await req("DELETE", "/api/cameras/a")).status, 502);
      const row = (await pool.query("select enabled, name from cameras where id = 'a'")).rows[0];
      assert.deepEqual(row, { enabled: true, name: "A" }, "nothing changed");
      // A rename does not need MediaMTX.
      assert.equal((await req("PATCH", "/api/cameras/a", { name: "A2" })).status, 200);
      fake.start();
      assert.equal(fake.paths.get("a")?.source, CAM_URL, "MediaMTX kept the old source");

      // MediaMTX refusing the conf (e.g. a scheme this MediaMTX build lacks) -> 422, redacted.
      fake.sourcePattern = /^(publisher|rtsp:\/\/\S+)$/;
      const refused = await req("POST", "/api/cameras", {
        id: "c",
        name: "C",
        source: "srt://u:s3cret@h:9000",
      });
      assert.equal(refused.status, 422);
      const rb = await refused.text();
      assert.ok(!rb.includes("s3cret"), rb);
      assert.match(rb, /srt:\/\/\*\*\*@h:9000/);
      assert.equal((await pool.query("select 1 from cameras where id = 'c'")).rowCount, 0);
      assert.ok(
        logs.every((l) => !l.includes("s3cret") && !l.includes("hunter2")),
        logs.join("\n"),
      );
    }),
});

Deno.test({
  name: "cameras API: idempotent provisioning (existing path replaced, vanished path re-added)",
  fn: () =>
    _setup(async ({ fake, req }) => {
      // A path already there (a previous run crashed before COMMIT): add -> replace.
      fake.seed("dup", { source: "rtsp://old/x", record: true });
      assert.equal(
        (await req("POST", "/api/cameras", { id: "dup", name: "D", source: CAM_URL })).status,
        201,
      );
      assert.equal(fake.paths.get("dup")?.source, CAM_URL);
      assert.equal(fake.paths.get("dup")?.record, false, "replaced, not merged");
      // MediaMTX restarted and forgot API paths: patch -> 404 -> add.
      fake.paths.clear();
      assert.equal(
        (await req("PATCH", "/api/cameras/dup", { source: "rtsp://cam2/y" })).status,
        200,
      );
      assert.equal(fake.paths.get("dup")?.source, "rtsp://cam2/y");
      // Delete of a path MediaMTX no longer has: fine.
      fake.paths.clear();
      assert.equal((await req("DELETE", "/api/cameras/dup")).status, 204);
    }),
});

Deno.test({
  name: "cameras reconcile: table is the truth; owned orphans deleted, foreign paths untouched",
  fn: () =>
    _setup(async ({ pool, fake, box, mediamtx, req }) => {
      for (const id of ["a", "b", "c"]) {
        assert.equal(
          (await req("POST", "/api/cameras", { id, name: id, source: `rtsp://cam-${id}/s` }))
            .status,
          201,
        );
      }
      // Drift: a path edited by hand, one lost, an owned path whose camera row vanished (a crash
      // after MediaMTX deleted... or before), and a path stopline never created.
      fake.paths.set("a", {
        ...fake.paths.get("a"),
        source: "rtsp://tampered/s",
        sourceOnDemand: true,
      });
      fake.paths.delete("b");
      await pool.query("delete from cameras where id = 'c'");
      fake.seed("cam_01", { source: "publisher" });
      fake.seed("other_tool", { source: "rtsp://elsewhere/x" });
      await pool.query("insert into mediamtx_owned_paths (name) values ('ghost')");

      const r1 = await reconcile(pool, box, mediamtx);
      assert.deepEqual(r1, { added: ["b"], patched: ["a"], deleted: ["c"], errors: [] });
      assert.deepEqual([...fake.paths.keys()].sort(), ["a", "b", "cam_01", "other_tool"]);
      assert.equal(fake.paths.get("a")?.source, "rtsp://cam-a/s");
      assert.equal(fake.paths.get("a")?.sourceOnDemand, false);
      const owned = (await pool.query("select name from mediamtx_owned_paths order by name")).rows;
      assert.deepEqual(owned.map((r) => r.name), ["a", "b"], "ledger follows MediaMTX");

      // A second pass changes nothing.
      const before = fake.calls.length;
      assert.deepEqual(await reconcile(pool, box, mediamtx), {
        added: [],
        patched: [],
        deleted: [],
        errors: [],
      });
      assert.deepEqual(fake.calls.slice(before), ["GET /v3/config/paths/list"]);

      // MediaMTX down: the pass reports it and changes nothing; back up: it converges.
      await fake.stop();
      const down = await reconcile(pool, box, mediamtx);
      assert.equal(down.errors.length, 1);
      assert.match(down.errors[0].error, /unreachable/);
      fake.start();
      fake.paths.clear();
      const back = await reconcile(pool, box, mediamtx);
      assert.deepEqual(back.added, ["a", "b"]);
    }),
});

Deno.test({
  name: "cameras: startCameras reconciles at start-up; paging; client redacts MediaMTX errors",
  fn: () =>
    _setup(async ({ pool, fake, box, mediamtx }) => {
      // 150 cameras: the list endpoint pages (100 per page).
      for (let i = 0; i < 150; i++) {
        const id = `p${String(i).padStart(3, "0")}`;
        await pool.query(
          "insert into cameras (id, name, source_sealed) values ($1, $1, $2)",
          [id, await box.seal(`rtsp://cam/${id}`, id)],
        );
      }
      const env: Record<string, string> = {
        ...API_ENV,
        MEDIAMTX_API_URL: fake.url,
        STOPLINE_SECRET_KEY: KEY,
      };
      const svc = startCameras(pool, {
        env: (n) => env[n],
        log: () => {},
        reconcileIntervalMs: 3_600_000,
      });
      try {
        const r = (await svc.firstReconcile)!;
        // Mounted through the service app too.
        const listed = await svc.app.request("/api/cameras", {
          headers: { authorization: (await _bearer()).authorization },
        });
        assert.equal(listed.status, 200, "no JWT secret in env: auth off, still answers");
        assert.equal(r.added.length, 150, JSON.stringify(r.errors));
        assert.equal((await mediamtx.list()).length, 150);
        assert.ok(fake.calls.includes("GET /v3/config/paths/list"));
      } finally {
        await svc.close();
      }
      // MediaMTX errors that echo a URL are redacted before anyone sees them.
      const err = await mediamtx.ensure("bad", { source: "ftp://u:topsecret@h/x" }).catch((e) => e);
      assert.ok(err instanceof MediaMtxError);
      assert.equal(err.status, 400);
      assert.ok(!err.message.includes("topsecret"), err.message);
      // Wrong credentials -> 401 surfaces as an error (not a silent success).
      const anon = new MediaMtxClient({ baseUrl: fake.url });
      await assert.rejects(() => anon.list(), (e: MediaMtxError) => e.status === 401);
      // The JWT path: an admin token minted from STOPLINE_JWT_SECRET, cached.
      const auth = mediaMtxAuthFromEnv((n) => (n === "STOPLINE_JWT_SECRET" ? SECRET : undefined));
      const h1 = await auth();
      assert.match(h1 ?? "", /^Bearer /);
      assert.equal(await auth(), h1);
    }),
});

Deno.test({
  name: "cameras API: each camera's staleness chain, analyzer ages plus the row's age, relay age",
  fn: async () => {
    const db = await startTestDatabase();
    const pool = createPool(db.url, 2);
    try {
      await pool.query("delete from cameras; delete from camera_status");
      // cam_01 reported 3 s ago with a fresh chain; cam_02 reports but inference is stuck.
      await pool.query(
        `insert into camera_status (camera, updated_at, capture_age_ms, decode_age_ms,
           infer_age_ms, publish_age_ms)
         values ('cam_01', now() - interval '3 seconds', 300, 200, 150, 140),
                ('cam_02', now(), 250, 120, 45000, 45010), ('cam_03', now(), null, null, null, null)`,
      );
      const app = createCamerasApp({
        pool,
        auth: { secret: SECRET },
        box: await SecretBox.create(KEY),
        mediamtx: null,
        relayTickAgeMs: (camera) => camera === "cam_01" ? 3200 : null,
        log: () => {},
      });
      const res = await app.request("/api/cameras", { headers: await _bearer() });
      assert.equal(res.status, 200);
      const byId = Object.fromEntries(
        (await res.json()).cameras.map((c: { id: string }) => [c.id, c]),
      );
      const s1 = byId.cam_01.staleness;
      assert.ok(s1.camera_ms >= 3300 && s1.camera_ms < 4300, `row age added: ${s1.camera_ms}`);
      assert.ok(s1.decode_ms - s1.publish_ms === 60, "the links keep their differences");
      assert.equal(s1.relay_ms, 3200);
      const s2 = byId.cam_02.staleness;
      assert.ok(s2.decode_ms < 1500, "decode is fresh");
      assert.ok(s2.infer_ms >= 45000, "inference is the stale link");
      assert.equal(s2.relay_ms, null, "no tick reached the relay");
      assert.deepEqual(byId.cam_03.staleness, {
        camera_ms: null,
        decode_ms: null,
        infer_ms: null,
        publish_ms: null,
        relay_ms: null,
      });
    } finally {
      await pool.end();
      await db.close();
    }
  },
});

Deno.test({
  name:
    "cameras API: the codec MediaMTX sees on each camera's path is listed; H.265 gets an on-demand <cam>_h264 copy",
  fn: () =>
    _setup(async ({ fake, req }) => {
      fake.publish("cam_01", ["H265"]);
      fake.publish("cam_02", ["H264", "MPEG-4 Audio"]);
      const list = await (await req("GET", "/api/cameras")).json();
      const codec = Object.fromEntries(
        list.cameras.map((c: { id: string; codec?: string }) => [c.id, c.codec ?? null]),
      );
      assert.deepEqual(codec, { cam_01: "h265", cam_02: "h264" });
      assert.ok(fake.calls.includes("GET /v3/paths/get/cam_01"));
      // The copy of the H.265 camera: published by MediaMTX's own ffmpeg while someone reads it.
      const copy = fake.paths.get("cam_01_h264");
      assert.ok(copy, "no cam_01_h264 path");
      assert.equal(copy.source, "publisher");
      assert.equal(copy.runOnDemandRestart, true);
      const cmd = String(copy.runOnDemand);
      assert.match(
        cmd,
        /-i rtsp:\/\/\$MEDIA_READ_USER:\$MEDIA_READ_PASSWORD@localhost:\$RTSP_PORT\/cam_01 /,
      );
      assert.match(cmd, /-c:v libx264 -preset ultrafast -tune zerolatency -g 10 /);
      assert.match(
        cmd,
        /rtsp:\/\/\$MEDIA_PUBLISH_USER:\$MEDIA_PUBLISH_PASSWORD@localhost:\$RTSP_PORT\/\$MTX_PATH$/,
      );
      assert.equal(fake.paths.has("cam_02_h264"), false, "H.264 cameras need no copy");

      // MediaMTX down: the listing still answers, without codecs it cannot know.
      await fake.stop();
      const down = await req("GET", "/api/cameras");
      assert.equal(down.status, 200);
      await down.body?.cancel();
    }),
});
