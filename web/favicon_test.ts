/**
 * Browser test: a page load fetches its icon without an error (no /favicon.ico 404 in the
 * console), and nothing else the page loads fails either.
 */
import assert from "node:assert/strict";
import { serveApp } from "./testing/app_server.ts";
import { launchChromium } from "./testing/browser.ts";
import { fakeApi } from "./testing/fake_api.ts";

Deno.test({
  name: "browser: the page's icon loads and the page load has no failed request or console error",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const api = fakeApi({ cameras: { cam_01: { source: "a.mp4" } } }, { passes: 3 });
    const app = await serveApp({ apps: [api.app] });
    const browser = await launchChromium();
    try {
      const { page } = browser;
      const failed: string[] = [];
      const errors: string[] = [];
      let icon: { status: number; type: string | null } | null = null;
      page.on("response", (r) => {
        const path = new URL(r.url()).pathname;
        if (r.status() >= 400) failed.push(`${r.status()} ${path}`);
        if (path === "/static/favicon.svg" || path === "/favicon.ico") {
          icon = { status: r.status(), type: r.headers()["content-type"] ?? null };
        }
      });
      page.on("console", (m) => {
        if (m.type() === "error") errors.push(m.text());
      });
      // The icon is fetched after the document: wait for its response (set up before loading).
      const iconLoaded = page.waitForResponse(
        (r) => /\/(static\/favicon\.svg|favicon\.ico)$/.test(r.url()),
        { timeout: 10_000 },
      );
      await page.goto(`${app.origin}/#/passes`);
      await page.waitForSelector(".pass-row");
      await iconLoaded;
      assert.deepEqual(icon, { status: 200, type: "image/svg+xml" });
      assert.deepEqual(failed, []);
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
      await app.shutdown();
    }
  },
});
