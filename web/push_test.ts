/// <reference lib="dom" />
/**
 * Browser test of Web Push in the page and the service worker (Debian chromium): the button
 * appears when the server has a VAPID key, subscribes with that key and POSTs the subscription,
 * unsubscribes with DELETE; sw.js turns a push payload into a notification with the crop
 * (same-origin, with the page's token) and the pass's page. The browser's own push service is
 * out of reach offline: PushManager.subscribe is replaced by a stand-in that records the key.
 */
import assert from "node:assert/strict";
import { Hono } from "hono";
import { serveApp } from "./testing/app_server.ts";
import { launchChromium } from "./testing/browser.ts";
import { fakeApi } from "./testing/fake_api.ts";

const VAPID_PUBLIC =
  "BOr0_qK3TvlKxmt1HOJV3RixDyWc5XH6sGJqHXcY4Zi8jZ-k6JI2Vwz3eJ6gBv1D4u2Xk3FQz9W6a4u1oYpFZ0E";

function _pushApi(keyOn: boolean) {
  const got: { method: string; body: Record<string, unknown> }[] = [];
  const keyAsked = { n: 0 };
  const app = new Hono();
  app.get("/api/push/key", (c) => {
    keyAsked.n++;
    return keyOn ? c.json({ public_key: VAPID_PUBLIC }) : c.json({ error: "off" }, 404);
  });
  app.on(["POST", "DELETE"], "/api/push/subscriptions", async (c) => {
    got.push({ method: c.req.method, body: await c.req.json() });
    return c.req.method === "POST" ? c.json({ id: 1, cameras: null }, 201) : c.body(null, 204);
  });
  return { app, got, keyAsked };
}

/** PushManager without a push service: records the key it was given, returns a fixed subscription. */
const FAKE_PUSH_MANAGER = () => {
  let current: unknown = null;
  const w = globalThis as unknown as { __pushKey?: number[] };
  PushManager.prototype.getSubscription = function () {
    return Promise.resolve(current as PushSubscription | null);
  };
  PushManager.prototype.subscribe = function (opts?: PushSubscriptionOptionsInit) {
    w.__pushKey = [...new Uint8Array(opts!.applicationServerKey as ArrayBuffer)];
    const sub = {
      endpoint: "https://push.example.com/send/abc",
      toJSON: () => ({
        endpoint: "https://push.example.com/send/abc",
        expirationTime: null,
        keys: { p256dh: "BPk", auth: "au" },
      }),
      unsubscribe: () => {
        current = null;
        return Promise.resolve(true);
      },
    };
    current = sub;
    return Promise.resolve(sub as unknown as PushSubscription);
  };
};

Deno.test({
  name: "browser: push button subscribes and unsubscribes; the service worker shows the pass",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const api = fakeApi({ cameras: { cam_01: { source: "a.mp4" } } }, { passes: 3 });
    const push = _pushApi(true);
    const app = await serveApp({ apps: [api.app, push.app], appConfig: { push: true } });
    const browser = await launchChromium();
    try {
      const { page, context } = browser;
      await context.grantPermissions(["notifications"], { origin: app.origin });
      await page.addInitScript(FAKE_PUSH_MANAGER);
      await page.addInitScript(() => localStorage.setItem("stopline.token", "tok-123"));
      await page.goto(`${app.origin}/#/passes`);
      await page.waitForSelector("#push-toggle:not([hidden])");
      assert.equal(await page.textContent("#push-toggle"), "Notify me");

      await page.click("#push-toggle");
      await page.waitForFunction(() =>
        document.querySelector("#push-status")?.textContent === "notifications on"
      );
      assert.equal(await page.textContent("#push-toggle"), "Stop notifications");
      assert.equal(push.got[0].method, "POST");
      assert.equal(push.got[0].body.endpoint, "https://push.example.com/send/abc");
      // The VAPID key reached PushManager as its 65 bytes (an uncompressed P-256 point).
      const key = await page.evaluate(() =>
        (globalThis as unknown as { __pushKey: number[] }).__pushKey
      );
      assert.equal(key.length, 65);
      assert.equal(key[0], 4);

      // The service worker: a push becomes a notification with the crop and the pass's page.
      const sw = context.serviceWorkers()[0] ?? await context.waitForEvent("serviceworker");
      assert.match(sw.url(), /\/static\/sw\.js$/);
      const shown = await sw.evaluate(async () => {
        // The worker's own globals (the dom lib has no ServiceWorkerGlobalScope or PushEvent).
        const g = self as unknown as {
          registration: ServiceWorkerRegistration;
          dispatchEvent: (e: Event) => boolean;
          PushEvent: new (type: string, init: { data: string }) => Event;
        };
        const payload = {
          title: "cam_01: no stop",
          body: "car, stopped 0.0 s",
          tag: "pass-cam_01:1:7",
          url: "/#/passes/cam_01%3A1%3A7",
          image_url: "/api/passes/cam_01%3A1%3A7/image",
        };
        const ev = new g.PushEvent("push", { data: JSON.stringify(payload) });
        const waits: Promise<unknown>[] = [];
        (ev as unknown as { waitUntil: (p: Promise<unknown>) => void }).waitUntil = (p) =>
          waits.push(p);
        g.dispatchEvent(ev);
        await Promise.all(waits);
        const [n] = await g.registration.getNotifications({ tag: payload.tag });
        return n
          ? {
            title: n.title,
            body: n.body,
            image: (n as unknown as { image: string }).image,
            data: n.data,
          }
          : null;
      });
      assert.ok(shown, "no notification shown");
      assert.equal(shown.title, "cam_01: no stop");
      assert.equal(shown.body, "car, stopped 0.0 s");
      assert.equal(shown.image, `${app.origin}/api/passes/cam_01%3A1%3A7/image?token=tok-123`);
      assert.deepEqual(shown.data, { url: "/#/passes/cam_01%3A1%3A7" });

      await page.click("#push-toggle");
      await page.waitForFunction(() =>
        document.querySelector("#push-status")?.textContent === "notifications off"
      );
      assert.equal(push.got[1].method, "DELETE");
      assert.deepEqual(push.got[1].body, { endpoint: "https://push.example.com/send/abc" });
      assert.equal(await page.textContent("#push-toggle"), "Notify me");
    } finally {
      await browser.close();
      await app.shutdown();
    }
  },
});

Deno.test({
  name: "browser: no push button when the server has Web Push off",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const api = fakeApi({ cameras: { cam_01: { source: "a.mp4" } } }, { passes: 3 });
    const push = _pushApi(false);
    const app = await serveApp({ apps: [api.app, push.app] });
    const browser = await launchChromium();
    try {
      const { page } = browser;
      await page.goto(`${app.origin}/#/passes`);
      await page.waitForSelector(".pass-row");
      await page.waitForTimeout(300);
      assert.equal(await page.isHidden("#push-toggle"), true);
      assert.equal(push.got.length, 0);
      // The app config says push is off: the key is not even asked for (no failed request).
      assert.equal(push.keyAsked.n, 0);
    } finally {
      await browser.close();
      await app.shutdown();
    }
  },
});
