/// <reference lib="dom" />
/**
 * Browser test, `REALTIME=supabase`: the real web bundle in Chromium with an app config naming a
 * Supabase project, whose part is played by our relay's Phoenix endpoint
 * (`/realtime/v1/websocket`, the protocol `@supabase/realtime-js` speaks) fed by the test. The
 * page draws the ticks, flashes a pass and follows analyzer liveness, both with the relay's
 * `status` events and without them (as from real Supabase, where the page derives it).
 */
import assert from "node:assert/strict";
import { Hono } from "hono";
import type { Page } from "playwright-core";
import { signJwt } from "../functions/_shared/jwt.ts";
import type {} from "./src/debug.ts";
import { serveApp } from "./testing/app_server.ts";
import { launchChromium } from "./testing/browser.ts";
import {
  makePassEvent,
  type RealtimePeerOptions,
  startRealtimePeer,
} from "./testing/realtime_peer.ts";

const SECRET = "a-test-secret-that-is-long-enough-0123456789";

async function _world(peerOpts: RealtimePeerOptions, auth = false) {
  const peer = startRealtimePeer(peerOpts);
  // The relay's /ws must stay unused in this mode.
  let wsRequests = 0;
  const spy = new Hono();
  spy.get("/ws", (c) => {
    wsRequests++;
    return c.json({ error: "not here" }, 404);
  });
  const app = await serveApp({
    appConfig: { auth, realtime: { kind: "supabase", url: peer.origin, anon_key: "anon" } },
    apps: [spy],
  });
  // The analyzer: 10 Hz ticks with two tracks while `running`.
  let running = true;
  const timer = setInterval(() => running && peer.tick("cam_01", 2), 100);
  return {
    peer,
    app,
    get wsRequests() {
      return wsRequests;
    },
    analyzer(on: boolean) {
      running = on;
    },
    async close() {
      clearInterval(timer);
      await app.shutdown();
      await peer.close();
    },
  };
}

const _text = (page: Page, id: string, text: string, timeout = 10_000) =>
  page.waitForFunction(
    ([i, t]) => document.getElementById(i)?.textContent === t,
    [id, text] as const,
    { timeout },
  );

/** ms from the last tick's capture to the HUD saying "analyzer offline" (watched in the page). */
async function _offlineDelay(page: Page, stop: () => void): Promise<number> {
  await page.evaluate(() => {
    const el = document.getElementById("analyzer-state")!;
    const g = globalThis as unknown as { offlineAt: number | null };
    g.offlineAt = null;
    new MutationObserver(() => {
      if (el.textContent === "analyzer offline") g.offlineAt ??= Date.now();
    }).observe(el, { childList: true, characterData: true, subtree: true });
  });
  stop();
  await _text(page, "analyzer-state", "analyzer offline", 6_000);
  return await page.evaluate(() =>
    (globalThis as unknown as { offlineAt: number }).offlineAt - globalThis.stopline.lastTick!.ts
  );
}

async function _liveCycle(
  page: Page,
  w: Awaited<ReturnType<typeof _world>>,
  offlineWithin: [number, number],
): Promise<void> {
  await page.goto(`${w.app.origin}/?camera=cam_01`);
  await _text(page, "ws-state", "open");
  await _text(page, "analyzer-state", "analyzer online");
  await page.waitForFunction(() => globalThis.stopline.drawnBoxes === 2, undefined, {
    timeout: 5_000,
  });
  const t1 = await page.evaluate(() => globalThis.stopline.ticks);
  await page.waitForFunction((n) => globalThis.stopline.ticks > n + 3, t1, { timeout: 5_000 });
  assert.match((await page.textContent("#hud-fps"))!, /^15\.0 fps$/);

  // A judged pass flashes.
  w.peer.pass(makePassEvent("cam_01", { verdict: "rolling_stop", stop_duration_s: 0.4 }));
  await page.waitForSelector("#verdict-flash:not([hidden])", { timeout: 5_000 });
  assert.equal(await page.getAttribute("#verdict-flash", "data-verdict"), "rolling_stop");
  assert.match((await page.textContent("#verdict-flash"))!, /^#3 car · .* · stopped 0\.4 s$/);
  assert.equal(await page.evaluate(() => globalThis.stopline.passes), 1);

  // The analyzer stops: offline, boxes gone; it resumes: online, boxes back, no reload.
  const delay = await _offlineDelay(page, () => w.analyzer(false));
  console.log(`analyzer offline shown ${delay} ms after the last tick`);
  assert.ok(delay >= offlineWithin[0] && delay < offlineWithin[1], `offline after ${delay} ms`);
  await page.waitForFunction(() => globalThis.stopline.drawnBoxes === 0, undefined, {
    timeout: 3_000,
  });
  assert.equal(await page.textContent("#ws-state"), "open", "the channel stayed subscribed");
  w.analyzer(true);
  await _text(page, "analyzer-state", "analyzer online", 5_000);
  await page.waitForFunction(() => globalThis.stopline.drawnBoxes === 2, undefined, {
    timeout: 5_000,
  });
  assert.equal(w.wsRequests, 0, "the relay's /ws was never asked");
}

const opts = { sanitizeOps: false, sanitizeResources: false };

const _CASES: { name: string; peer: RealtimePeerOptions; offlineWithin: [number, number] }[] = [
  {
    // No status event ever comes: the page's own 2 s silence rule, ahead of the HUD's 3 s.
    name: "without status events (as real Supabase): ticks, pass flash, derived liveness",
    peer: { statusEvents: false },
    offlineWithin: [2_000, 2_900],
  },
  {
    // The relay reports the analyzer offline after 800 ms of silence: before the page would.
    name: "from our relay: ticks, pass flash, the relay's status events honoured",
    peer: { hub: { offlineAfterMs: 800 } },
    offlineWithin: [800, 1_900],
  },
];

for (const c of _CASES) {
  Deno.test({
    name: `browser: supabase realtime ${c.name}`,
    ...opts,
    async fn() {
      const w = await _world(c.peer);
      const browser = await launchChromium();
      try {
        await _liveCycle(browser.page, w, c.offlineWithin);
      } finally {
        await browser.close();
        await w.close();
      }
    },
  });
}

Deno.test({
  name: "browser: supabase realtime with auth on sends the user's token as the access token",
  ...opts,
  async fn() {
    // "anon" is the project's public key (SUPABASE_ANON_KEY): it opens the socket, the user's
    // token authorizes the join.
    const w = await _world({ auth: { secret: SECRET }, phoenix: { anonKeys: ["anon"] } }, true);
    const token = await signJwt(
      { sub: "wall", role: "viewer", exp: Math.floor(Date.now() / 1000) + 3600 },
      SECRET,
    );
    const browser = await launchChromium();
    try {
      const { page } = browser;
      await page.goto(`${w.app.origin}/?camera=cam_01`);
      // Without a token the join is refused: no ticks.
      await page.waitForSelector("#login-form", { timeout: 10_000 });
      await new Promise((r) => setTimeout(r, 1_000));
      assert.equal(await page.evaluate(() => globalThis.stopline.ticks), 0);
      assert.notEqual(await page.textContent("#ws-state"), "open");
      // Signing in re-renders the live view with the token.
      await page.fill("#login-form input", token);
      await page.press("#login-form input", "Enter");
      await _text(page, "ws-state", "open");
      await page.waitForFunction(() => globalThis.stopline.drawnBoxes === 2, undefined, {
        timeout: 5_000,
      });
    } finally {
      await browser.close();
      await w.close();
    }
  },
});
