/**
 * The production functions server (functions/main.ts) with auth on, probed as an attacker:
 * no dev media relay unless it is switched on, and an operator cannot read a server secret
 * through the config's `${NAME}` substitution, nor a camera secret through any answer or log.
 */
import assert from "node:assert/strict";
import { startTestDatabase } from "../dev/testing/postgres.ts";
import { bearer } from "./passes/testing.ts";
import { startFunctions } from "./main.ts";

const JWT_SECRET = "main-test-jwt-secret-0123456789abcdef-XYZ";
const CAM_TOKEN = "cam-path-token-5f3e9a";
const CAM_PASSWORD = "cam-pass-Q7w!x";

/** Run `fn` with these environment variables set, restoring the previous values after. */
async function _withEnv(vars: Record<string, string>, fn: () => Promise<void>): Promise<void> {
  const before = Object.fromEntries(Object.keys(vars).map((k) => [k, Deno.env.get(k)]));
  for (const [k, v] of Object.entries(vars)) Deno.env.set(k, v);
  try {
    await fn();
  } finally {
    for (const [k, v] of Object.entries(before)) {
      if (v === undefined) Deno.env.delete(k);
      else Deno.env.set(k, v);
    }
  }
}

/** The body's text received within `ms`, then the stream is cancelled. */
async function _readFor(res: Response, ms: number): Promise<string> {
  const reader = res.body!.getReader();
  const timer = setTimeout(() => reader.cancel().catch(() => {}), ms);
  const parts: Uint8Array[] = [];
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      parts.push(value);
    }
  } catch { /* cancelled */ }
  clearTimeout(timer);
  return new TextDecoder().decode(new Uint8Array(parts.flatMap((p) => [...p])));
}

