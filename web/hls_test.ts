/// <reference lib="dom" />
/**
 * Browser test, HLS mode: ffmpeg writes a live HLS stream (1 s segments, program date-time)
 * from the sample clip, a static server on another origin serves it with CORS, and the app
 * plays it with hls.js in Debian chromium.
 */
import assert from "node:assert/strict";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { serveApp } from "./testing/app_server.ts";
import { launchChromium, serveForTest, waitForPlaying } from "./testing/browser.ts";
import { FakeTicks } from "./testing/fake_ticks.ts";
import type {} from "./src/debug.ts";

const SAMPLE = fileURLToPath(new URL("../samples/vtest.mp4", import.meta.url));

/** A live HLS stream of the sample clip in `dir/<camera>/index.m3u8`, until stop(). */
export async function startHlsStream(dir: string, camera = "cam_01") {
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
  // Wait until the playlist lists two segments: hls.js then starts at once.
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

/** Static files from `dir` under /hls/, with CORS (the media server is another origin). */
export function serveHls(dir: string) {
  return serveForTest(async (req) => {
    const path = decodeURIComponent(new URL(req.url).pathname);
    const cors = { "access-control-allow-origin": "*" };
    if (!path.startsWith("/hls/") || path.includes("..")) {
      return new Response("not found", { status: 404, headers: cors });
    }
    try {
      const body = await Deno.readFile(join(dir, path.slice(5)));
      const type = extname(path) === ".m3u8" ? "application/vnd.apple.mpegurl" : "video/mp2t";
      return new Response(body, {
        headers: { ...cors, "content-type": type, "cache-control": "no-cache" },
      });
    } catch {
      return new Response("not found", { status: 404, headers: cors });
    }
  });
}

Deno.test({
  name: "browser: HLS mode plays ffmpeg's live HLS with hls.js, capture time from PDT",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "stopline-hls-" });
    const stream = await startHlsStream(dir);
    const hls = serveHls(dir);
    const ticks = new FakeTicks();
    const app = await serveApp({
      appConfig: { player_order: ["hls"], hls_base: `${hls.origin}/hls` },
      apps: [ticks.app()],
    });
    const browser = await launchChromium();
    try {
      const { page } = browser;
      const t0 = Date.now();
      await page.goto(`${app.origin}/?camera=cam_01`);
      await waitForPlaying(page);
      const firstFrameMs = Date.now() - t0;
      const a = await page.evaluate(() =>
        (document.getElementById("video") as HTMLVideoElement).currentTime
      );
      await new Promise((r) => setTimeout(r, 3000));
      const s = await page.evaluate(() => ({
        ct: (document.getElementById("video") as HTMLVideoElement).currentTime,
        w: (document.getElementById("video") as HTMLVideoElement).videoWidth,
        mode: globalThis.stopline.mode,
        delay: globalThis.stopline.videoDelayMs,
        hud: document.getElementById("video-delay")!.textContent,
        player: document.getElementById("player-mode")!.textContent,
        boxes: globalThis.stopline.drawnBoxes,
        ff: globalThis.stopline.firstFrameMs,
      }));
      console.log(
        `HLS first frame ${firstFrameMs} ms (player ${s.ff} ms); video delay ${s.hud}; ` +
          `advanced ${(s.ct - a).toFixed(2)} s in 3 s`,
      );
      assert.equal(s.mode, "hls");
      assert.equal(s.player, "hls");
      assert.equal(s.w, 768);
      assert.ok(s.ct - a > 2, `currentTime advanced ${s.ct - a} s`);
      assert.match(s.hud!, /ms \(pdt\)$/, "capture time from EXT-X-PROGRAM-DATE-TIME");
      assert.ok(s.delay! > 0 && s.delay! < 10_000, `delay ${s.delay}`);
      assert.equal(s.boxes, 2, "overlay draws on HLS video too");
    } finally {
      await browser.close();
      await app.shutdown();
      await hls.shutdown();
      ticks.close();
      await stream.stop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
