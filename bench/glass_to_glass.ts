/// <reference lib="dom" />
/**
 * Glass-to-glass latency per player: from the moment a frame is made (its time is drawn into
 * its pixels, bench/clock_source.ts) to the moment headless Chromium displays it
 * (`requestVideoFrameCallback`'s expectedDisplayTime; the stamp is read back from a canvas
 * drawImage of that very frame). Players: WebRTC (the dev relay's WHEP), MSE (the relay's
 * fMP4 over WebSocket), and HLS (ffmpeg's own HLS muxer, 0.5 s segments, served as files).
 * Also the overlay's error on WebRTC and MSE: the ticks come from the bench's analyzer
 * (bench/stamp_ticks.ts: the dev analyzer's decode and capture clock on the relay's stream, one
 * tick per frame), so for every displayed stamp the capture time the analyzer gave that frame is
 * known; the page's overlay target for the frame on screen (what it draws the tick of, after
 * its automatic alignment) is compared with it, and the tick the overlay's timeline selects for
 * that target with the frame's own tick.
 *
 *   deno run -A bench/glass_to_glass.ts [--seconds=20] [--players=whep,mse,hls] [--analyzer=first|live]
 *     [--restart=S]  (restart the camera after the warm-up, measure S seconds later)
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
import { TickTimeline } from "../web/src/overlay/tick_timeline.ts";
import type { Tick } from "../shared/tick.ts";
import { StampTicks } from "./stamp_ticks.ts";
import type { PlayerMode } from "../shared/app_config.ts";
import { startClockSource } from "./clock_source.ts";
import { msSinceStamp, readStamp } from "./time_stripe.ts";
import type {} from "../web/src/debug.ts";

export const CAMERA = "cam_g2g";
export const FPS = 30;

export interface FrameSample {
  /** Frame made -> frame displayed (ms). */
  latencyMs: number;
  /** The frame's stamp (ms mod 2^32 of when it was made). */
  stamp: number;
  /** The capture time the overlay draws the tick of while this frame is on screen (unix ms). */
  targetMs: number;
  /** The page's frame watch had seen this very frame (same presentedFrames) when read. */
  synced: boolean;
  /** How the page knew the target: per frame from the player, or now - delay. */
  perFrame: boolean;
  /** WebRTC: the callback's frame's RTP timestamp in ms (mod 2^32 / 90), else null. */
  rtpMs: number | null;
  /** How the per-frame time was found (web/src/live/media_match.ts). */
  match: "tick" | "anchor" | "estimate" | null;
}

