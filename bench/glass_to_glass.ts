/// <reference lib="dom" />
/**
 * Glass-to-glass latency per player: from the moment a frame is made (its time is drawn into
 * its pixels, bench/clock_source.ts) to the moment headless Chromium displays it
 * (`requestVideoFrameCallback`'s expectedDisplayTime; the stamp is read back from a canvas
 * drawImage of that very frame). Players: WebRTC (the dev relay's WHEP), MSE (the relay's
 * fMP4 over WebSocket), and HLS (ffmpeg's own HLS muxer, 0.5 s segments, served as files).
 * Also the overlay's error: the player's own delay estimate (what the overlay uses to align,
 * plus the operator's offset) against the measured delay, per frame.
 *
 *   deno run -A bench/glass_to_glass.ts [--seconds=20] [--players=whep,mse,hls]
 *
 * Loopback only: the source, the relay, the page and the browser are on this machine.
 */
import { Hono } from "hono";
import { extname, join } from "node:path";
import type { Page } from "playwright-core";
import { createMediaRelay } from "../functions/media-relay/index.ts";
import { freePort } from "../dev/free_port.ts";
import { serveApp } from "../web/testing/app_server.ts";
import { launchChromium } from "../web/testing/browser.ts";
import { FakeTicks } from "../web/testing/fake_ticks.ts";
import type { PlayerMode } from "../shared/app_config.ts";
import { startClockSource } from "./clock_source.ts";
import { msSinceStamp, readStamp } from "./time_stripe.ts";
import type {} from "../web/src/debug.ts";

export const CAMERA = "cam_g2g";
export const FPS = 30;

export interface FrameSample {
  /** Frame made -> frame displayed (ms). */
  latencyMs: number;
  /** The player's delay estimate + the overlay offset at that frame (ms), if any. */
  estimateMs: number | null;
}

export interface PlayerResult {
  mode: PlayerMode;
  samples: FrameSample[];
  /** Displayed frames whose stamp did not read (checksum mismatch). */
  unreadable: number;
  /** ms from page load to playing. */
  startMs: number;
}

/** Installs the per-frame reader in the page (self-contained: the stamp reader's source). */
function _installReader(page: Page): Promise<void> {
  return page.evaluate(`(() => {
    const readStamp = ${readStamp.toString()};
    const msSinceStamp = ${msSinceStamp.toString()};
    const g = { samples: [], unreadable: 0, on: false };
    globalThis.__g2g = g;
    const v = document.getElementById("video");
    const c = document.createElement("canvas");
    const ctx = c.getContext("2d", { willReadFrequently: true });
    const onFrame = (_now, meta) => {
      v.requestVideoFrameCallback(onFrame);
      if (!g.on || !meta.width) return;
      const w = meta.width;
      const stripeH = Math.min(meta.height, Math.ceil((w / 20) * 2));
      if (c.width !== w || c.height !== stripeH) { c.width = w; c.height = stripeH; }
      // The displayed frame at its own size: only the stripe's rows are needed.
      ctx.drawImage(v, 0, 0, w, meta.height);
      const stamp = readStamp(ctx.getImageData(0, 0, w, stripeH).data, w, stripeH);
      if (stamp === null) { g.unreadable++; return; }
      const s = globalThis.stopline;
      g.samples.push({
        latencyMs: msSinceStamp(stamp, performance.timeOrigin + meta.expectedDisplayTime),
        estimateMs: s.videoDelayMs === null ? null : s.videoDelayMs + s.offsetMs,
      });
    };
    v.requestVideoFrameCallback(onFrame);
  })()`);
}

/** Static HLS files under /hls/ (same origin as the app). */
function _hlsApp(dir: string): Hono {
  const app = new Hono();
  app.get("/hls/*", async (c) => {
    const path = decodeURIComponent(new URL(c.req.url).pathname).slice(5);
    if (path.includes("..")) return c.text("not found", 404);
    try {
      const body = await Deno.readFile(join(dir, path));
      const type = extname(path) === ".m3u8" ? "application/vnd.apple.mpegurl" : "video/mp2t";
      return c.body(body, 200, { "content-type": type, "cache-control": "no-cache" });
    } catch {
      return c.text("not found", 404);
    }
  });
  return app;
}

