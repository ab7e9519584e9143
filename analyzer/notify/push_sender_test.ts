/**
 * Web Push as far as it runs offline: web-push encrypts and signs for subscriptions whose keys
 * the test made; a local fake push service receives the requests, and the test decrypts them
 * (RFC 8291 with WebCrypto) and verifies the VAPID JWT. The real push services (FCM, Mozilla,
 * Apple) and a browser showing the notification are not reachable here.
 */
import assert from "node:assert/strict";
// @ts-types="npm:@types/web-push@3.6.4"
import webpush from "web-push";
import { allowNetsFromEnv } from "../../shared/notify_address.ts";
import { NotifyRuleSchema } from "../../shared/notify_rules.ts";
import type { PassRecord } from "../persist/records.ts";
import { Notifier } from "./notifier.ts";
import { PushSender, type PushStore, type PushSubscriptionRow } from "./push_sender.ts";
import { decryptPush, newSubscriber, startPushService, verifyVapid } from "./testing_push.ts";
import { waitFor } from "../../dev/testing/wait.ts";

const PASS: PassRecord = {
  id: "cam_01:1763700000000:7",
  camera: "cam_01",
  track_id: 7,
  label: "car",
  verdict: "no_stop",
  entered_at: 1_763_700_000_000,
  exited_at: 1_763_700_004_000,
  time_in_zone_s: 4,
  stop_duration_s: 0,
  min_speed_px_s: 30,
  entry_speed_px_s: 80,
  image: "minio://stopline/passes/cam_01/7.jpg",
  quality: {},
  samples: [],
};

class MemoryStore implements PushStore {
  constructor(public rows: PushSubscriptionRow[]) {}
  list() {
    return Promise.resolve(this.rows);
  }
  remove(endpoint: string) {
    this.rows = this.rows.filter((r) => r.endpoint !== endpoint);
    return Promise.resolve();
  }
}

Deno.test("web push: encrypted payload round trip, VAPID, camera scope, gone subscriptions", async () => {
  const service = startPushService();
  try {
    const vapidPair = webpush.generateVAPIDKeys();
    const vapid = { ...vapidPair, subject: "mailto:ops@example.org" };
    const a = await newSubscriber();
    const b = await newSubscriber();
    const c = await newSubscriber();
    const store = new MemoryStore([
      { endpoint: `${service.origin}/push/a`, p256dh: a.p256dh, auth: a.auth, cameras: ["cam_01"] },
      { endpoint: `${service.origin}/gone/b`, p256dh: b.p256dh, auth: b.auth, cameras: null },
      { endpoint: `${service.origin}/push/c`, p256dh: c.p256dh, auth: c.auth, cameras: ["cam_02"] },
      // A viewer could name any endpoint: a private address is not contacted.
      { endpoint: "https://192.168.7.7/push/d", p256dh: c.p256dh, auth: c.auth, cameras: null },
    ]);
    const lines: string[] = [];
    const env = (n: string) => (n === "STOPLINE_NOTIFY_ALLOW_NETS" ? "127.0.0.0/8" : undefined);
    const sender = new PushSender({
      vapid,
      store,
      allowNets: allowNetsFromEnv(env),
      log: (m) => lines.push(m),
    });
    const dir = await Deno.makeTempDir();
    const notifier = new Notifier({
      dir,
      rules: [NotifyRuleSchema.parse({ name: "phones", verdicts: ["no_stop"], push: true })],
      env,
      allowNets: allowNetsFromEnv(env),
      log: (m) => lines.push(m),
      push: sender,
    });
    await notifier.pass(PASS);
    await notifier.pass({ ...PASS, id: "cam_01:1:8", verdict: "full_stop" }); // no match
    await waitFor(
      "pushes",
      () => /stopline_notify_failed_total\{rule="phones"\} 2/.test(notifier.metrics()),
      5_000,
      20,
    );
    assert.match(notifier.metrics(), /stopline_notify_sent_total\{rule="phones"\} 1/);
    // cam_02's subscriber got nothing; the private endpoint was refused, not contacted.
    assert.deepEqual(service.got.map((g) => g.path).sort(), ["/gone/b", "/push/a"]);
    assert.match(lines.join("\n"), /not sending to https:\/\/192\.168\.7\.7: refused: a private/);
    // The gone subscription was removed from the store.
    assert.deepEqual(store.rows.map((r) => r.endpoint.split("/").pop()), ["a", "c", "d"]);

    const got = service.got.find((g) => g.path === "/push/a")!;
    assert.equal(got.headers.get("content-encoding"), "aes128gcm");
    assert.equal(got.headers.get("ttl"), "3600");
    const claims = await verifyVapid(
      got.headers.get("authorization"),
      vapid.publicKey,
      service.origin,
    );
    assert.equal(claims.sub, "mailto:ops@example.org");
    assert.ok((claims.exp ?? 0) > Date.now() / 1000);
    // Only subscriber a's key opens it; the plaintext is the notification for the service worker.
    const payload = JSON.parse(await decryptPush(a, got.body));
    assert.equal(payload.title, "cam_01: no stop");
    assert.equal(payload.tag, "pass-cam_01:1763700000000:7");
    assert.equal(payload.url, "/#/passes/cam_01%3A1763700000000%3A7");
    assert.equal(payload.image_url, "/api/passes/cam_01%3A1763700000000%3A7/image");
    assert.equal(payload.pass.verdict, "no_stop");
    await assert.rejects(() => decryptPush(b, got.body));
    await notifier.close();
    await Deno.remove(dir, { recursive: true });
  } finally {
    await service.close();
  }
});
