/**
 * What a viewer sees, on loopback with headless Chromium against `startDevStack`:
 * - capture -> tick received by the page: p50/p95/p99 (tick.ts is the frame's capture time);
 * - the MSE player's lag behind the live edge over time: p50/p95 and drift (slope).
 * Run: deno run -A bench/browser_bench.ts [--minutes 10]
 */
/// <reference lib="dom" />
import { parseArgs } from "node:util";
import { startDevStack } from "../dev/stack.ts";
import { launchChromium } from "../web/testing/browser.ts";
import { resolveFilePath } from "../analyzer/sources.ts";
import { machine, percentile, stageQuantiles, table } from "./_util.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { minutes: { type: "string", default: "10" } },
});
const minutes = Number(values.minutes);
const dataDir = await Deno.makeTempDir({ prefix: "stopline-bench-" });
await Deno.chmod(dataDir, 0o755);
const stack = await startDevStack({
  dataDir,
  port: 0,
  configPath: resolveFilePath("config/stopline.yaml"),
  log: () => {},
});
const browser = await launchChromium();
try {
  const page = browser.page;
  await page.addInitScript(() => {
    // Measure inside the page: every tick's age when the browser queued the message event
    // (`timeStamp`, network arrival) and when the page's handler ran (after main-thread work).
    const ages: number[] = [];
    const arrived: number[] = [];
    // Per tick: arrival age minus the analyzer's own capture -> publish lag (stats.lag_ms) =
    // NOTIFY + relay + WebSocket + browser network stack.
    const delivery: number[] = [];
    (globalThis as unknown as { __ages: number[] }).__ages = ages;
    (globalThis as unknown as { __arrived: number[] }).__arrived = arrived;
    (globalThis as unknown as { __delivery: number[] }).__delivery = delivery;
    const Native = WebSocket;
    (globalThis as unknown as { WebSocket: unknown }).WebSocket = class extends Native {
      constructor(url: string | URL, p?: string | string[]) {
        super(url, p);
        if (String(url).includes("/ws?")) {
          this.addEventListener("message", (e) => {
            if (typeof e.data === "string" && e.data.includes('"type":"tick"')) {
              const tick = JSON.parse(e.data);
              const age = performance.timeOrigin + e.timeStamp - tick.ts;
              ages.push(Date.now() - tick.ts);
              arrived.push(age);
              delivery.push(age - tick.stats.lag_ms);
            }
          });
        }
      }
    };
  });
  await page.goto(`${stack.url}/?camera=cam_01`);
  await page.waitForFunction(
    () => (globalThis as unknown as { stopline: { ticks: number } }).stopline?.ticks > 10,
    null,
    {
      timeout: 60_000,
    },
  );
  const lags: { t: number; lag: number }[] = [];
  const t0 = Date.now();
  while (Date.now() - t0 < minutes * 60_000) {
    await new Promise((r) => setTimeout(r, 1000));
    const lag = await page.evaluate(() =>
      (globalThis as unknown as { stopline: { videoLagS: number } }).stopline.videoLagS
    );
    if (Number.isFinite(lag)) lags.push({ t: (Date.now() - t0) / 1000, lag });
  }
  const ages = await page.evaluate(() =>
    (globalThis as unknown as { __ages: number[] }).__ages.slice(50)
  );
  const arrived = await page.evaluate(() =>
    (globalThis as unknown as { __arrived: number[] }).__arrived.slice(50)
  );
  const delivery = await page.evaluate(() =>
    (globalThis as unknown as { __delivery: number[] }).__delivery.slice(50)
  );
  const metrics = await (await fetch(`${stack.analyzerUrl}/metrics`)).text();
  // Least-squares slope of lag over time: positive = drifting behind.
  const n = lags.length;
  const mt = lags.reduce((a, x) => a + x.t, 0) / n;
  const ml = lags.reduce((a, x) => a + x.lag, 0) / n;
  const slope = lags.reduce((a, x) => a + (x.t - mt) * (x.lag - ml), 0) /
    Math.max(1e-9, lags.reduce((a, x) => a + (x.t - mt) ** 2, 0));
  table(`Viewer latency on loopback, ${minutes} min (${machine()})`, [
    "what",
    "samples",
    "p50",
    "p95",
    "p99",
    "notes",
  ], [
    [
      "capture -> tick arrives in the browser",
      arrived.length,
      `${percentile(arrived, 50).toFixed(0)} ms`,
      `${percentile(arrived, 95).toFixed(0)} ms`,
      `${percentile(arrived, 99).toFixed(0)} ms`,
      "cam_01, 10 fps; message event timeStamp",
    ],
    [
      "capture -> tick handled by the page",
      ages.length,
      `${percentile(ages, 50)} ms`,
      `${percentile(ages, 95)} ms`,
      `${percentile(ages, 99)} ms`,
      "after the page's main-thread work",
    ],
    [
      "MSE video behind the live edge",
      n,
      `${percentile(lags.map((x) => x.lag), 50).toFixed(2)} s`,
      `${percentile(lags.map((x) => x.lag), 95).toFixed(2)} s`,
      `${percentile(lags.map((x) => x.lag), 99).toFixed(2)} s`,
      `drift ${(slope * 60).toFixed(3)} s/min`,
    ],
  ]);
  const ms = (x: number) => `${x.toFixed(0)} ms`;
  table(`Where the time goes, cam_01 (analyzer: its last 600 frames; delivery: every tick)`, [
    "stage",
    "p50",
    "p95",
    "p99",
  ], [
    ...stageQuantiles(metrics, "cam_01").map((s) => [s.stage, ms(s.p50), ms(s.p95), ms(s.p99)]),
    [
      "published -> arrives in the browser (NOTIFY, relay, WebSocket)",
      ...[50, 95, 99].map((p) => ms(percentile(delivery, p))),
    ],
  ]);
} finally {
  await browser.close();
  await stack.close();
  await Deno.remove(dataDir, { recursive: true });
}
