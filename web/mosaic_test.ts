/// <reference lib="dom" />
/**
 * Browser test of `#/mosaic`: the real web app, the real dev media relay (ffmpeg on two sample
 * clips) with its snapshot source (`grabFrame` behind the snapshot cache, as functions/cameras
 * serves it), and a fake tick relay per camera, in Debian chromium.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { Hono } from "hono";
import { upgradeWebSocket } from "hono/deno";
import { SnapshotCache } from "../functions/cameras/snapshot.ts";
import { createMediaRelay } from "../functions/media-relay/index.ts";
import type { Tick } from "../shared/tick.ts";
import type {} from "./src/debug.ts";
import type {} from "./src/pages/mosaic_page.ts";
import { serveApp } from "./testing/app_server.ts";
import { launchChromium, waitForPlaying } from "./testing/browser.ts";

const sample = (p: string) => fileURLToPath(new URL(`../samples/${p}`, import.meta.url));
const SOURCES = new Map([
  ["cam_01", { source: sample("vtest.mp4"), loop: true }],
  ["cam_02", { source: sample("scenes/full_stop.mp4"), loop: true }],
]);

/** /api/cameras as functions/cameras lists it: cam_03 is only reported by an analyzer. */
function _camerasApi(snapshots: SnapshotCache) {
  const app = new Hono();
  app.get("/api/cameras", (c) =>
    c.json({
      cameras: [
        { id: "cam_01", source: "samples/vtest.mp4", enabled: true, origin: "config" },
        { id: "cam_02", source: "samples/scenes/full_stop.mp4", enabled: true, origin: "config" },
        {
          id: "cam_03",
          source: null,
          enabled: true,
          origin: "status",
          status: { online: false },
        },
      ],
    }));
  app.get("/api/cameras/:id/snapshot.jpg", async (c) => {
    const snap = await snapshots.get(c.req.param("id"));
    if (snap === "unknown") return c.json({ error: "unknown camera" }, 404);
    if (!snap) return c.json({ error: "no recent frame" }, 503);
    return c.body(snap.jpeg, 200, {
      "content-type": "image/jpeg",
      "x-frame-age-ms": String(Date.now() - snap.capturedAtMs),
    });
  });
  return app;
}

/** A tick relay for any camera: one box per tick on `/ws?camera=<id>`. */
function _ticks() {
  const sockets = new Set<{ camera: string; send: (s: string) => void }>();
  let seq = 0;
  const timer = setInterval(() => {
    for (const s of sockets) {
      const tick: Tick = {
        v: 1,
        type: "tick",
        camera: s.camera,
        seq: seq++,
        ts: Date.now() - 40,
        frame: { w: 768, h: 576 },
        space: "source",
        tracks: [{ id: 1, label: "car", conf: 0.9, bbox: [0.3, 0.3, 0.2, 0.2] }],
        stats: { fps: 10, infer_ms: 12, lag_ms: 30, dropped: 0 },
      };
      s.send(JSON.stringify(tick));
    }
  }, 100);
  const app = new Hono();
  app.get(
    "/ws",
    upgradeWebSocket((c) => {
      const entry = { camera: c.req.query("camera") ?? "", send: (_: string) => {} };
      return {
        onOpen: (_e, ws) => {
          entry.send = (s) => ws.send(s);
          sockets.add(entry);
          ws.send(
            JSON.stringify({ v: 1, type: "status", camera: entry.camera, analyzer: "online" }),
          );
        },
        onClose: () => void sockets.delete(entry),
      };
    }),
  );
  return { app, close: () => clearInterval(timer) };
}

