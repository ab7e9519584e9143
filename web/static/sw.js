// stopline's service worker: shows a Web Push notification per matching pass (the analyzer's
// notifier sends them; payload: analyzer/notify/push_sender.ts PushPayload) and opens the pass
// on a click. Plain JS served as /static/sw.js; it controls no page (push needs no scope).
"use strict";

const TOKEN_CACHE = "stopline-push";
const TOKEN_KEY = "/__stopline/push-token";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

/** The page's token, left by web/src/push_subscribe.ts (null when auth is off). */
async function token() {
  try {
    const res = await (await caches.open(TOKEN_CACHE)).match(TOKEN_KEY);
    return res ? (await res.text()) : null;
  } catch {
    return null;
  }
}

/** A same-origin API path only (the token never goes anywhere else), with `?token=`. */
async function imageUrl(path) {
  if (typeof path !== "string" || !path.startsWith("/api/passes/")) return undefined;
  const u = new URL(path, self.location.origin);
  const t = await token();
  if (t) u.searchParams.set("token", t);
  return u.href;
}

self.addEventListener("push", (event) => {
  event.waitUntil((async () => {
    let data;
    try {
      data = event.data ? event.data.json() : {};
    } catch {
      data = { title: "stopline", body: event.data ? event.data.text() : "" };
    }
    await self.registration.showNotification(data.title || "stopline", {
      body: data.body || "",
      tag: data.tag,
      image: await imageUrl(data.image_url),
      icon: "/favicon.ico",
      data: { url: typeof data.url === "string" && data.url.startsWith("/") ? data.url : "/" },
    });
  })());
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = new URL(event.notification.data?.url || "/", self.location.origin).href;
  event.waitUntil(self.clients.openWindow(url));
});
