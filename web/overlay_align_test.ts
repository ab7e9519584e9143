/// <reference lib="dom" />
/**
 * Browser test, overlay alignment: a synthetic clip (black, one white 192x144 rectangle at
 * x=160, y=120 in a 640x480 frame) plays through the real media relay; ticks carry that
 * rectangle as the box. The white rectangle's edges are found in a screenshot of the video
 * (overlay hidden), the drawn box's edges in the overlay canvas pixels, and they must agree
 * within 2 device px, at two element sizes (pillarboxed and letterboxed), DPR 1 and 2.
 */
import assert from "node:assert/strict";
import jpeg from "jpeg-js";
import type { Page } from "playwright-core";
import { createMediaRelay } from "../functions/media-relay/index.ts";
import { serveApp } from "./testing/app_server.ts";
import { launchChromium, waitForPlaying } from "./testing/browser.ts";
import { FakeTicks } from "./testing/fake_ticks.ts";
import type {} from "./src/debug.ts";

const W = 640;
const H = 480;
const RECT = { x: 160, y: 120, w: 192, h: 144 };

async function _makeClip(path: string): Promise<void> {
  const out = await new Deno.Command("ffmpeg", {
    args: [
      ...["-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi"],
      ...["-i", `color=c=black:s=${W}x${H}:r=10:d=4`],
      ...["-vf", `drawbox=x=${RECT.x}:y=${RECT.y}:w=${RECT.w}:h=${RECT.h}:color=white:t=fill`],
      ...["-c:v", "libx264", "-pix_fmt", "yuv420p", "-g", "10", "-crf", "12", path],
    ],
  }).output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
}

interface Edges {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/** Edges (device px, page coordinates) of the bright rectangle in a JPEG screenshot. */
function _videoEdges(jpg: Uint8Array, cx: number, cy: number, top0: number): Edges {
  const img = jpeg.decode(jpg, { useTArray: true });
  const lum = (x: number, y: number) => {
    const i = (y * img.width + x) * 4;
    return (img.data[i] + img.data[i + 1] + img.data[i + 2]) / 3;
  };
  // The first bright run along the line (HUD text further along is not the picture).
  const run = (n: number, at: (i: number) => number, from = 0) => {
    let i = from;
    while (i < n && at(i) <= 128) i++;
    const first = i;
    while (i < n && at(i) > 128) i++;
    return [first, i]; // pixel i spans [i, i+1]
  };
  const [left, right] = run(img.width, (x) => lum(x, cy));
  // From the top of the stage: the header bar above has light text too.
  const [top, bottom] = run(img.height, (y) => lum(cx, y), top0);
  return { left, right, top, bottom };
}

/** Measure both edge sets in the page as it is laid out now. */
async function _measure(page: Page) {
  await page.waitForFunction(() => globalThis.stopline.drawnBoxes === 1, undefined, {
    timeout: 10_000,
  });
  await new Promise((r) => setTimeout(r, 300)); // let resize/redraw settle
  const box = await page.evaluate(() => {
    const c = document.getElementById("overlay") as HTMLCanvasElement;
    const r = c.getBoundingClientRect();
    const dpr = devicePixelRatio;
    const ctx = c.getContext("2d")!;
    const data = ctx.getImageData(0, 0, c.width, c.height).data;
    const alpha = (x: number, y: number) => data[(y * c.width + x) * 4 + 3];
    // Find the stroke bands along a row and a column through the box: the drawn edges are
    // the centres of the bands (a 2*dpr wide stroke centred on the edge).
    const bands = (n: number, at: (i: number) => number) => {
      const out: [number, number][] = [];
      for (let i = 0; i < n; i++) {
        if (at(i) > 100) {
          if (out.length && out.at(-1)![1] === i) out.at(-1)![1] = i + 1;
          else out.push([i, i + 1]);
        }
      }
      return out.map(([a, b]) => (a + b) / 2);
    };
    // A point inside the box: the centroid of all painted pixels of the stroke colour.
    let sx = 0, sy = 0, n = 0;
    for (let y = 0; y < c.height; y += 2) {
      for (let x = 0; x < c.width; x += 2) if (alpha(x, y) > 100) (sx += x, sy += y, n++);
    }
    const cx = Math.round(sx / n);
    const cy = Math.round(sy / n + 0.15 * c.height / 10); // below the label, inside the box
    const hx = bands(c.width, (x) => alpha(x, cy));
    // The column for top/bottom runs near the right edge: the label sits at the top-left.
    const col = Math.round(hx.at(-1)! - 6 * dpr);
    const vy = bands(c.height, (y) => alpha(col, y));
    return {
      ox: r.left * dpr,
      oy: r.top * dpr,
      cx,
      cy,
      left: hx[0],
      right: hx.at(-1)!,
      col,
      top: vy.at(-2)!,
      bottom: vy.at(-1)!,
      dpr,
      cw: c.width,
      ch: c.height,
    };
  });
  await page.evaluate(() => (document.getElementById("overlay")!.style.visibility = "hidden"));
  const shot = await page.screenshot({ type: "jpeg", quality: 100 });
  await page.evaluate(() => (document.getElementById("overlay")!.style.visibility = ""));
  const video = _videoEdges(
    shot,
    Math.round(box.ox + box.col),
    Math.round(box.oy + box.cy),
    Math.ceil(box.oy),
  );
  const drawn: Edges = {
    left: box.ox + box.left,
    right: box.ox + box.right,
    top: box.oy + box.top,
    bottom: box.oy + box.bottom,
  };
  return { video, drawn, dpr: box.dpr };
}

Deno.test({
  name: "browser: drawn box within 2 px of the video's rectangle at two sizes, DPR 1 and 2",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "stopline-align-" });
    const clip = `${dir}/rect.mp4`;
    await _makeClip(clip);
    const relay = createMediaRelay({
      sources: () => new Map([["cam_01", { source: clip, loop: true }]]),
      log: () => {},
    });
    const ticks = new FakeTicks("cam_01", () => [{
      id: 1,
      label: "car",
      conf: 0.9,
      bbox: [RECT.x / W, RECT.y / H, RECT.w / W, RECT.h / H],
    }], { w: W, h: H });
    const app = await serveApp({ apps: [relay, ticks.app()] });
    const errors: number[] = [];
    try {
      for (const dpr of [1, 2]) {
        const browser = await launchChromium({
          deviceScaleFactor: dpr,
          viewport: { width: 1280, height: 720 },
        });
        try {
          const { page } = browser;
          await page.goto(`${app.origin}/?camera=cam_01`);
          await waitForPlaying(page);
          for (const size of [{ width: 1280, height: 720 }, { width: 600, height: 900 }]) {
            await page.setViewportSize(size);
            const m = await _measure(page);
            const err = Math.max(
              ...(["left", "right", "top", "bottom"] as const).map((k) =>
                Math.abs(m.video[k] - m.drawn[k])
              ),
            );
            errors.push(err);
            console.log(
              `DPR ${dpr} ${size.width}x${size.height}: video ${JSON.stringify(m.video)} ` +
                `drawn ${JSON.stringify(m.drawn)} max error ${err.toFixed(2)} px`,
            );
            assert.ok(err <= 2, `max edge error ${err} px`);
          }
        } finally {
          await browser.close();
        }
      }
      console.log(`alignment error (device px): max ${Math.max(...errors).toFixed(2)}`);
    } finally {
      await app.shutdown();
      ticks.close();
      await relay.close();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
