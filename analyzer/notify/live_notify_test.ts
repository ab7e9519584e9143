/**
 * Notifications from the real analyzer process (full_stop scene, real Postgres): the judged pass
 * reaches a local webhook receiver signed with the STOPLINE_HOOK_* secret, and a subscribed
 * browser's (fake) push service gets it encrypted to that browser's keys.
 */
import assert from "node:assert/strict";
// @ts-types="npm:@types/web-push@3.6.4"
import webpush from "web-push";
import { withTestClient } from "../../dev/testing/postgres.ts";
import { startTestAnalyzer } from "../../dev/testing/analyzer.ts";
import { waitFor } from "../../dev/testing/wait.ts";
import { resolveFilePath } from "../sources.ts";
import { startReceiver } from "./testing_receiver.ts";
import { decryptPush, newSubscriber, startPushService } from "./testing_push.ts";
import { verifySignature } from "./webhook_sign.ts";

const SCENE = resolveFilePath("samples/scenes/full_stop.mp4");
const SECRET = "live-notify-secret-0123456789";

Deno.test({
  name: "live analyzer: a judged pass goes out as a signed webhook and an encrypted push",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withTestClient(async (_q, client, db) => {
      const rx = startReceiver();
      const pushService = startPushService();
      const vapid = webpush.generateVAPIDKeys();
      const browser = await newSubscriber();
      await client.query(
        `insert into push_subscriptions (endpoint, p256dh, auth, cameras, subject)
       values ($1, $2, $3, $4, 'test')`,
        [`${pushService.origin}/push/browser`, browser.p256dh, browser.auth, ["scene"]],
      );
      const ta = await startTestAnalyzer({
        databaseUrl: db.url,
        config: `cameras:
  scene:
    source: ${SCENE}
    loop: true
    detect: { fps: 10, min_conf: 0.4 }
    classes: [car, truck, bus, motorcycle]
    zones:
      stop_zone: [[0.40, 0.20], [0.60, 0.20], [0.60, 0.60], [0.40, 0.60]]
      pre_stop_line: [[0.22, 0.20], [0.22, 0.60]]
      capture_line: [[0.70, 0.20], [0.70, 0.60]]
notifications:
  - name: stops
    cameras: [scene]
    verdicts: [full_stop]
    webhook: { url: "${rx.url}", secret_env: STOPLINE_HOOK_LIVE }
  - name: phones
    push: true
`,
        env: {
          STOPLINE_HOOK_LIVE: SECRET,
          STOPLINE_NOTIFY_ALLOW_NETS: "127.0.0.0/8",
          STOPLINE_PUBLIC_URL: "https://stop.example.org",
          STOPLINE_VAPID_PUBLIC_KEY: vapid.publicKey,
          STOPLINE_VAPID_PRIVATE_KEY: vapid.privateKey,
          STOPLINE_VAPID_SUBJECT: "mailto:ops@example.org",
        },
      });
      try {
        const hook = await waitFor("a webhook", () => rx.got[0], 90_000);
        assert.equal(
          await verifySignature(SECRET, hook.body, hook.headers.get("x-stopline-signature")),
          true,
        );
        const body = JSON.parse(hook.body);
        assert.equal(body.rule, "stops");
        assert.equal(body.pass.camera, "scene");
        assert.equal(body.pass.verdict, "full_stop");
        const row = await waitFor(
          "the pass row",
          async () =>
            (await client.query("select id, image from vehicle_passes where id = $1", [
              body.pass.id,
            ]))
              .rows[0],
          10_000,
        );
        assert.ok(row.image, "the pass has a crop");
        assert.equal(
          body.image_url,
          `https://stop.example.org/api/passes/${encodeURIComponent(row.id)}/image`,
        );

        const push = await waitFor("a push", () => pushService.got[0], 10_000);
        const payload = JSON.parse(await decryptPush(browser, push.body));
        assert.equal(payload.pass.camera, "scene");
        assert.equal(payload.title, `scene: ${payload.pass.verdict.replace("_", " ")}`);
        const metrics = await (await fetch(`${ta.url}/metrics`)).text();
        assert.match(metrics, /stopline_notify_sent_total\{rule="stops"\} [1-9]/);
      } finally {
        await ta.close();
        await rx.close();
        await pushService.close();
      }
    }),
});
