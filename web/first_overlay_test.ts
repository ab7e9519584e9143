/// <reference lib="dom" />
/**
 * Browser test, first overlay: the live page draws boxes as soon as ticks arrive and starts its
 * video without waiting for `GET /api/cameras` (that wait, made twice, had put the first overlay
 * at ~3.2 s after page load instead of ~0.8 s). The cameras API here answers only after 6 s: the
 * boxes must be drawn, and the media socket opened, before it has answered.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { Hono } from "hono";
import { createMediaRelay } from "../functions/media-relay/index.ts";
import type {} from "./src/debug.ts";
import { serveApp } from "./testing/app_server.ts";
import { launchChromium, waitForPlaying } from "./testing/browser.ts";
import { FakeTicks } from "./testing/fake_ticks.ts";

const SAMPLE = fileURLToPath(new URL("../samples/vtest.mp4", import.meta.url));
/** Well beyond the live page's 1.5 s wait for an unknown camera's codec (CODEC_WAIT_MS). */
const API_DELAY_MS = 6000;

Deno.test({
  name: "browser: boxes drawn and video started before a slow /api/cameras answers",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const relay = createMediaRelay({
      sources: () => new Map([["cam_01", { source: SAMPLE, loop: true }]]),
      log: () => {},
    });
    let apiAnsweredAt = Infinity;
    let mediaSocketAt = Infinity;
    const api = new Hono();
    api.use("/media/ws", async (_c, next) => {
      mediaSocketAt = Math.min(mediaSocketAt, Date.now());
      await next();
    });
    api.get("/api/cameras", async (c) => {
      await new Promise((r) => setTimeout(r, API_DELAY_MS));
      apiAnsweredAt = Math.min(apiAnsweredAt, Date.now());
      return c.json({
        cameras: [{ id: "cam_01", status: null, codec: "h264" }],
        fleet: [],
      });
    });
    const ticks = new FakeTicks();
    const app = await serveApp({
      appConfig: { player_order: ["mse"] },
      apps: [api, relay, ticks.app()],
    });
    const browser = await launchChromium();
    try {
      const { page } = browser;
      const t0 = Date.now();
      await page.goto(`${app.origin}/?camera=cam_01`);
      await page.waitForFunction(() => globalThis.stopline?.drawnBoxes > 0, undefined, {
        timeout: 30_000,
      });
      const boxesAt = Date.now();
      assert.ok(boxesAt < apiAnsweredAt, "boxes drawn before the cameras API answered");
      // The video of a camera whose codec is not known yet waits for the list, at most 1.5 s.
      const until = Date.now() + 30_000;
      while (mediaSocketAt === Infinity && apiAnsweredAt === Infinity && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 50));
      }
      console.log(
        `first boxes ${boxesAt - t0} ms after navigation; media socket ${
          mediaSocketAt - t0
        } ms; /api/cameras answered ${apiAnsweredAt === Infinity ? "not yet" : apiAnsweredAt - t0}`,
      );
      assert.ok(mediaSocketAt < apiAnsweredAt, "video started before the cameras API answered");
      await waitForPlaying(page);
      console.log(`playing ${Date.now() - t0} ms after navigation`);
    } finally {
      await browser.close();
      await app.shutdown();
      ticks.close();
      await relay.close();
    }
  },
});
