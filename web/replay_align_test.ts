/// <reference lib="dom" />
/**
 * Browser test, pass replay alignment: a synthetic clip (black, a white 80x60 rectangle moving
 * 8 px per frame at 10 fps) is a pass's clip, and the pass's samples are that rectangle frame
 * by frame, stamped with each frame's capture time (clip_start + pts). At every position reached
 * by seeking, frame stepping, the plot and playback at 2x, the sample drawn must be the one of
 * the frame on screen (the white rectangle found in a screenshot with the overlay hidden) and
 * the drawn box must sit on the rectangle within 2 px: alignment within one frame interval.
 */
import assert from "node:assert/strict";
import { Hono } from "hono";
import jpeg from "jpeg-js";
import type { Page } from "playwright-core";
import { ifRangeAllows, parseByteRange } from "../functions/passes/byte_range.ts";
import type { PassDetail, PassSample } from "../shared/pass_row.ts";
import { serveApp } from "./testing/app_server.ts";
import { launchChromium } from "./testing/browser.ts";

const W = 640;
const H = 480;
const FPS = 10;
const FRAMES = 60;
const RECT = { x0: 20, dx: 8, y: 200, w: 80, h: 60 };
const T0 = Date.UTC(2026, 10, 21, 8, 0, 0, 0);
const PASS_ID = "cam_r:1763712000000:5";
/** Frames the vehicle is stopped (the replay's stop timer runs over them). */
const STOPPED = [25, 34];

async function _makeClip(path: string): Promise<void> {
  const out = await new Deno.Command("ffmpeg", {
    args: [
      ...["-hide_banner", "-loglevel", "error", "-y"],
      ...["-f", "lavfi", "-i", `color=c=black:s=${W}x${H}:r=${FPS}:d=${FRAMES / FPS}`],
      ...["-f", "lavfi", "-i", `color=c=white:s=${RECT.w}x${RECT.h}:r=${FPS}:d=${FRAMES / FPS}`],
      // By time, not frame number (`n` starts at 1 in some ffmpeg versions): frame n at n/FPS.
      ...[
        "-filter_complex",
        `[0][1]overlay=x=${RECT.x0}+${RECT.dx * FPS}*t:y=${RECT.y}:shortest=1`,
      ],
      ...["-c:v", "libx264", "-pix_fmt", "yuv420p", "-g", "10", "-bf", "0", "-crf", "12"],
      ...["-movflags", "+faststart", path],
    ],
  }).output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
}

function _samples(): PassSample[] {
  return Array.from({ length: FRAMES }, (_, n) => {
    const x = RECT.x0 + RECT.dx * n;
    const stopped = n >= STOPPED[0] && n <= STOPPED[1];
    return {
      ts: T0 + n * (1000 / FPS),
      cx: x + RECT.w / 2,
      cy: RECT.y + RECT.h / 2,
      speed_px_s: stopped ? 0 : RECT.dx * FPS,
      phase: n < 10 ? "approach" : stopped ? "stopped" : n < 25 ? "in_zone" : "leaving",
      box: [x, RECT.y, RECT.w, RECT.h],
    };
  });
}

function _api(clip: Uint8Array): Hono {
  const app = new Hono();
  const detail: PassDetail = {
    id: PASS_ID,
    camera: "cam_r",
    track_id: 5,
    label: "car",
    verdict: "full_stop",
    entered_at: new Date(T0 + 1000).toISOString(),
    exited_at: new Date(T0 + 5000).toISOString(),
    time_in_zone_s: 4,
    stop_duration_s: 0.9,
    min_speed_px_s: 0,
    entry_speed_px_s: 160,
    entry_speed_mps: null,
    min_speed_mps: null,
    max_speed_mps: null,
    image_url: null,
    clip_url: `/api/passes/${encodeURIComponent(PASS_ID)}/clip`,
    clip_start: new Date(T0).toISOString(),
    clip_duration_s: FRAMES / FPS,
    quality: {},
    samples: _samples(),
  };
  app.get("/api/config", (c) =>
    c.json({
      cameras: {
        cam_r: {
          source: "x.mp4",
          // Away from the rectangle's row, so only the box crosses it.
          zones: {
            stop_zone: [[0.4, 0.7], [0.6, 0.7], [0.6, 0.9], [0.4, 0.9]],
            pre_stop_line: [[0.1, 0.95], [0.3, 0.95]],
            capture_line: [[0.7, 0.95], [0.9, 0.95]],
          },
        },
      },
    }));
  app.get("/api/passes/:id/clip", (c) => {
    const etag = '"clip"';
    const range = ifRangeAllows(c.req.header("if-range"), etag)
      ? parseByteRange(c.req.header("range"), clip.byteLength)
      : "all";
    const headers = { "content-type": "video/mp4", "accept-ranges": "bytes", etag };
    if (range === "unsatisfiable") return c.body(null, 416, headers);
    if (range === "all") return c.body(clip as Uint8Array<ArrayBuffer>, 200, headers);
    return c.body(clip.slice(range.start, range.end + 1), 206, {
      ...headers,
      "content-range": `bytes ${range.start}-${range.end}/${clip.byteLength}`,
    });
  });
  app.get("/api/passes/:id", (c) => c.json(detail));
  return app;
}