const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test({
  name:
    "functions server: no media relay unless STOPLINE_MEDIA_RELAY=1; an operator cannot read secrets back",
  ...opts,
  async fn() {
    const db = await startTestDatabase();
    const dir = await Deno.makeTempDir();
    const configPath = `${dir}/stopline.yaml`;
    const original = `cameras:
  cam_01:
    source: http://127.0.0.1:9/x/\${STOPLINE_CAM_TOKEN}
  cam_02:
    source: rtsp://viewer:\${STOPLINE_CAM_PASSWORD}@127.0.0.1:9/live
`;
    await Deno.writeTextFile(configPath, original);
    const logs: string[] = [];
    const env = {
      STOPLINE_JWT_SECRET: JWT_SECRET,
      STOPLINE_CAM_TOKEN: CAM_TOKEN,
      STOPLINE_CAM_PASSWORD: CAM_PASSWORD,
    };
    try {
      await _withEnv(env, async () => {
        // Production default: the relay is not there at all, with or without a token.
        const prod = startFunctions({ databaseUrl: db.url, port: 0, configPath, log: () => {} });
        const admin = await bearer(JWT_SECRET, { sub: "a", role: "admin" });
        try {
          for (const path of ["/media/status", "/media/cam_01.mp4", "/media/ws?camera=cam_01"]) {
            const r = await fetch(`http://127.0.0.1:${prod.port}${path}`, { headers: admin });
            assert.equal(r.status, 404, path);
            assert.notEqual(r.headers.get("content-type"), "video/mp4");
            await r.body?.cancel();
          }
          // No WebRTC from this server either, and the app is not told to look for it here.
          const whep = await fetch(`http://127.0.0.1:${prod.port}/media/cam_01/whep`, {
            method: "POST",
            headers: { ...admin, "content-type": "application/sdp" },
            body: "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n",
          });
          assert.equal(whep.status, 404);
          await whep.body?.cancel();
          const cfg = await (await fetch(`http://127.0.0.1:${prod.port}/app-config.json`)).json();
          assert.equal(cfg.whep_base, null);
        } finally {
          await prod.close();
        }

        const fx = startFunctions({
          databaseUrl: db.url,
          port: 0,
          configPath,
          mediaRelay: true,
          log: (m) => logs.push(m),
        });
        const base = `http://127.0.0.1:${fx.port}`;
        const op = await bearer(JWT_SECRET, { sub: "mallory", role: "operator" });
        try {
          // With the relay mounted the app plays its WebRTC first.
          const cfg = await (await fetch(`${base}/app-config.json`)).json();
          assert.equal(cfg.whep_base, "/media");
          assert.equal(cfg.player_order[0], "whep");

          // 1. Reference the JWT key (and other server secrets) from a camera source: refused,
          // naming the field; nothing written.
          const got = await fetch(`${base}/api/config`, { headers: op });
          const etag = got.headers.get("etag")!;
          await got.body?.cancel();
          const attack = original.replace(
            "source: http://127.0.0.1:9/x/${STOPLINE_CAM_TOKEN}",
            "source: http://127.0.0.1:9/x/${STOPLINE_JWT_SECRET}",
          ).replace("${STOPLINE_CAM_PASSWORD}", "${DATABASE_URL}");
          const put = await fetch(`${base}/api/config`, {
            method: "PUT",
            headers: { ...op, "content-type": "application/yaml", "if-match": etag },
            body: attack,
          });
          assert.equal(put.status, 422);
          const body = await put.json();
          assert.deepEqual(body.issues.map((i: { path: string }) => i.path).sort(), [
            "cameras.cam_01.source",
            "cameras.cam_02.source",
          ]);
          assert.equal(await Deno.readTextFile(configPath), original, "nothing written");
          // Declaring it in the allow-list does not help: the allow-list is the deployment's,
          // and stopline's own secrets are never substituted.
          assert.match(JSON.stringify(body), /STOPLINE_JWT_SECRET\} may not be referenced/);

          // 2. Camera sources that are not cameras: refused with the field named.
          for (const source of ["/etc/passwd", "file:///proc/self/environ", "concat:/etc/passwd"]) {
            const r = await fetch(`${base}/api/config`, {
              method: "PUT",
              headers: { ...op, "content-type": "application/yaml", "if-match": etag },
              body: `cameras:\n  cam_01:\n    source: ${source}\n`,
            });
            assert.equal(r.status, 422, source);
            assert.equal((await r.json()).issues[0].path, "cameras.cam_01.source");
          }

          // 3. Read every place a substituted camera secret could show up: none has it.
          const viewer = await bearer(JWT_SECRET, { sub: "v", role: "viewer" });
          const token = viewer.authorization.slice(7);
          const ws = new WebSocket(
            `ws://127.0.0.1:${fx.port}/media/ws?camera=cam_01&token=${token}`,
          );
          const wsMessages: string[] = [];
          await new Promise<void>((resolve) => {
            ws.onmessage = (e) => {
              wsMessages.push(String(e.data));
              resolve();
            };
            ws.onerror = () => resolve();
            setTimeout(resolve, 8000);
          });
          // The HTTP stream of a dead camera stays open while ffmpeg retries: read for 2 s.
          const mp4 = await fetch(`${base}/media/cam_02.mp4?token=${token}`);
          const mp4Text = await _readFor(mp4, 2000);
          const answers = [
            await (await fetch(`${base}/api/config`, { headers: op })).text(),
            await (await fetch(`${base}/api/config`, {
              headers: { ...op, accept: "application/json" },
            })).text(),
            await (await fetch(`${base}/api/cameras`, { headers: op })).text(),
            await (await fetch(`${base}/media/status?token=${token}`)).text(),
            mp4Text,
            ...wsMessages,
          ];
          const closed = new Promise((r) => (ws.onclose = r));
          ws.close();
          await closed;
          assert.ok(wsMessages.length > 0, "the player was told the video is offline");
          const cameras = JSON.parse(answers[2]).cameras;
          assert.equal(cameras.length, 2, answers[2]);
          for (const text of [...answers, ...logs]) {
            for (const secret of [CAM_TOKEN, CAM_PASSWORD, JWT_SECRET]) {
              assert.ok(!text.includes(secret), `${secret} shown in: ${text}`);
            }
          }
          assert.ok(
            logs.some((l) => l.includes("ffmpeg")),
            `the relay did pull the sources: ${logs.join("\n")}`,
          );
        } finally {
          await fx.close();
        }
      });
    } finally {
      await db.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
