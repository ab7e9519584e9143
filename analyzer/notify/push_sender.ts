/**
 * Web Push of judged passes to the browsers subscribed through `POST /api/push/subscriptions`
 * (table push_subscriptions). The `web-push` package encrypts the payload (RFC 8291, aes128gcm)
 * and signs the VAPID header (RFC 8292); the request itself goes out with fetch so redirects are
 * not followed and the endpoint's address is checked first (push endpoints come from browsers,
 * so a viewer could name any URL: only https on the internet is sent to, see
 * shared/notify_address.ts). A subscription the push service calls gone (404/410) is deleted.
 * Pushes are best effort: no retry queue (a late "car ran the stop sign" is noise).
 */
// @ts-types="npm:@types/web-push@3.6.4"
import webpush from "web-push";
import {
  type AllowNets,
  resolvedProblem,
  type Resolver,
  systemResolver,
} from "../../shared/notify_address.ts";
import type { PassRecord } from "../persist/records.ts";

export interface VapidKeys {
  /** base64url P-256 public key (what the browser's PushManager.subscribe gets). */
  publicKey: string;
  privateKey: string;
  /** `mailto:` or `https:` contact for the push services. */
  subject: string;
}

export interface PushSubscriptionRow {
  endpoint: string;
  p256dh: string;
  auth: string;
  /** Cameras this subscriber may see (the token's claim when it subscribed); null: all. */
  cameras: string[] | null;
}

/** Where the subscriptions live (Postgres in the analyzer: push_store.ts). */
export interface PushStore {
  list(): Promise<PushSubscriptionRow[]>;
  remove(endpoint: string): Promise<void>;
}

/** What the service worker (web/static/sw.js) gets: small, under the 4 KiB push limit. */
export interface PushPayload {
  title: string;
  body: string;
  /** One notification per pass. */
  tag: string;
  /** The page to open on a click (the pass's detail page). */
  url: string;
  /** `/api/passes/<id>/image`: the service worker fetches it with the page's token. */
  image_url: string | null;
  pass: { id: string; camera: string; verdict: string; exited_at: number; stop_duration_s: number };
}

const _VERDICT_TEXT: Record<string, string> = {
  full_stop: "full stop",
  rolling_stop: "rolling stop",
  no_stop: "no stop",
};

export function pushPayload(p: PassRecord, imageUrl: string | null): PushPayload {
  return {
    title: `${p.camera}: ${_VERDICT_TEXT[p.verdict] ?? p.verdict}`,
    body: `${p.label}, stopped ${p.stop_duration_s.toFixed(1)} s, ${
      new Date(p.exited_at).toLocaleTimeString("en-GB")
    }`,
    tag: `pass-${p.id}`,
    url: `/#/passes/${encodeURIComponent(p.id)}`,
    image_url: imageUrl,
    pass: {
      id: p.id,
      camera: p.camera,
      verdict: p.verdict,
      exited_at: p.exited_at,
      stop_duration_s: p.stop_duration_s,
    },
  };
}

export interface PushSenderOptions {
  vapid: VapidKeys;
  store: PushStore;
  allowNets: AllowNets;
  log: (msg: string) => void;
  /** How long a push service keeps an undelivered message (s). */
  ttlS?: number;
  timeoutMs?: number;
  resolve?: Resolver;
}

export class PushSender {
  constructor(readonly opts: PushSenderOptions) {}

  /** Push the pass to every subscription allowed to see its camera. */
  async send(p: PassRecord, imageUrl: string | null): Promise<{ sent: number; failed: number }> {
    const text = JSON.stringify(pushPayload(p, imageUrl));
    let sent = 0;
    let failed = 0;
    for (const sub of await this.opts.store.list()) {
      if (sub.cameras && !sub.cameras.includes(p.camera)) continue;
      try {
        if (await this.#sendOne(sub, text)) sent++;
        else failed++;
      } catch (e) {
        failed++;
        this.opts.log(`push: ${_origin(sub.endpoint)}: ${(e as Error).message}`);
      }
    }
    return { sent, failed };
  }

  async #sendOne(sub: PushSubscriptionRow, text: string): Promise<boolean> {
    const refused = await resolvedProblem(
      sub.endpoint,
      "push",
      this.opts.allowNets,
      this.opts.resolve ?? systemResolver,
    );
    if (refused) {
      this.opts.log(`push: not sending to ${_origin(sub.endpoint)}: ${refused}`);
      return false;
    }
    const req = webpush.generateRequestDetails(
      { endpoint: sub.endpoint, keys: { p256dh: sub.p256dh, auth: sub.auth } },
      text,
      {
        vapidDetails: this.opts.vapid,
        TTL: this.opts.ttlS ?? 3600,
        contentEncoding: "aes128gcm",
        urgency: "normal",
      },
    );
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) {
      // fetch sets the length itself from the body.
      if (k.toLowerCase() !== "content-length") headers.set(k, String(v));
    }
    const res = await fetch(req.endpoint, {
      method: req.method,
      headers,
      body: new Uint8Array(req.body as Uint8Array),
      redirect: "manual",
      signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
    });
    await res.body?.cancel();
    if (res.status >= 200 && res.status < 300) return true;
    if (res.status === 404 || res.status === 410) {
      // The browser unsubscribed or the subscription expired: the push service says so.
      await this.opts.store.remove(sub.endpoint);
      this.opts.log(`push: ${_origin(sub.endpoint)} subscription gone (${res.status}); removed`);
    } else {
      this.opts.log(`push: ${_origin(sub.endpoint)} answered ${res.status}`);
    }
    return false;
  }
}

/** Endpoints are capability URLs: logs name only their origin. */
function _origin(endpoint: string): string {
  try {
    return new URL(endpoint).origin;
  } catch {
    return "(bad endpoint)";
  }
}