Deno.test({
  name:
    "browser: mosaic plays two cameras with overlays, badges cam_03, snapshots, pauses off-screen",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const relay = createMediaRelay({ sources: () => SOURCES, log: () => {}, idleStopMs: 500 });
    const snapshots = new SnapshotCache({ grab: relay.grabFrame, log: () => {} });
    const ticks = _ticks();
    const app = await serveApp({ apps: [_camerasApi(snapshots), relay, ticks.app] });
    const browser = await launchChromium({ viewport: { width: 1280, height: 900 } });
    try {
      const { page } = browser;
      await page.goto(`${app.origin}/#/mosaic`);
      await page.waitForFunction(
        () => {
          const t = globalThis.stoplineMosaic?.tiles ?? [];
          return t.length === 3 && t.filter((x) => x.badge === "playing" && x.drawnBoxes > 0)
                .length === 2;
        },
        undefined,
        { timeout: 30_000 },
      );
      const tiles = await page.evaluate(() => globalThis.stoplineMosaic!.tiles);
      assert.deepEqual(tiles.map((t) => [t.camera, t.kind, t.badge]), [
        ["cam_01", "live", "playing"],
        ["cam_02", "live", "playing"],
        ["cam_03", "unconfigured", "unconfigured"],
      ]);
      const shown = await page.evaluate(() =>
        [...document.querySelectorAll<HTMLElement>(".tile")].map((t) => ({
          badge: t.querySelector(".tile-badge")!.textContent,
          analyzerHidden: t.querySelector<HTMLElement>(".tile-analyzer")!.hidden,
          width: t.querySelector("video")!.videoWidth,
          href: t.getAttribute("href"),
        }))
      );
      assert.equal(shown[0].width, 768, "cam_01 decodes");
      assert.ok(shown[1].width > 0, "cam_02 decodes");
      assert.equal(shown[2].badge, "camera not configured");
      assert.ok(shown[0].analyzerHidden && shown[1].analyzerHidden, "analyzers online");
      assert.equal(shown[0].href, "#/live?camera=cam_01");

      // A click opens the camera's live page (and the mosaic's players stop).
      await page.click('.tile[data-camera="cam_02"]');
      await waitForPlaying(page, 20_000);
      assert.equal(await page.evaluate(() => globalThis.stopline.camera), "cam_02");

      // Live limit 1: cam_02 shows a snapshot (a real frame from the relay) with its age.
      await page.goto(`${app.origin}/#/mosaic?live=1`);
      await page.reload();
      await page.waitForFunction(
        () => {
          const t = globalThis.stoplineMosaic?.tiles ?? [];
          const img = document.querySelector<HTMLImageElement>(
            '.tile[data-camera="cam_02"] .tile-snapshot',
          );
          return t[1]?.kind === "snapshot" && t[1].snapshotAgeMs !== null &&
            (img?.naturalWidth ?? 0) > 0 && t[0]?.badge === "playing";
        },
        undefined,
        { timeout: 30_000 },
      );
      const snap = await page.evaluate(() => ({
        tile: globalThis.stoplineMosaic!.tiles[1],
        age: document.querySelector('.tile[data-camera="cam_02"] .tile-age')!.textContent,
        badge: document.querySelector('.tile[data-camera="cam_02"] .tile-badge')!.textContent,
        video: document.querySelector<HTMLVideoElement>('.tile[data-camera="cam_02"] video')!
          .readyState,
      }));
      assert.equal(snap.tile.badge, "snapshot");
      assert.equal(snap.video, 0, "no player beyond the limit");
      assert.ok(snap.tile.snapshotAgeMs! < 10_000, `age ${snap.tile.snapshotAgeMs}`);
      assert.match(snap.age!, /^snapshot \d+ s ago$/);

      // Off-screen tiles pause: in a short one-column viewport only cam_01 is visible.
      await page.setViewportSize({ width: 400, height: 380 });
      await page.goto(`${app.origin}/#/mosaic?live=9`);
      await page.reload();
      await page.waitForFunction(
        () => globalThis.stoplineMosaic?.tiles[0]?.badge === "playing",
        undefined,
        { timeout: 30_000 },
      );
      const vis = await page.evaluate(() => globalThis.stoplineMosaic!.tiles.map((t) => t.visible));
      assert.deepEqual(vis, [true, false, false]);
      const before = relay.streams.get("cam_01")?.subscribers ?? 0;
      assert.ok(before >= 1, "cam_01 watched");
      await page.evaluate(() =>
        document.querySelector('.tile[data-camera="cam_02"]')!.scrollIntoView()
      );
      await page.waitForFunction(
        () => {
          const t = globalThis.stoplineMosaic!.tiles;
          return !t[0].visible && t[1].visible && t[1].badge === "playing";
        },
        undefined,
        { timeout: 30_000 },
      );
      // cam_01's player left the relay when its tile scrolled away.
      const until = Date.now() + 5_000;
      while ((relay.streams.get("cam_01")?.subscribers ?? 0) > 0 && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(relay.streams.get("cam_01")?.subscribers ?? 0, 0);
    } finally {
      await browser.close();
      await app.shutdown();
      ticks.close();
      await relay.close();
    }
  },
});
