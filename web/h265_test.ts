/// <reference lib="dom" />
/**
 * H.265 cameras in dev: an HEVC clip made by ffmpeg (libx265) is detected by the dev media relay
 * from its first init segment and re-encoded to H.264 (libx264 ultrafast/zerolatency, 1 s GOP),
 * which Chromium plays over MSE with the overlay; `/media/status` says so.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Hono } from "hono";
import { createMediaRelay } from "../functions/media-relay/index.ts";
import type {} from "./src/debug.ts";
import { serveApp } from "./testing/app_server.ts";
import { launchChromium, waitForPlaying } from "./testing/browser.ts";
import { FakeTicks } from "./testing/fake_ticks.ts";

const SAMPLE = fileURLToPath(new URL("../samples/vtest.mp4", import.meta.url));

/** 6 s of the sample clip as H.265 (hvc1) in MP4. */
async function _hevcClip(dir: string): Promise<string> {
  const out = join(dir, "cam_h265.mp4");
  const r = await new Deno.Command("ffmpeg", {
    args: [
      ...["-hide_banner", "-loglevel", "error", "-i", SAMPLE, "-t", "6", "-an"],
      ...["-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error"],
      ...["-tag:v", "hvc1", "-y", out],
    ],
    stdout: "null",
    stderr: "inherit",
  }).output();
  assert.ok(r.success, "libx265 encode");
  return out;
}

Deno.test({
  name: "browser: an H.265 camera plays (relay transcode to H.264) with overlays",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "stopline-h265-" });
    const clip = await _hevcClip(dir);
    const probe = await new Deno.Command("ffprobe", {
      args: ["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=codec_name"]
        .concat(["-of", "csv=p=0", clip]),
    }).output();
    assert.equal(new TextDecoder().decode(probe.stdout).trim(), "hevc", "the source is H.265");
    const relay = createMediaRelay({
      sources: () => new Map([["cam_01", { source: clip, loop: true }]]),
      log: () => {},
    });
    const ticks = new FakeTicks();
    const app = await serveApp({ apps: [relay, ticks.app()] });
    const browser = await launchChromium();
    try {
      const { page } = browser;
      await page.goto(`${app.origin}/?camera=cam_01`);
      await waitForPlaying(page);
      const a = await page.evaluate(() =>
        (document.getElementById("video") as HTMLVideoElement).currentTime
      );
      await new Promise((r) => setTimeout(r, 2500));
      const s = await page.evaluate(() => ({
        ct: (document.getElementById("video") as HTMLVideoElement).currentTime,
        w: (document.getElementById("video") as HTMLVideoElement).videoWidth,
        boxes: globalThis.stopline.drawnBoxes,
      }));
      assert.equal(s.w, 768);
      assert.ok(s.ct - a > 1.5, `advanced ${s.ct - a} s in 2.5 s`);
      assert.equal(s.boxes, 2, "overlay drawn on the transcoded video");
      const status = await fetch(`${app.origin}/media/status`).then((r) => r.json());
      const cam = status.cameras.find((c: { camera: string }) => c.camera === "cam_01");
      assert.equal(cam.source_codec, "h265");
      assert.equal(cam.transcoding, true);
      assert.match(cam.mime, /avc1/, "served as H.264");
    } finally {
      await browser.close();
      await app.shutdown();
      ticks.close();
      await relay.close();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});

Deno.test({
  name: "browser: a camera the cameras API marks H.265 is played from its <cam>_h264 copy",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    // The dev relay serves `<cam>_h264` as the camera's own (transcoded) stream, like MediaMTX's
    // copy path; the page must ask for it because /api/cameras says the camera sends H.265.
    const relay = createMediaRelay({
      sources: () => new Map([["cam_01", { source: SAMPLE, loop: true }]]),
      log: () => {},
    });
    const cameras = new Hono();
    const requested: string[] = [];
    cameras.use("/media/*", async (c, next) => {
      const url = new URL(c.req.url);
      requested.push(url.pathname + url.search);
      await next();
    });
    cameras.get(
      "/api/cameras",
      (c) => c.json({ cameras: [{ id: "cam_01", status: null, codec: "h265" }], fleet: [] }),
    );
    const ticks = new FakeTicks();
    const app = await serveApp({ apps: [cameras, relay, ticks.app()] });
    const browser = await launchChromium();
    try {
      const { page } = browser;
      await page.goto(`${app.origin}/?camera=cam_01&player=mse`);
      await waitForPlaying(page);
      assert.ok(
        requested.some((r) => new URLSearchParams(r.split("?")[1]).get("camera") === "cam_01_h264"),
        `the player asked for cam_01_h264: ${requested.join(" ")}`,
      );
      assert.ok(
        !requested.some((r) => new URLSearchParams(r.split("?")[1]).get("camera") === "cam_01"),
        `and never for the H.265 original: ${requested.join(" ")}`,
      );
    } finally {
      await browser.close();
      await app.shutdown();
      ticks.close();
      await relay.close();
    }
  },
});