/** Wait until the replay has drawn for the frame now on screen (seeked + a frame callback). */
async function _settled(page: Page): Promise<void> {
  await page.evaluate(async () => {
    const v = document.getElementById("replay-video") as HTMLVideoElement;
    if (v.seeking) await new Promise((r) => v.addEventListener("seeked", r, { once: true }));
    await new Promise((r) => setTimeout(r, 250));
  });
}

interface Measure {
  /** Frame index of the rectangle on screen, and of the sample drawn. */
  shownFrame: number;
  drawnFrame: number;
  /** Left edge of the rectangle on screen and of the drawn box, page device px. */
  videoLeft: number;
  drawnLeft: number;
  stopS: number;
  mediaTime: number;
}

async function _measure(page: Page): Promise<Measure> {
  await _settled(page);
  const m = await page.evaluate(({ W, H, RECT }) => {
    const v = document.getElementById("replay-video") as HTMLVideoElement;
    const c = document.getElementById("replay-overlay") as HTMLCanvasElement;
    const root = document.getElementById("pass-replay")!;
    const dpr = devicePixelRatio;
    const r = v.getBoundingClientRect();
    const scale = Math.min(r.width / W, r.height / H);
    const left = r.left + (r.width - W * scale) / 2;
    const top = r.top + (r.height - H * scale) / 2;
    const rowCss = top + (RECT.y + RECT.h / 2) * scale;
    const cr = c.getBoundingClientRect();
    const ctx = c.getContext("2d")!;
    const y = Math.round((rowCss - cr.top) * dpr);
    const row = ctx.getImageData(0, y, c.width, 1).data;
    let a = 0;
    while (a < c.width && row[a * 4 + 3] <= 100) a++;
    let b = a;
    while (b < c.width && row[b * 4 + 3] > 100) b++;
    return {
      left: left * dpr,
      scale: scale * dpr,
      rowPx: Math.round(rowCss * dpr),
      drawnLeft: cr.left * dpr + (a + b) / 2,
      sampleTs: Number(root.dataset.sampleTs),
      stopS: Number(root.dataset.stopS),
      mediaTime: v.currentTime,
    };
  }, { W, H, RECT });
  await page.evaluate(
    () => (document.getElementById("replay-overlay")!.style.visibility = "hidden"),
  );
  const shot = jpeg.decode(await page.screenshot({ type: "jpeg", quality: 100 }), {
    useTArray: true,
  });
  await page.evaluate(() => (document.getElementById("replay-overlay")!.style.visibility = ""));
  const lum = (x: number) => {
    const i = (m.rowPx * shot.width + x) * 4;
    return (shot.data[i] + shot.data[i + 1] + shot.data[i + 2]) / 3;
  };
  let x = Math.max(0, Math.floor(m.left));
  while (x < shot.width && lum(x) <= 128) x++;
  const srcLeft = (x - m.left) / m.scale;
  return {
    shownFrame: Math.round((srcLeft - RECT.x0) / RECT.dx),
    drawnFrame: Math.round((m.sampleTs - T0) / (1000 / FPS)),
    videoLeft: x,
    drawnLeft: m.drawnLeft,
    stopS: m.stopS,
    mediaTime: m.mediaTime,
  };
}

