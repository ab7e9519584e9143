/// <reference lib="dom" />
/**
 * Browser test with auth on: the real web app and the real dev media relay requiring a viewer
 * token. The page's MSE player sends the signed-in token as `?token=` (as the tick socket does),
 * so a signed-in viewer sees video, and the relay refuses the same socket without it.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { Hono } from "hono";
import { createMediaRelay } from "../functions/media-relay/index.ts";
import { appConfigFromEnv } from "../functions/web/app_config.ts";
import { buildWebBundle } from "../functions/web/build.ts";
import { createWebApp } from "../functions/web/index.ts";
import { bearer } from "../functions/passes/testing.ts";
import { launchChromium, serveForTest, waitForPlaying } from "./testing/browser.ts";
import { FakeTicks } from "./testing/fake_ticks.ts";

const SAMPLE = fileURLToPath(new URL("../samples/vtest.mp4", import.meta.url));
const SECRET = "player-auth-test-secret-0123456789abcdef";

Deno.test({
  name: "browser, auth on: the signed-in viewer's token reaches the media relay and video plays",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await buildWebBundle();
    const relay = createMediaRelay({
      sources: () => new Map([["cam_01", { source: SAMPLE, loop: true }]]),
      auth: { secret: SECRET },
      corsOrigins: [],
      log: () => {},
    });
    const mediaRequests: string[] = [];
    const ticks = new FakeTicks();
    const root = new Hono();
    root.use("/media/*", async (c, next) => {
      mediaRequests.push(new URL(c.req.url).search);
      await next();
    });
    root.route(
      "/",
      createWebApp({
        appConfig: () =>
          appConfigFromEnv((n) => (n === "STOPLINE_JWT_SECRET" ? SECRET : undefined)),
      }),
    );
    root.route("/", relay);
    root.route("/", ticks.app());
    const server = serveForTest(root.fetch);
    const browser = await launchChromium();
    try {
      const token = (await bearer(SECRET, { sub: "v", role: "viewer", cameras: ["cam_01"] }))
        .authorization.slice(7);
      const { page } = browser;
      await page.addInitScript((t) => localStorage.setItem("stopline.token", t), token);
      await page.goto(`${server.origin}/?camera=cam_01`);
      await waitForPlaying(page, 20_000);
      assert.ok(
        mediaRequests.some((q) => new URLSearchParams(q).get("token") === token),
        `the player sent the token: ${mediaRequests.join(" ")}`,
      );
      // The same socket without the token is refused before any upgrade.
      const bare = await fetch(`${server.origin}/media/ws?camera=cam_01`);
      assert.equal(bare.status, 401);
      await bare.body?.cancel();
    } finally {
      await browser.close();
      ticks.close();
      await relay.close();
      await server.shutdown();
    }
  },
});
