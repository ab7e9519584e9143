import assert from "node:assert/strict";
import pg from "../../shared/db/pg.ts";
import { CONFIG_CHANNEL } from "../../shared/channels.ts";
import { parseConfigYaml } from "../../shared/config.ts";
import { startTestDatabase } from "../../dev/testing/postgres.ts";
import { createPool } from "../_shared/db.ts";
import { bearer } from "../passes/testing.ts";
import { createConfigApp } from "./index.ts";
import { CONFIG_YAML } from "./testing.ts";

const SECRET = "config-test-secret-0123456789abcdef";

async function _waitFor<T>(f: () => T | undefined, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error("timeout");
    await new Promise((r) => setTimeout(r, 20));
  }
}

Deno.test("config API: redacted GET, guarded PUT, atomic write, revision, NOTIFY, secret round trip", async () => {
  const db = await startTestDatabase();
  const pool = createPool(db.url, 4);
  const dir = await Deno.makeTempDir();
  const path = `${dir}/stopline.yaml`;
  await Deno.writeTextFile(path, CONFIG_YAML);
  await Deno.chmod(path, 0o640);
  // The limiter has its own test below; here every request comes from one test client.
  const rateLimit = { perMinute: 6000, burst: 1000 };
  const app = createConfigApp({ pool, path, auth: { secret: SECRET }, rateLimit });
  const listener = new pg.Client({ connectionString: db.url });
  await listener.connect();
  const notes: string[] = [];
  listener.on("notification", (n) => notes.push(n.payload ?? ""));
  await listener.query(`listen ${CONFIG_CHANNEL}`);
  const viewer = await bearer(SECRET, { sub: "vera", role: "viewer" });
  const op = await bearer(SECRET, { sub: "olga", role: "operator" });
  const put = (body: string, headers: Record<string, string>, type = "application/yaml") =>
    app.request("/api/config", {
      method: "PUT",
      body,
      headers: { ...op, "content-type": type, ...headers },
    });
  const revisions = async () =>
    (await pool.query("select id::int, author, etag, yaml from config_revisions order by id")).rows;
  try {
    assert.equal((await app.request("/api/config")).status, 401);

    // GET: the file as written, credentials redacted, env references and comments kept.
    const g = await app.request("/api/config", { headers: viewer });
    assert.equal(g.status, 200);
    assert.match(g.headers.get("content-type")!, /^application\/yaml/);
    const etag0 = g.headers.get("etag")!;
    assert.match(etag0, /^"[0-9a-f]{32}"$/);
    const shown = await g.text();
    assert.doesNotMatch(shown, /s3cr3t|abc123/);
    assert.match(shown, /source: "rtsp:\/\/\*\*\*@10\.0\.0\.5:554\/stream1" # the gate camera/);
    assert.match(
      shown,
      /rtsp:\/\/viewer:\$\{STOPLINE_CAM_02_PASSWORD\}@10\.0\.0\.6\/live\?token=\*\*\*/,
    );
    assert.match(shown, /^# stopline settings \(test\)/);
    assert.match(shown, /detect: \{ fps: 10, min_conf: 0.4 \}/);
    const cond = await app.request("/api/config", {
      headers: { ...viewer, "if-none-match": etag0 },
    });
    assert.equal(cond.status, 304);
    await cond.body?.cancel();

    const j = await app.request("/api/config", {
      headers: { ...viewer, accept: "application/json" },
    });
    assert.equal(j.headers.get("etag"), etag0);
    const json = await j.json();
    assert.equal(json.cameras.cam_01.source, "rtsp://***@10.0.0.5:554/stream1");
    assert.deepEqual(json.cameras.cam_01.detect, { fps: 10, min_conf: 0.4 });

    // A token limited to cam_02 sees only cam_02, and cannot save.
    const only2 = await bearer(SECRET, { sub: "o2", role: "operator", cameras: ["cam_02"] });
    const lim = await (await app.request("/api/config", { headers: only2 })).text();
    assert.doesNotMatch(lim, /cam_01/);
    assert.match(lim, /cam_02/);
    const limPut = await app.request("/api/config", {
      method: "PUT",
      body: shown,
      headers: { ...only2, "content-type": "application/yaml", "if-match": etag0 },
    });
    assert.equal(limPut.status, 403);

    // Guards: role, If-Match missing/stale, content type, size.
    const asViewer = await app.request("/api/config", {
      method: "PUT",
      body: shown,
      headers: { ...viewer, "content-type": "application/yaml", "if-match": etag0 },
    });
    assert.equal(asViewer.status, 403);
    assert.equal((await put(shown, {})).status, 428);
    const stale = await put(shown, { "if-match": '"0123456789abcdef0123456789abcdef"' });
    assert.equal(stale.status, 412);
    assert.equal(stale.headers.get("etag"), etag0);
    assert.equal((await stale.json()).etag, etag0);
    assert.equal((await put(shown, { "if-match": `W/${etag0}` })).status, 412);
    assert.equal((await put(shown, { "if-match": etag0 }, "text/plain")).status, 415);
    assert.equal((await put("#".repeat(300 * 1024), { "if-match": etag0 })).status, 413);

    // Validation: the path of every bad field, nothing changed.
    const bad = shown
      .replace("fps: 10", "fps: 0")
      .replace("[0.55, 0.70]", "[1.55, 0.70]")
      .replace("loop: false", "loop: sometimes");
    const inv = await put(bad, { "if-match": etag0 });
    assert.equal(inv.status, 422);
    const invBody = await inv.json();
    assert.equal(invBody.error, "invalid config");
    assert.deepEqual(invBody.issues.map((i: { path: string }) => i.path).sort(), [
      "cameras.cam_01.detect.fps",
      "cameras.cam_01.zones.stop_zone.2.0",
      "cameras.cam_02.loop",
    ]);
    assert.ok(invBody.issues.every((i: { message: string }) => i.message.length > 0));
    const syntax = await put("cameras: [unclosed", { "if-match": etag0 });
    assert.equal(syntax.status, 422);
    assert.equal((await syntax.json()).issues[0].path, "(yaml)");
    // A redacted value that stands for nothing stored cannot be saved (it would lose the secret).
    const orphan = await put(shown.replace("10.0.0.5:554", "10.0.0.99:554"), { "if-match": etag0 });
    assert.equal(orphan.status, 422);
    assert.deepEqual((await orphan.json()).issues.map((i: { path: string }) => i.path), [
      "cameras.cam_01.source",
    ]);
    assert.equal(await Deno.readTextFile(path), CONFIG_YAML);
    assert.deepEqual(await revisions(), []);

    // Success: the redacted text, edited, round-trips without losing the credentials.
    const ino0 = (await Deno.stat(path)).ino;
    const ok = await put(shown.replace("fps: 10", "fps: 12"), { "if-match": etag0 });
    assert.equal(ok.status, 200);
    const saved = await ok.json();
    assert.deepEqual(Object.keys(saved).sort(), ["etag", "revision"]);
    assert.equal(ok.headers.get("etag"), saved.etag);
    const onDisk = await Deno.readTextFile(path);
    assert.equal(onDisk, CONFIG_YAML.replace("fps: 10", "fps: 12"), "only the edit changed");
    assert.equal(parseConfigYaml(onDisk).cameras.cam_01.detect.fps, 12);
    // Replaced by rename (a new inode), mode kept, no temporary file left behind.
    const st = await Deno.stat(path);
    assert.notEqual(st.ino, ino0);
    assert.equal(st.mode! & 0o777, 0o640);
    assert.deepEqual((await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name), [
      "stopline.yaml",
    ]);
    const revs = await revisions();
    assert.equal(revs.length, 1);
    assert.equal(revs[0].id, saved.revision);
    assert.equal(revs[0].author, "olga");
    assert.equal(revs[0].etag, saved.etag);
    assert.doesNotMatch(revs[0].yaml, /s3cr3t|abc123/);
    assert.match(revs[0].yaml, /fps: 12/);
    assert.equal(await _waitFor(() => notes[0]), String(saved.revision));
    const g2 = await app.request("/api/config", { headers: viewer });
    assert.equal(g2.headers.get("etag"), saved.etag);
    await g2.body?.cancel();
    assert.equal((await put(shown, { "if-match": etag0 })).status, 412, "the old ETag is stale");

    // JSON round trip (comments are not kept in JSON, the secrets are).
    const j2 = await app.request("/api/config", { headers: { ...op, accept: "application/json" } });
    const cfg = await j2.json();
    cfg.cameras.cam_02.detect = { fps: 5 };
    const okJson = await put(JSON.stringify(cfg), { "if-match": saved.etag }, "application/json");
    assert.equal(okJson.status, 200);
    const savedJson = await okJson.json();
    const parsed = parseConfigYaml(await Deno.readTextFile(path), () => undefined, {
      substitute: false,
    });
    assert.equal(parsed.cameras.cam_01.source, "rtsp://admin:s3cr3t@10.0.0.5:554/stream1");
    assert.equal(
      parsed.cameras.cam_02.source,
      "rtsp://viewer:${STOPLINE_CAM_02_PASSWORD}@10.0.0.6/live?token=abc123",
    );
    assert.equal(parsed.cameras.cam_02.detect.fps, 5);
    assert.equal(await _waitFor(() => notes[1]), String(savedJson.revision));

    // Two saves racing from the same version: exactly one wins.
    const current = savedJson.etag;
    const race = await Promise.all([
      put(shown.replace("fps: 10", "fps: 7"), { "if-match": current }),
      put(shown.replace("fps: 10", "fps: 8"), { "if-match": current }),
    ]);
    assert.deepEqual(race.map((r) => r.status).sort(), [200, 412]);
    await Promise.all(race.map((r) => r.body?.cancel()));

    // Revisions: operators only, newest first, no YAML in the list.
    assert.equal((await app.request("/api/config/revisions", { headers: viewer })).status, 403);
    const list = await (await app.request("/api/config/revisions?limit=2", { headers: op })).json();
    assert.equal(list.revisions.length, 2);
    assert.deepEqual(Object.keys(list.revisions[0]).sort(), ["author", "created_at", "etag", "id"]);
    assert.ok(list.revisions[0].id > list.revisions[1].id);
    assert.equal((await app.request("/api/config/revisions?limit=0", { headers: op })).status, 400);
  } finally {
    await listener.end();
    await pool.end();
    await db.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("config API: writes are rate limited per client; CORS preflight for allowed origins", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/stopline.yaml`;
  await Deno.writeTextFile(path, CONFIG_YAML);
  // No database is touched: every request here is refused before the save.
  const app = createConfigApp({
    pool: null as never,
    path,
    auth: { secret: null },
    corsOrigins: ["https://ops.example"],
    rateLimit: { perMinute: 6, burst: 2 },
  });
  const info = { remoteAddr: { hostname: "192.0.2.7" } };
  const put = () =>
    app.request("/api/config", {
      method: "PUT",
      body: "x",
      headers: { "content-type": "application/yaml" },
    }, info);
  try {
    assert.equal((await put()).status, 428);
    assert.equal((await put()).status, 428);
    const limited = await put();
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get("retry-after"), "10");
    // Reads are not limited.
    const g = await app.request("/api/config", {}, info);
    assert.equal(g.status, 200);
    await g.body?.cancel();
    const pre = await app.request("/api/config", {
      method: "OPTIONS",
      headers: { origin: "https://ops.example", "access-control-request-method": "PUT" },
    }, info);
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get("access-control-allow-origin"), "https://ops.example");
    assert.match(pre.headers.get("access-control-allow-headers") ?? "", /if-match/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
