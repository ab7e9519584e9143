/// <reference lib="dom" />
/**
 * Browser test, passes and stats pages against a fake API with the contract shapes: rows with
 * crops, load more (cursor), verdict/camera filter (sent as query parameters, kept in the
 * hash), pass detail with the speed plot, stats charts and camera status.
 */
import assert from "node:assert/strict";
import { serveApp } from "./testing/app_server.ts";
import { launchChromium } from "./testing/browser.ts";
import { fakeApi } from "./testing/fake_api.ts";
import { FakeTicks } from "./testing/fake_ticks.ts";

Deno.test({
  name: "browser: passes list, filters, load more, detail plot; stats charts",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const api = fakeApi({
      cameras: { cam_01: { source: "a.mp4" }, cam_02: { source: "b.mp4" } },
    }, { passes: 60 });
    const ticks = new FakeTicks("cam_01");
    const app = await serveApp({ apps: [api.app, ticks.app()] });
    const browser = await launchChromium({ viewport: { width: 1200, height: 800 } });
    try {
      const { page } = browser;
      await page.goto(`${app.origin}/#/passes`);
      await page.waitForSelector(".pass-row >> nth=24");
      assert.equal(await page.locator(".pass-row").count(), 25);
      assert.equal(await page.isVisible("#stage"), false, "live view hidden");
      // Crops load through the image URL.
      await page.waitForFunction(() =>
        [...document.querySelectorAll<HTMLImageElement>("td.crop img")].slice(0, 3)
          .every((i) => i.complete && i.naturalWidth === 96)
      );
      await page.click("#passes-more");
      await page.waitForSelector(".pass-row >> nth=49");
      assert.equal(api.log.passQueries.at(-1)!.get("cursor"), "25");
      await page.click("#passes-more");
      await page.waitForSelector(".pass-row >> nth=59");
      assert.equal(await page.isHidden("#passes-more"), true, "no next_cursor: no button");
      assert.match((await page.textContent("#passes-status"))!, /^60 passes$/);

      // Filter: no_stop on cam_02.
      await page.selectOption("#f-verdict", "no_stop");
      await page.selectOption("#f-camera", "cam_02");
      await page.click("#passes-filter button[type=submit]");
      await page.waitForFunction(() => location.hash.includes("verdict=no_stop"));
      await page.waitForFunction(() =>
        document.querySelectorAll(".pass-row").length === 10 &&
        [...document.querySelectorAll(".pass-row .verdict")].every((v) =>
          v.textContent === "no stop"
        )
      );
      const q = api.log.passQueries.at(-1)!;
      assert.equal(q.get("verdict"), "no_stop");
      assert.equal(q.get("camera"), "cam_02");
      assert.equal(q.get("cursor"), null);

      // Detail: facts, crop and the speed plot.
      const id = await page.getAttribute(".pass-row >> nth=0", "data-pass-id");
      await page.click(".pass-row >> nth=0");
      await page.waitForSelector("#speed-plot svg");
      assert.equal(await page.evaluate(() => location.hash), `#/passes/${encodeURIComponent(id!)}`);
      const plot = await page.evaluate(() => ({
        samples: document.querySelectorAll("#speed-plot circle.sample").length,
        line: document.querySelector("#speed-plot path.speed-line")?.getAttribute("d")?.length ?? 0,
        bands: document.querySelectorAll("#speed-plot rect.stopped-band").length,
        facts: document.querySelector(".facts")!.textContent,
      }));
      assert.equal(plot.samples, 40);
      assert.ok(plot.line > 100);
      assert.equal(plot.bands, 1, "one stopped stretch shaded");
      assert.match(plot.facts!, /coverage0\.97/, "track quality shown");
      await page.waitForFunction(() =>
        (document.getElementById("pass-crop") as HTMLImageElement)?.naturalWidth === 96
      );

      // Stats.
      await page.goto(`${app.origin}/#/stats`);
      await page.waitForSelector("#chart-hours svg");
      const stats = await page.evaluate(() => ({
        bars: document.querySelectorAll("#chart-hours g.bar").length,
        rects: document.querySelectorAll("#chart-hours rect").length,
        verdicts: document.querySelector("#chart-verdicts h2")!.textContent,
        hist: document.querySelectorAll("#chart-stops g.bar").length,
        cams: [...document.querySelectorAll("#camera-status tbody tr")].map((r) =>
          r.querySelector(".pill")!.textContent
        ),
        fleet: [...document.querySelectorAll("#fleet tbody tr")].map((r) =>
          r.getAttribute("data-holder")
        ),
      }));
      assert.equal(stats.bars, 24);
      assert.ok(stats.rects > 24);
      assert.equal(stats.verdicts, "Verdicts · 108");
      assert.equal(stats.hist, 8);
      assert.deepEqual(stats.cams, ["online", "offline"]);

      // Staleness chain: cam_02's inference is the first stale link; cam_01's ticks reach this
      // browser (fake relay), so its render link gets an age.
      await page.waitForFunction(() =>
        document.querySelector('#staleness-chain tr[data-camera="cam_01"] td[data-link="render"]')
          ?.textContent?.endsWith("ms")
      );
      const chain = await page.evaluate(() =>
        [...document.querySelectorAll<HTMLElement>("#staleness-chain tbody tr")].map((r) => ({
          camera: r.dataset.camera,
          broken: r.dataset.firstStale,
          stale: [...r.querySelectorAll<HTMLElement>("td.stale")].map((td) => td.dataset.link),
          infer: r.querySelector('td[data-link="infer"]')!.textContent,
        }))
      );
      assert.deepEqual(chain, [
        { camera: "cam_01", broken: "", stale: [], infer: "150 ms" },
        { camera: "cam_02", broken: "infer", stale: ["infer"], infer: "45.0 s" },
      ]);
      assert.deepEqual(stats.fleet, ["box-1", "box-2"], "the fleet of analyzers is listed");
    } finally {
      await browser.close();
      await app.shutdown();
      ticks.close();
    }
  },
});
