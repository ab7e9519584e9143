/// <reference lib="dom" />
/**
 * Screenshots for the docs from the real dev stack (embedded Postgres, media relay, analyzer on
 * cam_02's synthetic intersection, real passes with crops):
 *   deno run -A web/testing/screenshots.ts
 * writes docs/screenshot-live.png, docs/screenshot-zone-editor.png, docs/screenshot-passes.png
 * (and the pass detail and stats pages to /tmp for a look).
 *
 * While functions/main.ts does not mount the passes, stats and config APIs yet, the page's
 * requests for them are answered by those functions built here on the stack's database.
 */
import { Buffer } from "node:buffer";
import type { Hono } from "hono";
import { startDevStack } from "../../dev/stack.ts";
import { createPool } from "../../functions/_shared/db.ts";
import { createConfigApp } from "../../functions/config/index.ts";
import { createPassesApp } from "../../functions/passes/index.ts";
import { createStatsApp } from "../../functions/stats/index.ts";
import { objectStoreFromEnv } from "../../shared/object_store/mod.ts";
import { launchChromium } from "./browser.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const dataDir = await Deno.makeTempDir({ prefix: "stopline-shots-" });
await Deno.chmod(dataDir, 0o755);
const configPath = `${dataDir}/stopline.yaml`;
await Deno.copyFile(`${ROOT}config/stopline.yaml`, configPath);
// The copied config names sources relative to the repo root.
const cfgText = (await Deno.readTextFile(configPath)).replaceAll(
  "source: samples/",
  `source: ${ROOT}samples/`,
);
await Deno.writeTextFile(configPath, cfgText);

const stack = await startDevStack({ dataDir, port: 0, configPath, log: () => {} });
const browser = await launchChromium({ viewport: { width: 1280, height: 760 } });
const { page } = browser;
const say = (m: string) => console.log(`screenshots: ${m}`);

try {
  const probe = await fetch(`${stack.url}/api/passes`);
  await probe.body?.cancel();
  if (probe.status === 404) {
    say("API not mounted in functions/main.ts yet: answering /api/{passes,stats,config} here");
    const pool = createPool(stack.databaseUrl);
    const auth = { secret: null };
    const apps: [RegExp, Hono][] = [
      [
        /\/api\/passes/,
        createPassesApp({
          pool,
          auth,
          store: objectStoreFromEnv(() => undefined, `${dataDir}/objects`),
        }),
      ],
      [/\/api\/stats/, createStatsApp({ pool, auth })],
      [/\/api\/config/, createConfigApp({ pool, auth, path: configPath })],
    ];
    await page.route(/\/api\/(passes|stats|config)/, async (route) => {
      const req = route.request();
      const url = new URL(req.url());
      const app = apps.find(([re]) => re.test(url.pathname))![1];
      const res = await app.request(url.pathname + url.search, {
        method: req.method(),
        headers: req.headers(),
        body: req.postData() ?? undefined,
      });
      await route.fulfill({
        status: res.status,
        headers: Object.fromEntries(res.headers),
        body: Buffer.from(await res.arrayBuffer()),
      });
    });
  }

  await page.goto(`${stack.url}/#/live?camera=cam_02`);
  // A van stopped in the zone with its stop timer running makes the live view worth a look.
  await page.waitForFunction(
    () => {
      const s = (globalThis as unknown as {
        stopline: {
          drawnBoxes: number;
          lastTick: { tracks: { phase?: string; stop_s?: number }[] };
        };
      }).stopline;
      return s?.drawnBoxes > 0 &&
        s.lastTick?.tracks.some((t) => t.phase === "stopped" && (t.stop_s ?? 0) > 1.2);
    },
    undefined,
    { timeout: 120_000, polling: 100 },
  );
  await page.screenshot({ path: `${ROOT}docs/screenshot-live.png` });
  say("live view");

  await page.click("#edit-zones");
  await page.waitForSelector('[data-handle="stop_zone.2"]');
  const h = (await page.locator('[data-handle="stop_zone.2"]').boundingBox())!;
  await page.mouse.move(h.x + h.width / 2, h.y + h.height / 2);
  await page.mouse.down();
  await page.mouse.move(h.x + 40, h.y + 30, { steps: 8 });
  await page.mouse.up();
  await new Promise((r) => setTimeout(r, 300));
  await page.screenshot({ path: `${ROOT}docs/screenshot-zone-editor.png` });
  say("zone editor");
  await page.click("#zone-revert");
  await page.click("#zone-close");

  // Enough passes for a list: cam_02 produces one about every 12 s.
  const until = Date.now() + 120_000;
  while (Date.now() < until) {
    const n = await page.evaluate(async () =>
      (await (await fetch("/api/passes?limit=10")).json()).passes?.length ?? 0
    );
    if (n >= 4) break;
    await new Promise((r) => setTimeout(r, 2000));
  }
  await page.goto(`${stack.url}/#/passes`);
  await page.waitForSelector(".pass-row");
  await page.waitForFunction(() =>
    [...document.querySelectorAll<HTMLImageElement>("td.crop img")].every((i) => i.complete)
  );
  await page.screenshot({ path: `${ROOT}docs/screenshot-passes.png` });
  say("passes");
  await page.click(".pass-row >> nth=0");
  await page.waitForSelector("#speed-plot svg");
  await new Promise((r) => setTimeout(r, 500));
  await page.screenshot({ path: "/tmp/stopline-pass-detail.png" });
  await page.goto(`${stack.url}/#/stats`);
  await page.waitForSelector("#chart-hours svg");
  await page.screenshot({ path: "/tmp/stopline-stats.png" });
  say("detail and stats in /tmp");
} finally {
  await browser.close();
  await stack.close();
  await Deno.remove(dataDir, { recursive: true }).catch(() => {});
}
