/// <reference lib="dom" />
/**
 * End to end: the dev stack on embedded Postgres, the page in headless Chromium. Video plays,
 * ticks with tracks arrive, boxes are drawn on the canvas; with the analyzer stopped the video
 * keeps playing and the page says "analyzer offline"; after a restart the overlays come back
 * without a reload.
 */
import assert from "node:assert/strict";
import { launchChromium } from "../web/testing/browser.ts";
import { startDevStack } from "./stack.ts";

const ROOT = new URL("../", import.meta.url).pathname;

interface _PageFacts {
  time: number;
  videoState: string;
  analyzerState: string;
  ticks: number;
  tracks: number;
  drawnBoxes: number;
  paintedPixels: number;
  marker: string | undefined;
}

Deno.test({
  name: "e2e: live video with overlays; analyzer stop/restart without reload",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const dataDir = await Deno.makeTempDir({ prefix: "stopline-e2e-" });
    await Deno.chmod(dataDir, 0o755);
    const logs: string[] = [];
    const stack = await startDevStack({
      dataDir,
      port: 0,
      configPath: `${ROOT}config/stopline.yaml`,
      log: (l) => logs.push(l),
    });
    const browser = await launchChromium({ viewport: { width: 1000, height: 700 } });
    const { page } = browser;
    const facts = (): Promise<_PageFacts> =>
      page.evaluate(() => {
        // The app builds the live view asynchronously: absent parts read as "not yet".
        const v = document.querySelector("video");
        const c = document.querySelector("canvas");
        let painted = 0;
        if (c && c.width > 0 && c.height > 0) {
          const px = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
          for (let i = 3; i < px.length; i += 4) if (px[i] > 0) painted++;
        }
        const s = (globalThis as unknown as {
          stopline?: { ticks: number; lastTick: { tracks: unknown[] } | null; drawnBoxes: number };
        }).stopline ?? { ticks: 0, lastTick: null, drawnBoxes: 0 };
        return {
          time: v?.currentTime ?? 0,
          videoState: document.getElementById("video-state")?.textContent ?? "",
          analyzerState: document.getElementById("analyzer-state")?.textContent ?? "",
          ticks: s.ticks,
          tracks: s.lastTick?.tracks.length ?? 0,
          drawnBoxes: s.drawnBoxes,
          paintedPixels: painted,
          marker: (globalThis as unknown as { __e2eMarker?: string }).__e2eMarker,
        };
      });
    const waitFor = async (what: string, ok: (f: _PageFacts) => boolean, ms: number) => {
      const until = Date.now() + ms;
      let last: _PageFacts | null = null;
      while (Date.now() < until) {
        last = await facts();
        if (ok(last)) return last;
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error(`timed out waiting for ${what}: ${JSON.stringify(last)}\n${logs.join("\n")}`);
    };
    try {
      await page.goto(`${stack.url}/?camera=cam_01`);
      const t0 = Date.now();
      // Cold analyzer start includes model load; the model is cached in .data/models.
      // The HUD must say "playing" too: the video's time can pass 0.5 s by a seek to the
      // live edge a moment before playback starts.
      const live = await waitFor(
        "boxes on live video",
        (f) =>
          f.time > 0.5 && /playing/.test(f.videoState) && f.tracks > 0 && f.drawnBoxes > 0 &&
          f.paintedPixels > 200,
        60_000,
      );
      console.log(`first overlay after ${Date.now() - t0} ms (page load to boxes drawn)`);
      assert.match(live.analyzerState, /online/);
      await page.evaluate(
        () => ((globalThis as unknown as { __e2eMarker: string }).__e2eMarker = "same-page"),
      );

      // AI off is fine: the analyzer is killed; the video keeps playing and the page says so.
      await stack.analyzer.kill();
      const off = await waitFor("analyzer offline", (f) => /offline/.test(f.analyzerState), 10_000);
      const offTime = off.time;
      const stillPlaying = await waitFor("video advancing", (f) => f.time > offTime + 2, 10_000);
      assert.match(stillPlaying.videoState, /playing/);
      assert.equal(stillPlaying.drawnBoxes, 0, "stale boxes are cleared");

      // Restart: overlays come back without a reload.
      const ticksBefore = stillPlaying.ticks;
      const restartedAt = Date.now();
      stack.analyzer.start();
      // Two bounds, each on what it tests. The analyzer's own restart (process start, model load,
      // first keyframe from the relay) is a speed and belongs to a bench; here it only has to come
      // back (10 s catches a hang). Measured on the 2-core box: 3.6-5.6 s while a test suite or
      // other sessions load it, the same on the commit before this session's changes (4.4 s), so a
      // 3 s bound on the whole restart failed on load, not on a regression. The page's part — a
      // tick arrives, boxes are drawn on the video without a reload — stays tight.
      const ticksBack = await waitFor("ticks back", (f) => f.ticks > ticksBefore, 60_000);
      const ticksAt = Date.now();
      const back = await waitFor(
        "overlays back",
        (f) => f.ticks > ticksBefore && f.drawnBoxes > 0 && /online/.test(f.analyzerState),
        60_000,
      );
      const backMs = Date.now() - restartedAt;
      const drawMs = Date.now() - ticksAt;
      console.log(
        `overlays back ${backMs} ms after the analyzer restarted (first tick after ${
          ticksAt - restartedAt
        } ms, boxes ${drawMs} ms after it; ${ticksBack.ticks - ticksBefore} ticks)`,
      );
      assert.equal(back.marker, "same-page", "no page reload");
      assert.ok(ticksAt - restartedAt <= 10_000, `analyzer back within 10 s of restart`);
      // 1.5 s held in every run until 2026-12-01, when a CI run on a host spending 3.5x the usual
      // system time read 1746 ms (its restart's first tick came after 8.6 s, 5.0 s in the run
      // before); alone 0.3 s. A page that waited for a reload or a keyframe would take far longer.
      assert.ok(drawMs <= 3000, `boxes drawn within 3 s of the first tick (${drawMs} ms)`);
    } finally {
      await browser.close();
      await stack.close();
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    }
  },
});

