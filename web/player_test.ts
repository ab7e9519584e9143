/// <reference lib="dom" />
/**
 * Browser test: the real web app + the real dev media relay (ffmpeg on samples/vtest.mp4) in
 * Debian chromium. A fake tick relay on /ws stands in for the analyzer side.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { Hono } from "hono";
import { createMediaRelay } from "../functions/media-relay/index.ts";
import { buildWebBundle } from "../functions/web/build.ts";
import { createWebApp } from "../functions/web/index.ts";
import type {} from "./src/debug.ts";
import { launchChromium, serveForTest, waitForPlaying } from "./testing/browser.ts";
import { FakeTicks } from "./testing/fake_ticks.ts";

const SAMPLE = fileURLToPath(new URL("../samples/vtest.mp4", import.meta.url));

async function _stack() {
  await buildWebBundle();
  const relay = createMediaRelay({
    sources: () => new Map([["cam_01", { source: SAMPLE, loop: true }]]),
    log: () => {},
  });
  const ticks = new FakeTicks();
  const root = new Hono();
  root.route("/", createWebApp());
  root.route("/", relay);
  root.route("/", ticks.app());
  const server = serveForTest(root.fetch);
  return {
    relay,
    ticks,
    origin: server.origin,
    async close() {
      ticks.close();
      await relay.close();
      await server.shutdown();
    },
  };
}

const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test({
  name: "browser: live video plays near the live edge and recovers from an ffmpeg crash",
  ...opts,
  async fn() {
    const stack = await _stack();
    const browser = await launchChromium();
    try {
      const { page } = browser;
      const t0 = Date.now();
      await page.goto(`${stack.origin}/?camera=cam_01`);
      await waitForPlaying(page, 15_000);
      const firstFrameMs = Date.now() - t0;

      const samples: { t: number; ct: number; lag: number; state: string }[] = [];
      for (let i = 0; i < 21; i++) {
        samples.push(
          await page.evaluate(() => {
            const v = document.getElementById("video") as HTMLVideoElement;
            const b = v.buffered;
            const end = b.length ? b.end(b.length - 1) : v.currentTime;
            return {
              t: performance.now(),
              ct: v.currentTime,
              lag: end - v.currentTime,
              state: document.getElementById("video-state")!.textContent!,
            };
          }),
        );
        await new Promise((r) => setTimeout(r, 250));
      }
      const advanced = samples.at(-1)!.ct - samples[0].ct;
      const wall = (samples.at(-1)!.t - samples[0].t) / 1000;
      const lags = samples.map((s) => s.lag);
      const maxLag = Math.max(...lags);
      const meanLag = lags.reduce((a, b) => a + b, 0) / lags.length;
      console.log(
        `first frame ${firstFrameMs} ms (player ${await page.evaluate(() =>
          globalThis.stopline.firstFrameMs
        )} ms); played ${advanced.toFixed(2)} s in ${wall.toFixed(2)} s wall; ` +
          `live-edge lag mean ${(meanLag * 1000).toFixed(0)} ms, max ${
            (maxLag * 1000).toFixed(0)
          } ms`,
      );
      assert.ok(advanced > wall * 0.8, `currentTime advanced ${advanced} s in ${wall} s`);
      assert.ok(maxLag < 1.5, `lag behind live edge ${maxLag} s`);
      assert.ok(samples.every((s) => s.state === "playing"), "stayed playing");

      // The canvas backing store matches the video element's CSS size x devicePixelRatio.
      const sizes = await page.evaluate(() => {
        const v = document.getElementById("video") as HTMLVideoElement;
        const c = document.getElementById("overlay") as HTMLCanvasElement;
        return {
          vw: v.clientWidth,
          vh: v.clientHeight,
          cw: c.width,
          ch: c.height,
          dpr: devicePixelRatio,
        };
      });
      assert.equal(sizes.cw, Math.round(sizes.vw * sizes.dpr));
      assert.equal(sizes.ch, Math.round(sizes.vh * sizes.dpr));

      // ffmpeg dies: the relay restarts it with backoff, the player resyncs on the new init.
      const pid = stack.relay.streams.get("cam_01")!.pid!;
      Deno.kill(pid, "SIGKILL");
      const tKill = Date.now();
      await page.waitForFunction(
        () => document.getElementById("video-state")?.textContent !== "playing",
        undefined,
        { timeout: 5_000 },
      );
      await waitForPlaying(page, 15_000);
      console.log(`recovered from ffmpeg kill in ${Date.now() - tKill} ms`);
      assert.notEqual(stack.relay.streams.get("cam_01")!.pid, pid);
    } finally {
      await browser.close();
      await stack.close();
    }
  },
});

Deno.test({
  name: "browser: overlay draws validated ticks and follows analyzer status",
  ...opts,
  async fn() {
    const stack = await _stack();
    const browser = await launchChromium({ deviceScaleFactor: 2 });
    try {
      const { page } = browser;
      await page.goto(`${stack.origin}/?camera=cam_01`);
      await page.waitForFunction(
        () => document.getElementById("analyzer-state")?.textContent === "analyzer online",
        undefined,
        { timeout: 10_000 },
      );
      await page.waitForFunction(() => globalThis.stopline.drawnBoxes === 2, undefined, {
        timeout: 5_000,
      });
      const s = await page.evaluate(() => ({
        ticks: globalThis.stopline.ticks,
        ws: document.getElementById("ws-state")!.textContent,
        age: document.getElementById("meta-age")!.textContent!,
        fps: document.getElementById("hud-fps")!.textContent,
        dpr: devicePixelRatio,
        cw: (document.getElementById("overlay") as HTMLCanvasElement).width,
        vw: document.getElementById("video")!.clientWidth,
      }));
      assert.ok(s.ticks > 0);
      assert.equal(s.ws, "open");
      assert.match(s.age, /^\d+ ms$/);
      assert.equal(s.fps, "10.0 fps");
      assert.equal(s.dpr, 2);
      assert.equal(s.cw, s.vw * 2);

      // The person box (bbox x=0.1, y=0.2..0.4) is stroked where object-fit: contain puts it:
      // its left edge lies inside the letterboxed picture, not at 10% of the element width.
      const px = await page.evaluate(() => {
        const v = document.getElementById("video") as HTMLVideoElement;
        const c = document.getElementById("overlay") as HTMLCanvasElement;
        const ctx = c.getContext("2d")!;
        const vw = v.videoWidth || 768;
        const vh = v.videoHeight || 576;
        const scale = Math.min(v.clientWidth / vw, v.clientHeight / vh);
        const rx = (v.clientWidth - vw * scale) / 2;
        const ry = (v.clientHeight - vh * scale) / 2;
        const dpr = devicePixelRatio;
        const x = Math.round((rx + 0.1 * vw * scale) * dpr);
        const y = Math.round((ry + 0.3 * vh * scale) * dpr);
        const alpha = (xx: number) => ctx.getImageData(xx, y, 1, 1).data[3];
        return { onEdge: alpha(x), naive: alpha(Math.round(0.1 * v.clientWidth * dpr)), rx };
      });
      assert.ok(px.rx > 0, "viewport is wider than 4:3: the picture is pillarboxed");
      assert.ok(px.onEdge > 0, "box edge drawn at the letterbox-mapped position");
      assert.equal(px.naive, 0, "nothing drawn at the unmapped position");

      stack.ticks.setAnalyzer("offline");
      await page.waitForFunction(
        () => document.getElementById("analyzer-state")?.textContent === "analyzer offline",
        undefined,
        { timeout: 3_000 },
      );
      await page.waitForFunction(() => globalThis.stopline.drawnBoxes === 0, undefined, {
        timeout: 3_000,
      });

      // Back online, then the tick relay goes away entirely: the page recovers by itself.
      stack.ticks.setAnalyzer("online");
      await page.waitForFunction(() => globalThis.stopline.drawnBoxes === 2, undefined, {
        timeout: 3_000,
      });
      for (const ws of stack.ticks.clients) ws.close();
      await page.waitForFunction(
        () => document.getElementById("ws-state")?.textContent === "open",
        undefined,
        { timeout: 5_000 },
      );
      await page.waitForFunction(() => globalThis.stopline.drawnBoxes === 2, undefined, {
        timeout: 5_000,
      });
    } finally {
      await browser.close();
      await stack.close();
    }
  },
});

Deno.test({
  name: "browser: unknown camera shows video unavailable and analyzer offline",
  ...opts,
  async fn() {
    const stack = await _stack();
    const browser = await launchChromium();
    try {
      const { page } = browser;
      await page.goto(`${stack.origin}/?camera=cam_99`);
      await page.waitForFunction(
        () => document.getElementById("video-state")?.textContent === "video unavailable",
        undefined,
        { timeout: 10_000 },
      );
      const analyzer = await page.textContent("#analyzer-state");
      assert.equal(analyzer, "analyzer offline");
    } finally {
      await browser.close();
      await stack.close();
    }
  },
});
