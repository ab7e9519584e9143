/// <reference lib="dom" />
/**
 * Browser test, zone editor round trip on the live frame (real media relay video): drag a
 * stop-zone corner with the mouse, save -> the PUT carries the whole config with the new
 * normalized point and If-Match; a 422 shows its issues next to the point it names and in the
 * list; a 200 is confirmed when the (fake) analyzer's ticks follow the new polygon; undo,
 * revert to saved, and a 412 conflict with reload.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { createMediaRelay } from "../functions/media-relay/index.ts";
import type { Point } from "../shared/geometry.ts";
import { serveApp } from "./testing/app_server.ts";
import { launchChromium, waitForPlaying } from "./testing/browser.ts";
import { fakeApi } from "./testing/fake_api.ts";
import { FakeTicks } from "./testing/fake_ticks.ts";
import { pointInPolygon } from "./src/zones/zones_check.ts";
import type {} from "./src/debug.ts";

const SAMPLE = fileURLToPath(new URL("../samples/vtest.mp4", import.meta.url));
/** Where the parked car touches the road (the judged bottom-centre anchor). */
const CAR: Point = [0.65, 0.55];

const CONFIG = {
  cameras: {
    cam_01: {
      source: "samples/vtest.mp4",
      loop: true,
      zones: {
        stop_zone: [[0.4, 0.45], [0.6, 0.45], [0.6, 0.7], [0.4, 0.7]] as Point[],
        pre_stop_line: [[0.3, 0.4], [0.3, 0.75]] as [Point, Point],
        capture_line: [[0.7, 0.4], [0.7, 0.75]] as [Point, Point],
      },
    },
  },
};

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

async function _handleCenter(page: Page, id: string) {
  const b = (await page.locator(`[data-handle="${id}"]`).boundingBox())!;
  return { x: b.x + b.width / 2, y: b.y + b.height / 2 };
}

async function _drag(page: Page, id: string, to: Point): Promise<void> {
  const from = await _handleCenter(page, id);
  const target = await _screen(page, to);
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(target.x, target.y, { steps: 12 });
  await page.mouse.up();
}

const statusText = (page: Page) => page.textContent("#zone-status");

Deno.test({
  name:
    "browser: zone editor drag, 422 issues at the point, save, analyzer follows, undo/revert/412",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const api = fakeApi(CONFIG);
    // The fake analyzer judges one parked car against whatever config the server holds now.
    const ticks = new FakeTicks("cam_01", () => [{
      id: 5,
      label: "car",
      conf: 0.9,
      bbox: [CAR[0] - 0.05, CAR[1] - 0.1, 0.1, 0.1],
      zone: pointInPolygon(CAR, api.state.config.cameras.cam_01.zones!.stop_zone as Point[])
        ? "stop_zone"
        : null,
    }]);
    const relay = createMediaRelay({
      sources: () => new Map([["cam_01", { source: SAMPLE, loop: true }]]),
      log: () => {},
    });
    const app = await serveApp({ apps: [api.app, relay, ticks.app()] });
    const browser = await launchChromium({ viewport: { width: 1200, height: 760 } });
    try {
      const { page } = browser;
      await page.goto(`${app.origin}/?camera=cam_01`);
      await waitForPlaying(page);
      await page.click("#edit-zones");
      await page.waitForSelector('[data-handle="stop_zone.1"]');
      // The panel says which point of a vehicle is judged (the config has no anchor: the default).
      assert.match(
        (await page.textContent("#zone-anchor-note"))!,
        /bottom centre of each vehicle's box, where it touches the road/,
      );
      assert.equal(await page.locator("[data-handle]").count(), 8);

      // Drag corner 1 from (0.6, 0.45) to (0.8, 0.4); the first save is refused with issues.
      await _drag(page, "stop_zone.1", [0.8, 0.4]);
      api.state.put = "invalid";
      await page.click("#zone-save");
      await page.waitForSelector("#zone-issues li >> nth=1");
      const invalid = await page.evaluate(() => ({
        cls: document.querySelector('[data-handle="stop_zone.1"]')!.className,
        label: document.querySelector('[data-handle="stop_zone.1"] .handle-issue')?.textContent,
        others: document.querySelectorAll(".handle.invalid").length,
        list: [...document.querySelectorAll("#zone-issues li")].map((l) => l.textContent),
        status: document.getElementById("zone-status")!.textContent,
      }));
      assert.match(invalid.cls, /invalid/);
      assert.equal(invalid.label, "stop zone corners cross each other");
      assert.equal(invalid.others, 1);
      assert.equal(invalid.list.length, 2);
      assert.match(invalid.list[1]!, /cameras\.cam_01\.detect\.fps too high/);
      assert.equal(invalid.status, "invalid config");
      const put = api.log.puts[0];
      assert.equal(put.ifMatch, '"v1"');
      const [x, y] = put.body.cameras.cam_01.zones!.stop_zone[1];
      console.log(`dragged point saved as [${x}, ${y}] (target [0.8, 0.4])`);
      assert.ok(Math.abs(x - 0.8) < 0.005 && Math.abs(y - 0.4) < 0.005, `${x},${y}`);
      assert.deepEqual(put.body.cameras.cam_01.zones!.stop_zone[0], [0.4, 0.45]);
      assert.equal(put.body.cameras.cam_01.source, "samples/vtest.mp4", "whole config sent");

      // Second save goes through; the analyzer's ticks follow the new polygon.
      api.state.put = "ok";
      const tSave = Date.now();
      await page.click("#zone-save");
      await page.waitForFunction(
        () => /analyzer applied/.test(document.getElementById("zone-status")!.textContent!),
        undefined,
        { timeout: 5000 },
      );
      console.log(`save -> "${await statusText(page)}" after ${Date.now() - tSave} ms`);
      assert.equal(api.log.puts.length, 2);
      assert.equal(await page.locator(".handle.invalid").count(), 0);
      assert.equal(await page.isDisabled("#zone-revert"), true, "nothing unsaved");

      // Undo the last edit before saving.
      const before0 = await _handleCenter(page, "stop_zone.0");
      await _drag(page, "stop_zone.0", [0.2, 0.3]);
      assert.equal(await page.isDisabled("#zone-undo"), false);
      await page.click("#zone-undo");
      const after0 = await _handleCenter(page, "stop_zone.0");
      assert.ok(Math.abs(after0.x - before0.x) < 1 && Math.abs(after0.y - before0.y) < 1);

      // Revert to saved after two edits.
      await _drag(page, "stop_zone.3", [0.3, 0.9]);
      await _drag(page, "capture_line.0", [0.9, 0.1]);
      await page.click("#zone-revert");
      const saved3 = await _screen(page, [0.4, 0.7]);
      const h3 = await _handleCenter(page, "stop_zone.3");
      assert.ok(Math.abs(h3.x - saved3.x) < 2 && Math.abs(h3.y - saved3.y) < 2);

      // Edited elsewhere: 412, then reload takes the server's version.
      await _drag(page, "stop_zone.2", [0.65, 0.75]);
      api.state.put = "conflict";
      await page.click("#zone-save");
      await page.waitForFunction(
        () =>
          /changed elsewhere, reload/.test(document.getElementById("zone-status")!.textContent!),
      );
      api.state.put = "ok";
      await page.click("#zone-reload");
      await page.waitForFunction(
        () => document.getElementById("zone-status")!.textContent === "reloaded",
      );
      await page.click("#zone-close");
      assert.equal(await page.locator("[data-handle]").count(), 0);
    } finally {
      await browser.close();
      await app.shutdown();
      ticks.close();
      await relay.close();
    }
  },
});