Deno.test({
  name: "e2e: cam_02 plays over WebRTC from the dev relay (?player=whep) with overlays",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const dataDir = await Deno.makeTempDir({ prefix: "stopline-e2e-webrtc-" });
    await Deno.chmod(dataDir, 0o755);
    const logs: string[] = [];
    const stack = await startDevStack({
      dataDir,
      port: 0,
      configPath: `${ROOT}config/stopline.yaml`,
      log: (l) => logs.push(l),
    });
    // Chromium's default flags: what a developer's browser does on this machine.
    const browser = await launchChromium({ viewport: { width: 1000, height: 700 } });
    const { page } = browser;
    try {
      // In dev the app's default order is WebRTC (the relay's WHEP), then MSE.
      const cfg = await (await fetch(`${stack.url}/app-config.json`)).json();
      assert.equal(cfg.whep_base, "/media");
      assert.equal(cfg.player_order[0], "whep");

      await page.goto(`${stack.url}/?camera=cam_02&player=whep`);
      const until = Date.now() + 90_000;
      let last: Record<string, unknown> = {};
      while (Date.now() < until) {
        last = await page.evaluate(() => {
          const v = document.querySelector("video");
          const s = (globalThis as unknown as {
            stopline?: { mode: string; drawnBoxes: number; ticks: number };
          }).stopline;
          return {
            state: document.getElementById("video-state")?.textContent ?? "",
            mode: s?.mode ?? "",
            webrtc: v?.srcObject instanceof MediaStream,
            width: v?.videoWidth ?? 0,
            time: v?.currentTime ?? 0,
            ticks: s?.ticks ?? 0,
            boxes: s?.drawnBoxes ?? 0,
          };
        });
        if (last.state === "playing" && (last.time as number) > 1 && (last.boxes as number) > 0) {
          break;
        }
        await new Promise((r) => setTimeout(r, 250));
      }
      console.log(`cam_02 over WebRTC: ${JSON.stringify(last)}`);
      assert.equal(last.state, "playing", `${JSON.stringify(last)}\n${logs.join("\n")}`);
      assert.equal(last.mode, "whep");
      assert.equal(last.webrtc, true, "a WebRTC MediaStream, not MSE");
      assert.equal(last.width, 768, "the camera's own H.264, not a re-encode");
      assert.ok((last.boxes as number) > 0, `overlays drawn over the WebRTC video`);
      const status = await (await fetch(`${stack.url}/media/status`)).json();
      const webrtc = status.webrtc.find((c: { camera: string }) => c.camera === "cam_02");
      assert.equal(webrtc?.sessions, 1, JSON.stringify(status));
    } finally {
      await browser.close();
      await stack.close();
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    }
  },
});