export interface PlayerResult {
  mode: PlayerMode;
  samples: FrameSample[];
  /** Stamp -> the analyzer's capture time of that frame (WebRTC and MSE; empty for HLS). */
  captureOf: ReadonlyMap<number, number>;
  /** Stamp -> the analyzer's stream time of that frame (ms; the relay's fMP4 = RTP time). */
  mediaOf: ReadonlyMap<number, number>;
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
        stamp,
        targetMs: s.overlayTargetMs,
        synced: s.framePresented === meta.presentedFrames,
        perFrame: s.frameCaptureMs !== null,
        match: s.frameMatch,
        rtpMs: typeof meta.rtpTimestamp === "number" ? (meta.rtpTimestamp >>> 0) / 90 : null,
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
  opts: {
    warmupS?: number;
    log?: (m: string) => void;
    /**
     * When the bench's analyzer starts reading: "first" starts the relay's stream (as the dev
     * analyzer does at start-up, reading the relay's first burst of frames), "live" joins it
     * two seconds after another reader started it (as an analyzer restarted later does).
     */
    analyzerJoins?: "first" | "live";
    /**
     * After the warm-up, restart the camera (the source stops; a new one listens on the same
     * port): the relay's stream starts a new timeline, and the measurement begins this many
     * seconds later (relay restart handling, `--restart=S`).
     */
    restartSourceS?: number;
  } = {},
): Promise<PlayerResult> {
  const log = opts.log ?? (() => {});
  const hlsDir = mode === "hls" ? await Deno.makeTempDir({ prefix: "stopline-g2g-" }) : null;
  const output = hlsDir ? { hlsDir, camera: CAMERA } : { tcpPort: freePort() };
  let source = await startClockSource({
    output,
    fps: FPS,
  });
  const relay = createMediaRelay({
    sources: () => new Map(source.url ? [[CAMERA, { source: source.url, loop: false }]] : []),
    auth: { secret: null },
    log,
  });
  // HLS here is ffmpeg's own files, not the relay's stream an analyzer could read.
  const ticks = hlsDir ? new FakeTicks(CAMERA) : new StampTicks(CAMERA);
  const app = await serveApp({
    appConfig: { player_order: [mode], whep_base: "/media", hls_base: "/hls" },
    apps: [relay, ticks.app(), ...(hlsDir ? [_hlsApp(hlsDir)] : [])],
  });
  const mediaUrl = `${app.origin}/media/${CAMERA}.mp4`;
  let warm: Promise<void> | undefined;
  const warmStop = new AbortController();
  if (ticks instanceof StampTicks) {
    if (opts.analyzerJoins === "live") {
      // Another reader starts the stream and stays; the analyzer joins it once it runs live.
      const res = await fetch(mediaUrl, { signal: warmStop.signal });
      const reader = res.body!.getReader();
      await reader.read();
      warm = (async () => {
        while (!(await reader.read().catch(() => ({ done: true }))).done) { /* drain */ }
      })();
      await new Promise((r) => setTimeout(r, 2000));
    }
    ticks.start(mediaUrl);
  }
  const browser = await launchChromium();
  try {
    const { page } = browser;
    page.on("pageerror", (e) => log(`page error: ${e.message}`));
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
    if (opts.restartSourceS !== undefined) {
      await source.stop();
      source = await startClockSource({ output, fps: FPS });
      await new Promise((r) => setTimeout(r, opts.restartSourceS! * 1000));
    }
    await page.evaluate(
      () => ((globalThis as unknown as { __g2g: { on: boolean } }).__g2g.on = true),
    );
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const g = await page.evaluate(() =>
      (globalThis as unknown as { __g2g: { samples: FrameSample[]; unreadable: number } }).__g2g
    );
    const played = await page.evaluate(() => globalThis.stopline.mode);
    if (played !== mode) throw new Error(`asked for ${mode}, the page played ${played}`);
    const captureOf = ticks instanceof StampTicks ? ticks.captureOf : new Map<number, number>();
    const mediaOf = ticks instanceof StampTicks ? ticks.mediaOf : new Map<number, number>();
    return { mode, samples: g.samples, captureOf, mediaOf, unreadable: g.unreadable, startMs };
  } finally {
    await browser.close();
    await ticks.close();
    warmStop.abort();
    await warm;
    await app.shutdown();
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

/** The tick the overlay's timeline selects for `targetMs` among one tick per analyzed frame. */
function _selectedTs(timeline: TickTimeline, targetMs: number): number | null {
  return timeline.select(targetMs)?.tick.ts ?? null;
}

export function summarize(r: PlayerResult) {
  const latency = r.samples.map((s) => s.latencyMs);
  // One tick per frame the analyzer decoded, as the page received them.
  const timeline = new TickTimeline(Infinity);
  for (const ts of [...r.captureOf.values()].sort((a, b) => a - b)) {
    timeline.push({ ts, seq: 0 } as Tick);
  }
  const error: number[] = [];
  const drawnError: number[] = [];
  let unmatched = 0;
  let lateReads = 0;
  const wrapMs = 2 ** 32 / 90;
  for (const s of r.samples) {
    const truth = r.captureOf.get(s.stamp);
    if (truth === undefined) {
      unmatched++;
      continue;
    }
    // WebRTC: the pixels drawImage read are the video's current frame, which under load can
    // already be a newer one than the frame the callback (and the page's overlay) is about:
    // seen 0-3 of ~140 frames per run at load 12-15, 1-2 frames newer. The relay's RTP time
    // is the frame's stream time, so such a read shows as an RTP time that is not the stamp's.
    const media = r.mediaOf.get(s.stamp);
    if (s.rtpMs !== null && media !== undefined) {
      const d = Math.abs(((media - s.rtpMs) % wrapMs + wrapMs) % wrapMs);
      if (Math.min(d, wrapMs - d) > 1) {
        lateReads++;
        continue;
      }
    }
    // Signed: positive when the overlay shows a later moment than the picture.
    error.push(s.targetMs - truth);
    const drawn = _selectedTs(timeline, s.targetMs);
    if (drawn !== null) drawnError.push(drawn - truth);
  }
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
    /** Displayed frames compared with their analyzer capture time (0 for HLS: no analyzer). */
    overlayFrames: error.length,
    /** Displayed stamps the analyzer never decoded (it keeps only the newest frame). */
    unmatched,
    /** WebRTC frames whose pixels read were not the callback's frame (left out above). */
    lateReads,
    /** Frames whose target was per frame from the player (not now - delay). */
    perFrame: r.samples.filter((s) => s.perFrame).length,
    synced: r.samples.filter((s) => s.synced).length,
    /** Frames whose time came from their own tick (matched by stream time). */
    byTick: r.samples.filter((s) => s.match === "tick").length,
    /** Frames whose time came from a neighbouring tick's anchor (their own not arrived yet). */
    byAnchor: r.samples.filter((s) => s.match === "anchor").length,
    /** Frames whose time came from the player's arrival-clock estimate (no agreeing tick). */
    byEstimate: r.samples.filter((s) => s.match === "estimate").length,
    /** |overlay target - the frame's capture time| (ms). */
    overlayOffsetMs: pct(error.map(Math.abs)),
    /** Median signed error (ms). */
    overlayBiasMs: percentile(error, 50),
    /** |capture time of the tick drawn - the frame's own| (ms): 0 = the frame's own tick. */
    drawnTickOffsetMs: pct(drawnError.map(Math.abs)),
  };
}

if (import.meta.main) {
  const arg = (name: string, dflt: string) =>
    Deno.args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? dflt;
  const seconds = Number(arg("seconds", "20"));
  const players = arg("players", "whep,mse,hls").split(",") as PlayerMode[];
  const analyzerJoins = arg("analyzer", "first") as "first" | "live";
  const restart = arg("restart", "");
  const restartSourceS = restart === "" ? undefined : Number(restart);
  const cpu = (await Deno.readTextFile("/proc/cpuinfo").catch(() => ""))
    .match(/model name\s*:\s*(.*)/)?.[1] ?? "unknown CPU";
  console.log(
    `glass-to-glass, ${FPS} fps 320x240 x264 ultrafast/zerolatency, ${seconds} s per player, ` +
      `analyzer joins ${analyzerJoins}${
        restart ? `, camera restarted, measured ${restart} s later` : ""
      }; ` +
      `${cpu}, ${navigator.hardwareConcurrency} cores; ${new Date().toISOString()}`,
  );
  console.log(
    "player  frames  unreadable  start_ms  p50_ms  p95_ms  p99_ms  | overlay vs analyzer: frames" +
      "  p50/p95/p99  bias | tick drawn p50/p95/p99",
  );
  const r = Math.round;
  for (const mode of players) {
    const s = summarize(await measurePlayer(mode, seconds, { analyzerJoins, restartSourceS }));
    const l = s.latencyMs;
    const o = s.overlayOffsetMs;
    const d = s.drawnTickOffsetMs;
    const overlay = s.overlayFrames === 0
      ? "n/a (no analyzer on this source)"
      : `${s.overlayFrames} (${s.perFrame} per frame, ${s.byTick} own tick, ${s.byAnchor} ` +
        `anchor, ${s.byEstimate} estimate, ${s.lateReads} late reads)  ` +
        `${o.p50.toFixed(1)}/${o.p95.toFixed(1)}/${o.p99.toFixed(1)}  ${
          s.overlayBiasMs.toFixed(1)
        }` +
        ` | ${r(d.p50)}/${r(d.p95)}/${r(d.p99)}`;
    console.log(
      `${mode.padEnd(6)}  ${String(s.frames).padStart(6)}  ${String(s.unreadable).padStart(10)}  ` +
        `${String(s.startMs).padStart(8)}  ${String(r(l.p50)).padStart(6)}  ` +
        `${String(r(l.p95)).padStart(6)}  ${String(r(l.p99)).padStart(6)}  | ${overlay}`,
    );
  }
}
