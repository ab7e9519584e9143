/**
 * Push subscriptions through the API with real Postgres: roles, the cameras claim, endpoint
 * rules (SSRF), ownership on re-subscribe and delete, and the rows as the analyzer reads them.
 */
import assert from "node:assert/strict";
import { startTestDatabase } from "../../dev/testing/postgres.ts";
import { PgPushStore } from "../../analyzer/notify/push_store.ts";
import { newSubscriber } from "../../analyzer/notify/testing_push.ts";
import { createPool } from "../_shared/db.ts";
import { bearer } from "../passes/testing.ts";
import { createPushApp, MAX_SUBSCRIPTIONS_PER_SUBJECT } from "./index.ts";

const SECRET = "push-test-secret-0123456789abcdef";

Deno.test("push API: subscribe, camera scope, endpoint rules, ownership, unsubscribe", async () => {
  const db = await startTestDatabase();
  const pool = createPool(db.url, 2);
  try {
    const app = createPushApp({ pool, auth: { secret: SECRET }, vapidPublicKey: "BPUBKEY" });
    const viewer = await bearer(SECRET, { sub: "ann", role: "viewer" });
    const scoped = await bearer(SECRET, { sub: "bob", role: "viewer", cameras: ["cam_01"] });
    const admin = await bearer(SECRET, { sub: "root", role: "admin" });
    const call = async (method: string, path: string, headers: HeadersInit, body?: unknown) => {
      const r = await app.request(path, {
        method,
        headers: { ...headers, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await r.text();
      return { status: r.status, body: text ? JSON.parse(text) : null };
    };
    const s1 = await newSubscriber();
    const sub = (endpoint: string, extra: Record<string, unknown> = {}) => ({
      endpoint,
      expirationTime: null,
      keys: { p256dh: s1.p256dh, auth: s1.auth },
      ...extra,
    });

    // Anonymous: 401 everywhere; a viewer reads the key.
    assert.equal((await call("GET", "/api/push/key", {})).status, 401);
    assert.equal(
      (await call("POST", "/api/push/subscriptions", {}, sub("https://p.example/a"))).status,
      401,
    );
    assert.deepEqual((await call("GET", "/api/push/key", viewer)).body, { public_key: "BPUBKEY" });

    // A viewer subscribes (201), again (200, updated); all cameras (no claim).
    let r = await call("POST", "/api/push/subscriptions", viewer, sub("https://p.example/a"));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.cameras, null);
    r = await call(
      "POST",
      "/api/push/subscriptions",
      viewer,
      sub("https://p.example/a", { cameras: ["cam_02"] }),
    );
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.cameras, ["cam_02"]);

    // A cam_01 token: its claim is stored; asking for cam_02 is refused.
    r = await call("POST", "/api/push/subscriptions", scoped, sub("https://p.example/b"));
    assert.equal(r.status, 201);
    assert.deepEqual(r.body.cameras, ["cam_01"]);
    r = await call(
      "POST",
      "/api/push/subscriptions",
      scoped,
      sub("https://p.example/c", { cameras: ["cam_02"] }),
    );
    assert.equal(r.status, 403);
    // Someone else's endpoint cannot be taken over.
    r = await call("POST", "/api/push/subscriptions", scoped, sub("https://p.example/a"));
    assert.equal(r.status, 409);

    // Endpoints the analyzer must not POST to; malformed keys.
    for (
      const endpoint of [
        "http://p.example/x",
        "https://169.254.169.254/latest",
        "https://10.0.0.8/push",
        "https://[::1]/push",
        "https://localhost/push",
      ]
    ) {
      r = await call("POST", "/api/push/subscriptions", viewer, sub(endpoint));
      assert.equal(r.status, 422, endpoint);
      assert.equal(r.body.issues[0].path, "endpoint");
    }
    r = await call("POST", "/api/push/subscriptions", viewer, {
      endpoint: "https://p.example/k",
      keys: { p256dh: "short", auth: s1.auth },
    });
    assert.equal(r.status, 400);
    assert.equal(r.body.issues[0].path, "keys.p256dh");

    // The analyzer's view of the table: endpoint, keys, camera scope.
    const store = new PgPushStore(pool, 0);
    const rows = await store.list();
    assert.deepEqual(rows.map((x) => [x.endpoint, x.cameras]), [
      ["https://p.example/a", ["cam_02"]],
      ["https://p.example/b", ["cam_01"]],
    ]);
    assert.equal(rows[0].p256dh, s1.p256dh);
    assert.equal(rows[0].auth, s1.auth);

    // Delete: not someone else's (404, like a missing one); the owner's; an admin's anyone's.
    r = await call("DELETE", "/api/push/subscriptions", scoped, {
      endpoint: "https://p.example/a",
    });
    assert.equal(r.status, 404);
    r = await call("DELETE", "/api/push/subscriptions", viewer, {
      endpoint: "https://p.example/a",
    });
    assert.equal(r.status, 204);
    r = await call("DELETE", "/api/push/subscriptions", admin, { endpoint: "https://p.example/b" });
    assert.equal(r.status, 204);
    assert.deepEqual(await store.list(), []);

    // A bound per subject.
    for (let i = 0; i < MAX_SUBSCRIPTIONS_PER_SUBJECT; i++) {
      r = await call("POST", "/api/push/subscriptions", viewer, sub(`https://p.example/n${i}`));
      assert.equal(r.status, 201);
    }
    r = await call("POST", "/api/push/subscriptions", viewer, sub("https://p.example/over"));
    assert.equal(r.status, 429);

    // Without VAPID keys the key route says Web Push is off.
    const off = createPushApp({ pool, auth: { secret: SECRET }, vapidPublicKey: null });
    assert.equal((await off.request("/api/push/key", { headers: viewer })).status, 404);
  } finally {
    await pool.end();
    await db.close();
  }
});
