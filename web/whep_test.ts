/// <reference lib="dom" />
/**
 * Browser tests, WebRTC mode: the app plays through WHEP from a peer the test stands up (a
 * WHEP endpoint answered by a second Chromium page sending a canvas track), frames render,
 * trickle ICE goes by PATCH and leaving the page DELETEs the session. And the fallback chain:
 * WHEP at capacity (503) -> HLS missing (404) -> the MSE relay plays.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { createMediaRelay } from "../functions/media-relay/index.ts";
import { serveApp } from "./testing/app_server.ts";
import { launchChromium, waitForPlaying } from "./testing/browser.ts";
import { FakeTicks } from "./testing/fake_ticks.ts";
import { preparePeer, WEBRTC_ARGS, whepApp } from "./testing/whep_peer.ts";
import type {} from "./src/debug.ts";

const SAMPLE = fileURLToPath(new URL("../samples/vtest.mp4", import.meta.url));
const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test({
  name: "browser: WHEP mode plays WebRTC from the test's peer; leaving DELETEs the session",
  ...opts,
  async fn() {
    let peerPage: Page | undefined;
    const whep = whepApp(() => peerPage!);
    const ticks = new FakeTicks();
    const app = await serveApp({
      appConfig: { player_order: ["whep"], whep_base: "/whep" },
      apps: [whep.app, ticks.app()],
    });
    const browser = await launchChromium({ args: WEBRTC_ARGS });
    try {
      peerPage = await browser.context.newPage();
      await preparePeer(peerPage, app.origin);
      const { page } = browser;
      const t0 = Date.now();
      await page.goto(`${app.origin}/?camera=cam_01&player=whep`);
      await waitForPlaying(page);
      const firstFrameMs = Date.now() - t0;
      await new Promise((r) => setTimeout(r, 1500));
      const s = await page.evaluate(() => {
        const v = document.getElementById("video") as HTMLVideoElement;
        const c = document.createElement("canvas");
        c.width = v.videoWidth;
        c.height = v.videoHeight;
        const ctx = c.getContext("2d")!;
        ctx.drawImage(v, 0, 0);
        const px = ctx.getImageData(20, 20, 1, 1).data;
        return {
          w: v.videoWidth,
          h: v.videoHeight,
          ct: v.currentTime,
          rgb: [px[0], px[1], px[2]],
          mode: globalThis.stopline.mode,
          delay: document.getElementById("video-delay")!.textContent,
          ff: globalThis.stopline.firstFrameMs,
        };
      });
      console.log(
        `WHEP first frame ${firstFrameMs} ms (player ${s.ff} ms); ${s.w}x${s.h}; ` +
          `video delay ${s.delay}; PATCHes ${whep.log.patches} with ${whep.log.candidates} candidates`,
      );
      assert.equal(s.mode, "whep");
      assert.equal(whep.log.posts, 1);
      assert.ok(whep.log.candidates > 0, "local candidates trickled by PATCH");
      assert.equal(s.w, 640);
      assert.ok(s.ct > 1, "video advancing");
      // The peer's green background comes through the codec (VP8 is lossy: a tolerance).
      assert.ok(s.rgb[1] > 120 && s.rgb[0] < 60 && s.rgb[2] < 120, `pixel ${s.rgb}`);
      assert.notEqual(s.delay, "–");

      // Leave the page: pagehide stops the player, whose DELETE (keepalive) reaches the server.
      await page.goto(`${app.origin}/app-config.json`);
      const until = Date.now() + 5000;
      while (whep.log.deletes.length === 0 && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.deepEqual(whep.log.deletes, ["s0"]);
    } finally {
      await browser.close();
      await app.shutdown();
      ticks.close();
    }
  },
});

Deno.test({
  name: "browser: WHEP mode plays the dev relay's WebRTC (werift, H.264 copied from ffmpeg)",
  ...opts,
  async fn() {
    const logs: string[] = [];
    const relay = createMediaRelay({
      sources: () => new Map([["cam_01", { source: SAMPLE, loop: true }]]),
      log: (m) => logs.push(m),
    });
    const ticks = new FakeTicks();
    const app = await serveApp({
      appConfig: { player_order: ["whep"], whep_base: "/media" },
      apps: [relay, ticks.app()],
    });
    const browser = await launchChromium();
    try {
      const { page } = browser;
      const t0 = Date.now();
      await page.goto(`${app.origin}/?camera=cam_01&player=whep`);
      await waitForPlaying(page);
      const firstFrameMs = Date.now() - t0;
      await new Promise((r) => setTimeout(r, 1500));
      const s = await page.evaluate(() => {
        const v = document.getElementById("video") as HTMLVideoElement;
        return {
          w: v.videoWidth,
          h: v.videoHeight,
          ct: v.currentTime,
          webrtc: v.srcObject instanceof MediaStream,
          mode: globalThis.stopline.mode,
        };
      });
      console.log(`relay WHEP first frame ${firstFrameMs} ms; ${s.w}x${s.h}; ${logs.join(" / ")}`);
      assert.equal(s.mode, "whep");
      assert.ok(s.webrtc, "the video plays a WebRTC MediaStream");
      // The sample's own size: the H.264 came through as it is, not a re-encode.
      assert.equal(s.w, 768);
      assert.equal(s.h, 576);
      assert.ok(s.ct > 1, "video advancing");
      assert.equal(relay.whep.size, 1);
      const rtp = relay.rtpStreams.get("cam_01")!;
      assert.ok(rtp.stats.packets > 50, `rtp packets ${rtp.stats.packets}`);

      // Leaving the page DELETEs the session on the relay.
      await page.goto(`${app.origin}/app-config.json`);
      const until = Date.now() + 5000;
      while (relay.whep.size > 0 && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(relay.whep.size, 0, "session deleted on leave");
    } finally {
      await browser.close();
      await app.shutdown();
      ticks.close();
      await relay.close();
    }
  },
});

Deno.test({
  name: "browser: fallback WHEP 503 -> HLS 404 -> MSE relay plays",
  ...opts,
  async fn() {
    const whep = whepApp(() => {
      throw new Error("no peer: the server is at capacity");
    });
    whep.state.mode = "capacity";
    const relay = createMediaRelay({
      sources: () => new Map([["cam_01", { source: SAMPLE, loop: true }]]),
      log: () => {},
    });
    const ticks = new FakeTicks();
    const app = await serveApp({
      appConfig: { player_order: ["whep", "hls", "mse"], whep_base: "/whep", hls_base: "/no-hls" },
      apps: [whep.app, relay, ticks.app()],
    });
    const browser = await launchChromium();
    try {
      const { page } = browser;
      const t0 = Date.now();
      await page.goto(`${app.origin}/?camera=cam_01`);
      await waitForPlaying(page, 45_000);
      const ms = Date.now() - t0;
      const s = await page.evaluate(() => ({
        mode: globalThis.stopline.mode,
        attempts: globalThis.stopline.attempts,
      }));
      console.log(`fell back to ${s.mode} in ${ms} ms: ${JSON.stringify(s.attempts)}`);
      assert.equal(s.mode, "mse");
      assert.equal(whep.log.posts, 1);
      assert.deepEqual(s.attempts.map((a) => a.mode), ["whep", "hls", "mse"]);
      assert.equal(s.attempts[0].outcome, "stream at capacity");
      assert.match(s.attempts[1].outcome, /404|manifest/i);
      assert.equal(s.attempts[2].outcome, "playing");
    } finally {
      await browser.close();
      await app.shutdown();
      ticks.close();
      await relay.close();
    }
  },
});
