/// <reference lib="dom" />
/**
 * The "Notify me" button (passes page): registers the service worker (web/static/sw.js),
 * subscribes through PushManager with the server's VAPID key (`GET /api/push/key`) and hands
 * the subscription to `POST /api/push/subscriptions`; pressed again, it unsubscribes (DELETE).
 * Hidden where the browser has no Web Push or the server has it off (the key route is 404).
 * The token goes to the service worker through Cache Storage, so the crop in a notification can
 * be fetched with `?token=` like the page's own images.
 */
import { h } from "./dom.ts";
import { apiFetch, getToken } from "./session.ts";

export const SW_URL = "/static/sw.js";
/** Where sw.js looks for the token (same-origin Cache Storage, like localStorage's reach). */
export const PUSH_TOKEN_CACHE = "stopline-push";
export const PUSH_TOKEN_KEY = "/__stopline/push-token";

export function pushSupported(): boolean {
  return "serviceWorker" in navigator && "PushManager" in globalThis &&
    "Notification" in globalThis;
}

function _keyBytes(b64url: string): Uint8Array<ArrayBuffer> {
  const b64 = b64url.replace(/-/g, "+").replace(/_/g, "/");
  const bin = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

async function _storeToken(): Promise<void> {
  const cache = await caches.open(PUSH_TOKEN_CACHE);
  const token = getToken();
  if (token) await cache.put(PUSH_TOKEN_KEY, new Response(token));
  else await cache.delete(PUSH_TOKEN_KEY);
}

async function _json(path: string, method: string, body: unknown): Promise<Response> {
  const res = await apiFetch(path, {
    method,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!res.ok && res.status !== 404) {
    const err = await res.json().catch(() => ({}));
    throw new Error(err.error ?? `HTTP ${res.status}`);
  }
  return res;
}

/**
 * The button and its status line; shows itself once Web Push is known to work here. `enabled`:
 * the server has push keys (app config), so the key is asked for only then.
 */
export function pushButton(enabled: boolean): HTMLElement {
  const button = h("button", { id: "push-toggle", type: "button", hidden: true }, "Notify me");
  const status = h("span", { id: "push-status", class: "muted", role: "status" });
  if (!enabled) return h("span", { class: "push" }, button, " ", status);
  void _init(button, status).catch((e) => {
    status.textContent = `notifications unavailable: ${(e as Error).message}`;
  });
  return h("span", { class: "push" }, button, " ", status);
}

async function _init(button: HTMLButtonElement, status: HTMLElement): Promise<void> {
  if (!pushSupported()) return;
  const keyRes = await apiFetch("/api/push/key");
  if (!keyRes.ok) return; // Web Push is off on this server
  const { public_key } = await keyRes.json() as { public_key: string };
  const reg = await navigator.serviceWorker.register(SW_URL);
  let sub = await reg.pushManager.getSubscription();
  if (sub) await _storeToken(); // a new login since: the crops keep loading
  const show = () => {
    button.textContent = sub ? "Stop notifications" : "Notify me";
    button.hidden = false;
  };
  show();
  button.onclick = async () => {
    button.disabled = true;
    try {
      if (sub) {
        await _json("/api/push/subscriptions", "DELETE", { endpoint: sub.endpoint });
        await sub.unsubscribe();
        sub = null;
        status.textContent = "notifications off";
        return;
      }
      if ((await Notification.requestPermission()) !== "granted") {
        status.textContent = "notifications are blocked in this browser";
        return;
      }
      const fresh = await reg.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: _keyBytes(public_key),
      });
      try {
        await _json("/api/push/subscriptions", "POST", fresh.toJSON());
      } catch (e) {
        await fresh.unsubscribe();
        throw e;
      }
      sub = fresh;
      await _storeToken();
      status.textContent = "notifications on";
    } catch (e) {
      status.textContent = `notifications: ${(e as Error).message}`;
    } finally {
      button.disabled = false;
      show();
    }
  };
}
