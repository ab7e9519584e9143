/// <reference lib="dom" />
/**
 * Browser test of the evidence pages against the real passes and stats functions on a real
 * Postgres (auth off, as in dev): the Report page (charts, basis, table, CSV download, print
 * layout), the pass page's review panel and keep flag (rows checked in the database), the
 * passes list's review filter, the Records page and the review figures on the Stats page.
 */
import assert from "node:assert/strict";
import { Hono } from "hono";
import { serveApp } from "./testing/app_server.ts";
import { launchChromium } from "./testing/browser.ts";
import { startTestDatabase } from "../dev/testing/postgres.ts";
import { createPool } from "../functions/_shared/db.ts";
import { LocalObjectStore } from "../shared/object_store/mod.ts";
import { createPassesApp } from "../functions/passes/index.ts";
import { createStatsApp } from "../functions/stats/index.ts";
import { insertPasses } from "../functions/passes/testing.ts";

Deno.test({
  name: "browser: report, review panel, review filter, records, review figures (real API)",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const db = await startTestDatabase();
    const pool = createPool(db.url, 3);
    const dir = await Deno.makeTempDir();
    const auth = { secret: null };
    const cameras = new Hono().get(
      "/api/cameras",
      (c) => c.json({ cameras: [{ id: "cam_01", status: null }] }),
    );
    const app = await serveApp({
      apps: [
        cameras,
        createPassesApp({ pool, store: new LocalObjectStore(dir), auth }),
        createStatsApp({ pool, auth }),
      ],
    });
    const browser = await launchChromium({ viewport: { width: 1200, height: 900 } });
    try {
      const ids = await insertPasses(
        pool,
        [
          ["full_stop", "08:01:00", 2.5],
          ["full_stop", "08:05:00", 1.5],
          ["rolling_stop", "08:10:00", 0.3],
          ["no_stop", "08:20:00", 0],
        ].map(([verdict, t, stop], i) => ({
          camera: "cam_01",
          track_id: i + 1,
          verdict: verdict as "full_stop" | "rolling_stop" | "no_stop",
          exited_at: `2026-11-21T${t}Z`,
          stop_duration_s: stop as number,
          label: i === 3 ? "truck" : "car",
        })),
      );
      const { page } = browser;

      // Report.
      const q = "camera=cam_01&from=2026-11-21T08:00:00.000Z&to=2026-11-21T08:30:00.000Z&bin=15m";
      await page.goto(`${app.origin}/#/report?${q}`);
      await page.waitForSelector("#report-counts svg");
      await page.waitForSelector("#report-speeds svg");
      const report = await page.evaluate(() => ({
        bins: document.querySelectorAll("#report-counts g.bar").length,
        title: document.querySelector("#report-counts h2")!.textContent,
        basis: document.querySelector("#report-basis")!.textContent,
        rows: document.querySelectorAll("#report-table .report-row").length,
        speedTitle: document.querySelector("#report-speeds h2")!.textContent,
        csv: document.querySelector<HTMLAnchorElement>("#report-csv")!.href,
      }));
      assert.equal(report.bins, 2);
      assert.match(report.title!, /· 4$/);
      assert.match(report.basis!, /px\/s \(not calibrated\)/);
      assert.equal(report.rows, 2); // 08:00 car (3), 08:15 truck (1); empty rows left out
      assert.match(report.speedTitle!, /car \(px\/s\)/);
      assert.match(report.csv, /\/api\/study\?.*format=csv/);
      const csv = await page.evaluate(async (u) => await (await fetch(u)).text(), report.csv);
      assert.match(csv, /^camera,bin_start,bin_end,class,count,/);
      assert.equal(csv.trim().split("\r\n").length, 5); // header + 2 bins x 2 classes
      // Print layout: the app bar and the controls go, the charts stay.
      await page.emulateMedia({ media: "print" });
      assert.equal(await page.isVisible("header.bar"), false);
      assert.equal(await page.isVisible("#report-filter"), false);
      assert.equal(await page.isVisible("#report-print"), false);
      assert.equal(await page.isVisible("#report-counts svg"), true);
      await page.emulateMedia({ media: "screen" });

      // Review panel: dispute the rolling stop, then keep it.
      await page.goto(`${app.origin}/#/passes/${encodeURIComponent(ids[2])}`);
      await page.waitForSelector("#review-state[data-state=unreviewed]");
      await page.selectOption("#review-verdict", "no_stop");
      await page.fill("#review-note", "never below walking pace");
      await page.click("#review-wrong");
      await page.waitForSelector("#review-state[data-state=corrected]");
      assert.match(
        (await page.textContent("#review-trail li"))!,
        /wrong, was no stop \(judged rolling stop\) — never below walking pace/,
      );
      await page.check("#review-keep");
      await page.waitForFunction(() =>
        document.getElementById("review-message")?.textContent === "kept forever"
      );
      const stored = await pool.query(
        `select r.correct, r.actual_verdict, r.reviewer, p.keep, p.verdict
         from pass_reviews r join vehicle_passes p on p.id = r.pass_id`,
      );
      assert.deepEqual(stored.rows, [{
        correct: false,
        actual_verdict: "no_stop",
        reviewer: "dev (auth off)",
        keep: true,
        verdict: "rolling_stop", // never overwritten
      }]);
      // Confirm another pass from its page.
      await page.goto(`${app.origin}/#/passes/${encodeURIComponent(ids[0])}`);
      await page.waitForSelector("#review-state[data-state=unreviewed]");
      await page.click("#review-correct");
      await page.waitForSelector("#review-state[data-state=confirmed]");

      // The list's review filter.
      await page.goto(`${app.origin}/#/passes?review=disputed`);
      await page.waitForFunction(() => document.querySelectorAll(".pass-row").length === 1);
      assert.equal(await page.getAttribute(".pass-row", "data-pass-id"), ids[2]);
      assert.equal(await page.inputValue("#f-review"), "disputed");
      assert.match(
        (await page.getAttribute("#passes-csv", "href"))!,
        /passes\.csv\?review=disputed/,
      );

      // Records.
      await page.goto(`${app.origin}/#/records`);
      await page.waitForSelector("#records-longest .record-row");
      const records = await page.evaluate(() => ({
        longest: [...document.querySelectorAll("#records-longest .record-row")].map((r) =>
          r.getAttribute("data-pass-id")
        ),
        fastest: document.querySelectorAll("#records-fastest .record-row").length,
        recent: document.querySelectorAll("#records-recent .record-row").length,
      }));
      assert.deepEqual(records.longest, [ids[0], ids[1]]);
      assert.equal(records.fastest, 1);
      assert.equal(records.recent, 2);

      // Stats (a window back from now): a recent no-stop, reviewed as really a rolling stop.
      const [recent] = await insertPasses(pool, [{
        camera: "cam_01",
        track_id: 99,
        verdict: "no_stop",
        exited_at: new Date(Date.now() - 3600_000).toISOString(),
        stop_duration_s: 0,
      }]);
      await pool.query(
        `insert into pass_reviews (pass_id, camera, judged_verdict, correct, actual_verdict,
           reviewer) values ($1, 'cam_01', 'no_stop', false, 'rolling_stop', 'op')`,
        [recent],
      );
      await page.goto(`${app.origin}/#/stats`);
      await page.waitForSelector("#review-quality");
      const quality = await page.evaluate(() => ({
        title: document.querySelector("#review-quality h2")!.textContent,
        noStop: document.querySelector("#review-precision tr[data-verdict=no_stop] .precision")!
          .textContent,
        cell: document.querySelector("#review-confusion tr[data-judged=no_stop]")!.textContent,
      }));
      assert.match(quality.title!, /from 1 reviewed passes · agreement 0\.0%/);
      assert.equal(quality.noStop, "0.0%");
      assert.equal(quality.cell, "no stop010"); // judged no stop: 0 full, 1 rolling, 0 no
    } finally {
      await browser.close();
      await app.shutdown();
      await pool.end();
      await db.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
