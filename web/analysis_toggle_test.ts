/// <reference lib="dom" />
/**
 * Browser test, runtime control on the live page (issue #15 §5): the operator's "Pause analysis"
 * button posts {enabled:false} to /api/cameras/:id/analysis, the relay then says "paused" and
 * the HUD shows "analysis paused" while the video element keeps playing (real media relay
 * video); "Resume analysis" brings the analyzer back. A viewer's page has no button.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { Hono } from "hono";
import type { Page } from "playwright-core";
import { createMediaRelay } from "../functions/media-relay/index.ts";
import { serveApp } from "./testing/app_server.ts";
import { launchChromium, waitForPlaying } from "./testing/browser.ts";
import { fakeApi } from "./testing/fake_api.ts";
import { FakeTicks } from "./testing/fake_ticks.ts";

const SAMPLE = fileURLToPath(new URL("../samples/vtest.mp4", import.meta.url));
const CONFIG = { cameras: { cam_01: { source: "samples/vtest.mp4", loop: true } } };

const _analyzerText = (page: Page) => page.textContent("#analyzer-state");
const _videoTime = (page: Page) =>
  page.evaluate(() => (document.getElementById("video") as HTMLVideoElement).currentTime);

function _jwt(claims: Record<string, unknown>): string {
  const b64url = (s: string) => btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  return `${b64url('{"alg":"HS256","typ":"JWT"}')}.${b64url(JSON.stringify(claims))}.x`;
}

Deno.test({
  name: "browser: the analysis toggle pauses analysis, the HUD says paused, the video plays on",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const api = fakeApi(CONFIG);
    const ticks = new FakeTicks("cam_01");
    // The analysis route as the functions answer it; the (fake) relay then reports the state
    // the analyzer would: "paused" with no ticks, or ticks again.
    const posts: unknown[] = [];
    const control = new Hono();
    control.post("/api/cameras/:id/analysis", async (c) => {
      const body = await c.req.json() as { enabled: boolean };
      posts.push({ camera: c.req.param("id"), ...body });
      setTimeout(() => ticks.setAnalyzer(body.enabled ? "online" : "paused"), 200);
      return c.json({ camera: c.req.param("id"), enabled: body.enabled });
    });
    const relay = createMediaRelay({
      sources: () => new Map([["cam_01", { source: SAMPLE, loop: true }]]),
      log: () => {},
    });
    const app = await serveApp({ apps: [control, api.app, relay, ticks.app()] });
    const browser = await launchChromium({ viewport: { width: 1200, height: 760 } });
    try {
      const { page } = browser;
      await page.goto(`${app.origin}/?camera=cam_01`);
      await waitForPlaying(page);
      await page.waitForFunction(
        () => document.getElementById("analyzer-state")?.textContent === "analyzer online",
      );
      assert.equal(await page.isVisible("#analysis-toggle"), true, "auth off: offered");
      assert.equal(await page.textContent("#analysis-toggle"), "Pause analysis");

      await page.click("#analysis-toggle");
      await page.waitForFunction(
        () => document.getElementById("analyzer-state")?.textContent === "analysis paused",
        undefined,
        { timeout: 5000 },
      );
      assert.deepEqual(posts, [{ camera: "cam_01", enabled: false }]);
      assert.equal(await page.getAttribute("#analyzer-state", "data-state"), "paused");
      assert.equal(await page.textContent("#analysis-toggle"), "Resume analysis");
      assert.equal(await page.textContent("#hud-fps"), "– fps");
      // The video is untouched: still playing, its clock advancing.
      const t0 = await _videoTime(page);
      await page.waitForTimeout(1500);
      const t1 = await _videoTime(page);
      console.log(`video time ${t0.toFixed(2)} -> ${t1.toFixed(2)} s while paused`);
      assert.ok(t1 > t0 + 0.5, `video advanced ${t0} -> ${t1}`);
      assert.equal(await page.textContent("#video-state"), "playing");
      assert.equal(
        await page.evaluate(() => (document.getElementById("video") as HTMLVideoElement).paused),
        false,
      );

      // Resume: ticks again, the HUD says online.
      await page.click("#analysis-toggle");
      await page.waitForFunction(
        () => document.getElementById("analyzer-state")?.textContent === "analyzer online",
        undefined,
        { timeout: 5000 },
      );
      assert.deepEqual(posts.at(-1), { camera: "cam_01", enabled: true });
      assert.equal(await page.textContent("#analysis-toggle"), "Pause analysis");
    } finally {
      await browser.close();
      await app.shutdown();
      ticks.close();
      await relay.close();
    }

    // With auth on, a viewer is not offered the button; an operator is.
    const authed = await serveApp({ appConfig: { auth: true }, apps: [control, api.app] });
    const b2 = await launchChromium();
    try {
      for (const [role, offered] of [["viewer", false], ["operator", true]] as const) {
        const token = _jwt({ sub: role, role, exp: Math.floor(Date.now() / 1000) + 600 });
        await b2.page.goto(`${authed.origin}/?camera=cam_01`);
        await b2.page.evaluate((t) => localStorage.setItem("stopline.token", t), token);
        await b2.page.reload();
        await b2.page.waitForFunction(() =>
          document.getElementById("camera-name")?.textContent === "cam_01"
        );
        assert.equal(await b2.page.isVisible("#analysis-toggle"), offered, role);
      }
    } finally {
      await b2.close();
      await authed.shutdown();
    }
  },
});
