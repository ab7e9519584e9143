/// <reference lib="dom" />
/**
 * Browser test, ground calibration in the zone editor (issue #12 §4) on the live frame (real
 * media relay video): click four road corners, type the rectangle's width and length, the road
 * grid is drawn through the clicked corners, an implausible entry (a width in centimetres,
 * corners in the wrong order) is warned about, and Save PUTs the whole config with the camera's
 * `calibration` (the clicked points, normalized, and the rectangle in metres) and If-Match.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { createMediaRelay } from "../functions/media-relay/index.ts";
import type { Point } from "../shared/geometry.ts";
import { serveApp } from "./testing/app_server.ts";
import { launchChromium } from "./testing/browser.ts";
import { fakeApi } from "./testing/fake_api.ts";
import type {} from "./src/debug.ts";

const SAMPLE = fileURLToPath(new URL("../samples/vtest.mp4", import.meta.url));

const CONFIG = {
  cameras: {
    cam_01: {
      source: "samples/vtest.mp4",
      loop: true,
      zones: {
        stop_zone: [[0.4, 0.45], [0.6, 0.45], [0.6, 0.7], [0.4, 0.7]] as Point[],
        pre_stop_line: [[0.3, 0.4], [0.3, 0.75]] as [Point, Point],
      },
    },
  },
};

/** A lane seen from above and behind: near side wide at the bottom, far side narrow. */
const CORNERS: Point[] = [[0.3, 0.85], [0.62, 0.85], [0.55, 0.45], [0.4, 0.45]];

/** Page CSS position of a normalized point on the letterboxed picture. */
function _screen(page: Page, p: Point) {
  return page.evaluate(([x, y]) => {
    const v = document.getElementById("video") as HTMLVideoElement;
    const r = v.getBoundingClientRect();
    const s = Math.min(v.clientWidth / v.videoWidth, v.clientHeight / v.videoHeight);
    const ox = (v.clientWidth - v.videoWidth * s) / 2;
    const oy = (v.clientHeight - v.videoHeight * s) / 2;
    return { x: r.left + ox + x * v.videoWidth * s, y: r.top + oy + y * v.videoHeight * s };
  }, p);
}

async function _placeCorners(page: Page, corners: Point[]) {
  await page.click("#calib-place");
  for (const p of corners) {
    const s = await _screen(page, p);
    await page.mouse.click(s.x, s.y);
  }
}

const warnings = (page: Page) =>
  page.evaluate(() =>
    [...document.querySelectorAll("#calib-warnings li")].map((l) => l.textContent ?? "")
  );

Deno.test({
  name: "browser: calibration points on the live frame, road grid, warnings, save",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const api = fakeApi(CONFIG);
    const relay = createMediaRelay({
      sources: () => new Map([["cam_01", { source: SAMPLE, loop: true }]]),
      log: () => {},
    });
    const app = await serveApp({ apps: [api.app, relay] });
    const browser = await launchChromium({ viewport: { width: 1200, height: 760 } });
    try {
      const { page } = browser;
      await page.goto(`${app.origin}/?camera=cam_01`);
      await page.waitForFunction(
        () => document.getElementById("video-state")?.textContent === "playing",
        undefined,
        { timeout: 30_000 },
      );
      await page.click("#edit-zones");
      await page.waitForSelector("#calib-place");

      await _placeCorners(page, CORNERS);
      assert.equal(await page.locator("[data-calib]").count(), 4);
      // No grid before both distances are typed.
      assert.equal(await page.locator(".calib-grid-line").count(), 0);
      await page.fill("#calib-width", "3.5");
      await page.fill("#calib-length", "12");
      const grid = await page.locator(".calib-grid-line").count();
      assert.ok(grid > 10, `grid lines: ${grid}`);
      assert.deepEqual(await warnings(page), []);
      // The grid passes through the clicked far-left corner (a line of X = 0 ends there).
      const through = await page.evaluate(
        ([x, y]) =>
          [...document.querySelectorAll(".calib-grid-line")].some((l) =>
            (l.getAttribute("points") ?? "").split(" ").some((p) => {
              const [px, py] = p.split(",").map(Number);
              return Math.hypot(px - x, py - y) < 0.01;
            })
          ),
        CORNERS[3],
      );
      assert.ok(through, "a grid line passes through the far-left corner");

      // A width typed in centimetres is warned about.
      await page.fill("#calib-width", "350");
      assert.match((await warnings(page))[0] ?? "", /times longer than wide/);
      await page.fill("#calib-width", "3.5");

      // The near side clicked narrower than the far side: the road would widen with distance,
      // its lines meet below the points.
      await _placeCorners(page, [[0.4, 0.85], [0.55, 0.85], [0.62, 0.45], [0.3, 0.45]]);
      assert.ok((await warnings(page)).some((w) => /meet below the clicked points/.test(w)));

      // Place them right again and save.
      await _placeCorners(page, CORNERS);
      assert.deepEqual(await warnings(page), []);
      await page.click("#calib-save");
      await page.waitForFunction(
        () => document.getElementById("calib-status")?.textContent === "calibration saved",
      );
      const put = api.log.puts.at(-1)!;
      assert.equal(put.ifMatch, '"v1"');
      const cal = put.body.cameras.cam_01.calibration as { image: Point[]; ground: Point[] };
      assert.deepEqual(cal.ground, [[0, 0], [3.5, 0], [3.5, 12], [0, 12]]);
      cal.image.forEach((p, i) => {
        assert.ok(
          Math.abs(p[0] - CORNERS[i][0]) < 0.005 && Math.abs(p[1] - CORNERS[i][1]) < 0.005,
          `point ${i}: ${p} vs ${CORNERS[i]}`,
        );
      });
      assert.deepEqual(put.body.cameras.cam_01.zones, CONFIG.cameras.cam_01.zones, "zones kept");
    } finally {
      await browser.close();
      await app.shutdown();
      await relay.close();
    }
  },
});