function _aligned(m: Measure, what: string): void {
  assert.equal(
    m.drawnFrame,
    m.shownFrame,
    `${what}: sample of the frame on screen ${JSON.stringify(m)}`,
  );
  assert.ok(
    Math.abs(m.drawnLeft - m.videoLeft) <= 2,
    `${what}: box on the rectangle ${JSON.stringify(m)}`,
  );
}

Deno.test({
  name: "browser: pass replay draws the sample of the frame on screen (seek, step, plot, 2x)",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "stopline-replay-" });
    const clipPath = `${dir}/moving.mp4`;
    await _makeClip(clipPath);
    const app = await serveApp({ apps: [_api(await Deno.readFile(clipPath))] });
    const browser = await launchChromium({ viewport: { width: 1280, height: 1000 } });
    const page = browser.page;
    try {
      await page.goto(`${app.origin}/#/passes/${encodeURIComponent(PASS_ID)}`);
      await page.waitForFunction(
        () => {
          const v = document.getElementById("replay-video") as HTMLVideoElement | null;
          return !!v && v.readyState >= 2 && !!document.getElementById("plot-cursor");
        },
        undefined,
        { timeout: 20_000 },
      );

      // Seeking (the scrub bar sets currentTime the same way).
      const seek = (t: number) =>
        page.evaluate((t) => {
          (document.getElementById("replay-video") as HTMLVideoElement).currentTime = t;
        }, t);
      for (const k of [3, 17, 30, 52]) {
        await seek((k + 0.5) / FPS);
        const m = await _measure(page);
        assert.equal(m.shownFrame, k);
        _aligned(m, `seek to frame ${k}`);
      }
      // The stop timer at frame 30: stopped since frame 25.
      await seek(30.5 / FPS);
      assert.equal((await _measure(page)).stopS, 0.5);

      // Frame steps.
      await page.click("#replay-next");
      let m = await _measure(page);
      assert.equal(m.shownFrame, 31);
      _aligned(m, "next frame");
      await page.click("#replay-prev");
      await page.click("#replay-prev");
      m = await _measure(page);
      assert.equal(m.shownFrame, 29);
      _aligned(m, "previous frame");

      // The plot's cursor follows the video; a click on the plot seeks there.
      const cursorT = await page.evaluate(() => {
        const svg = document.querySelector("#speed-plot svg") as SVGSVGElement;
        const x = Number(document.getElementById("plot-cursor")!.getAttribute("x1"));
        const d = svg.dataset;
        return ((x - Number(d.plotLeft)) / Number(d.plotWidth)) * Number(d.tMax);
      });
      // Frame 29 is on screen from 2.9 s to 3.0 s (samples start with frame 0).
      assert.ok(cursorT >= 2.9 - 1e-6 && cursorT < 3.0, `cursor at ${cursorT} s`);
      await page.evaluate(() => {
        const svg = document.querySelector("#speed-plot svg") as SVGSVGElement;
        const d = svg.dataset;
        const r = svg.getBoundingClientRect();
        const xView = Number(d.plotLeft) + (4.05 / Number(d.tMax)) * Number(d.plotWidth);
        const clientX = r.left + xView * (r.width / Number(d.viewWidth));
        svg.dispatchEvent(
          new MouseEvent("click", { clientX, clientY: r.top + r.height / 2, bubbles: true }),
        );
      });
      m = await _measure(page);
      assert.ok(Math.abs(m.mediaTime - 4.05) < 0.02, `plot click seeks to ${m.mediaTime}`);
      assert.equal(m.shownFrame, 40);
      _aligned(m, "plot click");

      // Playing at 2x, then paused wherever it got to.
      await seek(0.05);
      await _settled(page);
      await page.selectOption("#replay-rate", "2");
      await page.click("#replay-play");
      await new Promise((r) => setTimeout(r, 900));
      await page.click("#replay-play");
      m = await _measure(page);
      assert.equal(
        await page.evaluate(() =>
          (document.getElementById("replay-video") as HTMLVideoElement).playbackRate
        ),
        2,
      );
      assert.ok(m.shownFrame > 5, `played to frame ${m.shownFrame}`);
      _aligned(m, "after playing at 2x");
    } finally {
      await browser.close();
      await app.shutdown();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