/** Play `mode` from a fresh clock source for `seconds` (after `warmupS`) and collect frames. */
export async function measurePlayer(
  mode: PlayerMode,
  seconds: number,
  opts: { warmupS?: number; log?: (m: string) => void } = {},
): Promise<PlayerResult> {
  const log = opts.log ?? (() => {});
  const hlsDir = mode === "hls" ? await Deno.makeTempDir({ prefix: "stopline-g2g-" }) : null;
  const source = await startClockSource({
    output: hlsDir ? { hlsDir, camera: CAMERA } : { tcpPort: freePort() },
    fps: FPS,
  });
  const relay = createMediaRelay({
    sources: () => new Map(source.url ? [[CAMERA, { source: source.url, loop: false }]] : []),
    auth: { secret: null },
    log,
  });
  const ticks = new FakeTicks();
  const app = await serveApp({
    appConfig: { player_order: [mode], whep_base: "/media", hls_base: "/hls" },
    apps: [relay, ticks.app(), ...(hlsDir ? [_hlsApp(hlsDir)] : [])],
  });
  const browser = await launchChromium();
  try {
    const { page } = browser;
    if (hlsDir) {
      // hls.js needs a playlist with segments before it starts.
      const until = Date.now() + 20_000;
      while (Date.now() < until) {
        const text = await Deno.readTextFile(join(hlsDir, CAMERA, "index.m3u8")).catch(() => "");
        if ((text.match(/#EXTINF/g) ?? []).length >= 3) break;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const t0 = Date.now();
    await page.goto(`${app.origin}/?camera=${CAMERA}&player=${mode}`);
    await page.waitForFunction(
      () => document.getElementById("video-state")?.textContent === "playing",
      undefined,
      { timeout: 90_000 },
    ).catch(async (e) => {
      const attempts = await page.evaluate(() => JSON.stringify(globalThis.stopline?.attempts));
      throw new Error(`${mode} never played (${attempts}): ${(e as Error).message}`);
    });
    const startMs = Date.now() - t0;
    await _installReader(page);
    await new Promise((r) => setTimeout(r, (opts.warmupS ?? 3) * 1000));
    await page.evaluate(
      () => ((globalThis as unknown as { __g2g: { on: boolean } }).__g2g.on = true),
    );
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const g = await page.evaluate(() =>
      (globalThis as unknown as { __g2g: { samples: FrameSample[]; unreadable: number } }).__g2g
    );
    const played = await page.evaluate(() => globalThis.stopline.mode);
    if (played !== mode) throw new Error(`asked for ${mode}, the page played ${played}`);
    return { mode, samples: g.samples, unreadable: g.unreadable, startMs };
  } finally {
    await browser.close();
    await app.shutdown();
    ticks.close();
    await relay.close();
    await source.stop();
    if (hlsDir) await Deno.remove(hlsDir, { recursive: true }).catch(() => {});
  }
}

/** The p-th percentile (nearest rank) of `values`. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function summarize(r: PlayerResult) {
  const latency = r.samples.map((s) => s.latencyMs);
  // Signed: positive when the video is later than the player thinks (overlays run early).
  const error = r.samples.filter((s) => s.estimateMs !== null).map((s) =>
    s.latencyMs - s.estimateMs!
  );
  const offset = error.map(Math.abs);
  const pct = (v: number[]) => ({
    p50: percentile(v, 50),
    p95: percentile(v, 95),
    p99: percentile(v, 99),
  });
  return {
    mode: r.mode,
    frames: r.samples.length,
    unreadable: r.unreadable,
    startMs: r.startMs,
    latencyMs: pct(latency),
    overlayOffsetMs: pct(offset),
    /** Median signed error of the player's estimate (ms): the part it cannot see. */
    estimateBiasMs: percentile(error, 50),
    /** The overlay's error once that median is taken out (an offset set to the bias, once). */
    overlayOffsetAfterBiasMs: pct(error.map((e) => Math.abs(e - percentile(error, 50)))),
  };
}

if (import.meta.main) {
  const arg = (name: string, dflt: string) =>
    Deno.args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? dflt;
  const seconds = Number(arg("seconds", "20"));
  const players = arg("players", "whep,mse,hls").split(",") as PlayerMode[];
  const cpu = (await Deno.readTextFile("/proc/cpuinfo").catch(() => ""))
    .match(/model name\s*:\s*(.*)/)?.[1] ?? "unknown CPU";
  console.log(
    `glass-to-glass, ${FPS} fps 320x240 x264 ultrafast/zerolatency, ${seconds} s per player; ` +
      `${cpu}, ${navigator.hardwareConcurrency} cores; ${new Date().toISOString()}`,
  );
  console.log(
    "player  frames  unreadable  start_ms  p50_ms  p95_ms  p99_ms  | overlay p50/p95/p99  bias" +
      "  | overlay less bias p50/p95/p99",
  );
  for (const mode of players) {
    const s = summarize(await measurePlayer(mode, seconds));
    const l = s.latencyMs;
    const o = s.overlayOffsetMs;
    console.log(
      `${mode.padEnd(6)}  ${String(s.frames).padStart(6)}  ${String(s.unreadable).padStart(10)}  ` +
        `${String(s.startMs).padStart(8)}  ${String(Math.round(l.p50)).padStart(6)}  ` +
        `${String(Math.round(l.p95)).padStart(6)}  ${String(Math.round(l.p99)).padStart(6)}  | ` +
        `${Math.round(o.p50)}/${Math.round(o.p95)}/${Math.round(o.p99)}  ` +
        `${Math.round(s.estimateBiasMs)}  | ${Math.round(s.overlayOffsetAfterBiasMs.p50)}/` +
        `${Math.round(s.overlayOffsetAfterBiasMs.p95)}/${
          Math.round(s.overlayOffsetAfterBiasMs.p99)
        }`,
    );
  }
}
