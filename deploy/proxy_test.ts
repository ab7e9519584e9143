/// <reference lib="dom" />
/**
 * The one-origin reverse proxy (deploy/Caddyfile) for real: Debian's caddy runs that very file
 * (upstreams from the environment, TLS from Caddy's internal CA) in front of the functions server
 * with the dev media relay, and in front of a fake MediaMTX that answers MediaMTX's documented
 * paths (`/<cam>/index.m3u8` on the HLS port, `/<cam>/whep` on the WebRTC port). Chromium plays
 * MSE (`/media/ws`, a WebSocket through the proxy) and LL-HLS (`/media/hls/...`, prefix stripped)
 * from the same origin as the app, whose `/api` and `/ws` also go through the proxy.
 */
import assert from "node:assert/strict";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startTestDatabase } from "../dev/testing/postgres.ts";
import { freePort } from "../dev/free_port.ts";
import { startFunctions } from "../functions/main.ts";
import { ensureBundle } from "../web/testing/app_server.ts";
import { launchChromium, serveForTest } from "../web/testing/browser.ts";
import type {} from "../web/src/debug.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CADDYFILE = join(ROOT, "deploy/Caddyfile");
const SAMPLE = join(ROOT, "samples/vtest.mp4");

/** ffmpeg's live HLS of the sample clip in `dir/<camera>/index.m3u8` (as MediaMTX would serve). */
async function _startHls(dir: string, camera: string) {
  await Deno.mkdir(join(dir, camera), { recursive: true });
  const proc = new Deno.Command("ffmpeg", {
    args: [
      ...["-hide_banner", "-loglevel", "error", "-re", "-stream_loop", "-1", "-i", SAMPLE],
      ...["-c", "copy", "-f", "hls", "-hls_time", "1", "-hls_list_size", "6"],
      ...["-hls_flags", "delete_segments+program_date_time", join(dir, camera, "index.m3u8")],
    ],
    stdin: "null",
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  const until = Date.now() + 20_000;
  while (Date.now() < until) {
    const text = await Deno.readTextFile(join(dir, camera, "index.m3u8")).catch(() => "");
    if ((text.match(/#EXTINF/g) ?? []).length >= 2) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    async stop() {
      try {
        proc.kill("SIGTERM");
      } catch { /* already gone */ }
      await proc.status;
    },
  };
}

/** A fake MediaMTX: HLS files from `dir` at `/<cam>/...`, WHEP at `/<cam>/whep`; paths recorded. */
function _fakeMediaMtx(dir: string) {
  const hlsPaths: string[] = [];
  const whepRequests: { method: string; path: string }[] = [];
  const hls = serveForTest(async (req) => {
    const path = decodeURIComponent(new URL(req.url).pathname);
    hlsPaths.push(path);
    if (path.includes("..")) return new Response("bad path", { status: 400 });
    try {
      const body = await Deno.readFile(join(dir, path));
      const type = extname(path) === ".m3u8" ? "application/vnd.apple.mpegurl" : "video/mp2t";
      return new Response(body, { headers: { "content-type": type, "cache-control": "no-cache" } });
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
  const webrtc = serveForTest(async (req) => {
    const path = new URL(req.url).pathname;
    whepRequests.push({ method: req.method, path });
    await req.body?.cancel();
    const m = path.match(/^\/([A-Za-z0-9_-]+)\/whep$/);
    if (req.method === "POST" && m) {
      // MediaMTX's shape: 201, an SDP answer, Location relative to its own root.
      return new Response("v=0\r\n", {
        status: 201,
        headers: { "content-type": "application/sdp", location: `/${m[1]}/whep/sess-1` },
      });
    }
    if (req.method === "DELETE" && /^\/[A-Za-z0-9_-]+\/whep\/sess-1$/.test(path)) {
      return new Response(null, { status: 200 });
    }
    return new Response("not found", { status: 404 });
  });
  return {
    hls,
    webrtc,
    hlsPaths,
    whepRequests,
    async shutdown() {
      await hls.shutdown();
      await webrtc.shutdown();
    },
  };
}

/** caddy run on the repo's Caddyfile; resolves once the HTTPS port answers. */
async function _startCaddy(env: Record<string, string>, httpsPort: number, home: string) {
  const proc = new Deno.Command("caddy", {
    args: ["run", "--config", CADDYFILE, "--adapter", "caddyfile"],
    env: {
      ...env,
      HOME: home,
      XDG_DATA_HOME: join(home, "data"),
      XDG_CONFIG_HOME: join(home, "cfg"),
    },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const stderr: string[] = [];
  (async () => {
    for await (const chunk of proc.stderr.pipeThrough(new TextDecoderStream())) stderr.push(chunk);
  })().catch(() => {});
  const until = Date.now() + 20_000;
  for (;;) {
    try {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: httpsPort });
      conn.close();
      break;
    } catch {
      if (Date.now() > until) {
        proc.kill("SIGTERM");
        throw new Error(`caddy did not listen: ${stderr.join("").slice(-2000)}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return {
    stderr,
    async stop() {
      try {
        proc.kill("SIGTERM");
      } catch { /* already gone */ }
      await proc.status;
    },
  };
}

Deno.test({
  name:
    "proxy: caddy with deploy/Caddyfile serves app, /api, /ws, MSE and LL-HLS on one TLS origin",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await ensureBundle();
    const db = await startTestDatabase();
    const dir = await Deno.makeTempDir({ prefix: "stopline-proxy-" });
    const configPath = join(dir, "stopline.yaml");
    await Deno.writeTextFile(
      configPath,
      `cameras:\n  cam_01:\n    source: ${SAMPLE}\n    loop: true\n`,
    );
    // The app's media URLs are relative: the same paths in dev and behind the proxy.
    const envBefore = {
      MEDIAMTX_HLS_URL: Deno.env.get("MEDIAMTX_HLS_URL"),
      MEDIAMTX_WHEP_URL: Deno.env.get("MEDIAMTX_WHEP_URL"),
      PLAYER_ORDER: Deno.env.get("PLAYER_ORDER"),
    };
    Deno.env.set("MEDIAMTX_HLS_URL", "/media/hls");
    Deno.env.set("MEDIAMTX_WHEP_URL", "/media");
    Deno.env.set("PLAYER_ORDER", "mse");
    const hlsDir = join(dir, "hls");
    const stream = await _startHls(hlsDir, "cam_01");
    const mtx = _fakeMediaMtx(hlsDir);
    const functions = startFunctions({
      databaseUrl: db.url,
      port: 0,
      configPath,
      mediaRelay: true,
      log: () => {},
    });
    const httpsPort = freePort();
    const httpPort = freePort();
    const origin = `https://127.0.0.1:${httpsPort}`;
    const caddy = await _startCaddy(
      {
        STOPLINE_SITE_ADDRESS: origin,
        FUNCTIONS_UPSTREAM: `127.0.0.1:${functions.port}`,
        MEDIAMTX_HLS_UPSTREAM: `127.0.0.1:${mtx.hls.port}`,
        MEDIAMTX_WEBRTC_UPSTREAM: `127.0.0.1:${mtx.webrtc.port}`,
        // Test only: certificates from Caddy's own CA (production: ACME for the site's domain),
        // not installed into the system trust store; Chromium is told to accept them.
        CADDY_GLOBAL_OPTIONS: `local_certs\nskip_install_trust\nhttp_port ${httpPort}`,
      },
      httpsPort,
      join(dir, "caddy"),
    );
    const browser = await launchChromium({ args: ["--ignore-certificate-errors"] });
    try {
      const { page } = browser;
      // MSE from the dev relay: /media/ws is a WebSocket upgrade through the proxy; so is /ws.
      await page.goto(`${origin}/?camera=cam_01`);
      await page.waitForFunction(
        () => document.getElementById("video-state")?.textContent === "playing",
        undefined,
        { timeout: 30_000 },
      );
      await page.waitForFunction(
        () => document.getElementById("ws-state")?.textContent === "open",
        undefined,
        { timeout: 15_000 },
      );
      const mse = await page.evaluate(async () => {
        const cams = await fetch("/api/cameras").then((r) => r.json());
        const metrics = await fetch("/metrics").then((r) => r.status);
        return {
          mode: globalThis.stopline.mode,
          width: (document.getElementById("video") as HTMLVideoElement).videoWidth,
          cameras: (cams.cameras as { id: string }[]).map((c) => c.id),
          metrics,
          config: await fetch("/app-config.json").then((r) => r.json()),
        };
      });
      assert.equal(mse.mode, "mse");
      assert.equal(mse.width, 768);
      assert.deepEqual(mse.cameras, ["cam_01"], "/api goes to the functions");
      assert.equal(mse.metrics, 404, "metrics stay internal");
      assert.equal(mse.config.hls_base, "/media/hls");
      assert.equal(mse.config.whep_base, "/media");

      // LL-HLS: /media/hls/cam_01/index.m3u8 reaches MediaMTX as /cam_01/index.m3u8.
      await page.goto(`${origin}/?camera=cam_01&player=hls`);
      await page.waitForFunction(
        () =>
          document.getElementById("video-state")?.textContent === "playing" &&
          globalThis.stopline.mode === "hls",
        undefined,
        { timeout: 30_000 },
      );
      const t0 = await page.evaluate(() =>
        (document.getElementById("video") as HTMLVideoElement).currentTime
      );
      await new Promise((r) => setTimeout(r, 2500));
      const t1 = await page.evaluate(() =>
        (document.getElementById("video") as HTMLVideoElement).currentTime
      );
      assert.ok(t1 - t0 > 1.5, `HLS through the proxy advanced ${t1 - t0} s in 2.5 s`);
      assert.ok(mtx.hlsPaths.includes("/cam_01/index.m3u8"), mtx.hlsPaths.join(" "));
      assert.ok(mtx.hlsPaths.some((p) => /^\/cam_01\/index\d+\.ts$/.test(p)), "segments");
      assert.ok(!mtx.hlsPaths.some((p) => p.startsWith("/media")), "prefix stripped");

      // WHEP signalling: prefix stripped on the way in, put back on the session Location.
      const post = await fetch(`${origin}/media/cam_01/whep`, {
        method: "POST",
        headers: { "content-type": "application/sdp" },
        body: "v=0\r\n",
        client: Deno.createHttpClient({ caCerts: [await _caddyRoot(dir)] }),
      } as RequestInit);
      await post.body?.cancel();
      assert.equal(post.status, 201);
      assert.equal(post.headers.get("location"), "/media/cam_01/whep/sess-1");
      assert.deepEqual(mtx.whepRequests, [{ method: "POST", path: "/cam_01/whep" }]);
    } finally {
      await browser.close();
      await caddy.stop();
      await functions.close();
      await mtx.shutdown();
      await stream.stop();
      await db.close();
      for (const [k, v] of Object.entries(envBefore)) {
        if (v === undefined) Deno.env.delete(k);
        else Deno.env.set(k, v);
      }
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});

/** The root certificate of Caddy's internal CA (under the test's XDG_DATA_HOME). */
function _caddyRoot(dir: string): Promise<string> {
  return Deno.readTextFile(join(dir, "caddy/data/caddy/pki/authorities/local/root.crt"));
}
