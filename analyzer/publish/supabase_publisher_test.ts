import assert from "node:assert/strict";
import { makeTick } from "../../shared/testing/ticks.ts";
import { SupabaseBroadcastPublisher } from "./supabase_publisher.ts";
import { BroadcastWithStatus, publisherFromEnv } from "./from_env.ts";
import { PgPublisher } from "./pg_publisher.ts";
import { PublishQueue } from "./publisher.ts";

const KEY = "service-role-key-for-tests";

interface _Received {
  messages: { topic: string; event: string; payload: Record<string, unknown>; private: boolean }[];
}

/**
 * A stand-in for Supabase Realtime's broadcast endpoint that enforces its documented contract
 * (POST /realtime/v1/api/broadcast, apikey + bearer, JSON `{messages:[{topic,event,payload}]}`,
 * 202) and answers with whatever status the test chooses per request.
 */
function _fakeRealtime(answer: (n: number) => number | Promise<number>) {
  const requests: _Received[] = [];
  const violations: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const url = new URL(req.url);
    const why = req.method !== "POST"
      ? "method"
      : url.pathname !== "/realtime/v1/api/broadcast"
      ? `path ${url.pathname}`
      : req.headers.get("apikey") !== KEY
      ? "apikey header"
      : req.headers.get("authorization") !== `Bearer ${KEY}`
      ? "authorization header"
      : !req.headers.get("content-type")?.startsWith("application/json")
      ? "content-type"
      : "";
    let body: _Received | null = null;
    try {
      body = await req.json();
    } catch { /* reported below */ }
    const okBody = Array.isArray(body?.messages) &&
      body.messages.every((m) =>
        typeof m.topic === "string" && typeof m.event === "string" &&
        typeof m.payload === "object" && m.payload !== null && typeof m.private === "boolean"
      );
    if (why || !okBody) {
      violations.push(why || "body");
      return Response.json({ error: why || "bad body" }, { status: 400 });
    }
    requests.push(body!);
    const status = await answer(requests.length);
    return new Response(status === 202 ? null : "upstream trouble", { status });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    requests,
    violations,
    close: () => server.shutdown(),
  };
}

async function _until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out waiting for a condition");
    await new Promise((r) => setTimeout(r, 10));
  }
}

function _event(camera: string, id: number): string {
  return JSON.stringify({
    v: 1,
    type: "track_event",
    event: "new",
    camera,
    ts: id,
    before: null,
    after: {
      id,
      label: "car",
      conf: 0.7,
      bbox: [0.1, 0.1, 0.2, 0.2],
      speed_px_s: 3,
      phase: "approach",
      zone: null,
    },
  });
}

Deno.test("supabase publisher batches per request and keeps only the newest tick while one is in flight", async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const fake = _fakeRealtime(async (n) => {
    if (n === 1) await gate; // a slow server: the first request hangs until released
    return 202;
  });
  const pub = new SupabaseBroadcastPublisher({ url: `${fake.url}/`, key: KEY });
  try {
    pub.publish("cam_01", JSON.stringify(makeTick("cam_01", 1)));
    await _until(() => fake.requests.length === 1);
    pub.publishEvent("cam_01", _event("cam_01", 7));
    for (let seq = 2; seq <= 40; seq++) {
      pub.publish("cam_01", JSON.stringify(makeTick("cam_01", seq)));
    }
    pub.publishEvent("cam_02", _event("cam_02", 8));
    pub.publish("cam_02", JSON.stringify(makeTick("cam_02", 1)));
    assert.equal(pub.queued, 4, "two events and one tick per camera wait, nothing more");
    release();
    await _until(() => fake.requests.length === 2 && pub.published === 5);

    const [first, second] = fake.requests;
    assert.deepEqual(first.messages.map((m) => [m.topic, m.event, m.payload.seq]), [
      ["camera:cam_01", "tick", 1],
    ]);
    // Events first and in order, then the newest tick of each camera.
    assert.deepEqual(
      second.messages.map((m) => [m.topic, m.event, m.payload.seq ?? m.payload.ts]),
      [
        ["camera:cam_01", "track_event", 7],
        ["camera:cam_02", "track_event", 8],
        ["camera:cam_01", "tick", 40],
        ["camera:cam_02", "tick", 1],
      ],
    );
    assert.equal(second.messages[0].private, false);
    assert.equal(second.messages[2].payload.type, "tick", "payload is the message object itself");
    assert.equal(pub.dropped, 38, "ticks 2..39 were replaced, not queued");
    assert.equal(pub.requests, 2);
    assert.ok(pub.connected);
    assert.deepEqual(fake.violations, []);
  } finally {
    await pub.close();
    await fake.close();
  }
});

Deno.test("supabase publisher retries a batch after a 5xx with backoff and keeps event order", async () => {
  const statuses = [503, 500, 202];
  const fake = _fakeRealtime((n) => statuses[n - 1] ?? 202);
  const logs: string[] = [];
  const pub = new SupabaseBroadcastPublisher({
    url: fake.url,
    key: KEY,
    minBackoffMs: 50,
    maxBackoffMs: 200,
    log: (m) => logs.push(m),
  });
  try {
    pub.publishEvent("cam_01", _event("cam_01", 1));
    await _until(() => fake.requests.length === 1);
    await _until(() => !pub.connected);
    assert.match(pub.lastError, /HTTP 503/);
    pub.publishEvent("cam_01", _event("cam_01", 2));
    await _until(() => pub.published === 2, 15_000);
    assert.ok(pub.connected, "a success clears the failure");
    const last = fake.requests.at(-1)!;
    assert.deepEqual(
      last.messages.map((m) => m.payload.ts),
      [1, 2],
      "the retried event stays first",
    );
    assert.equal(fake.requests.length, 3);
    assert.equal(pub.dropped, 0);
    assert.ok(logs.some((l) => /retrying/.test(l)));
    assert.deepEqual(fake.violations, []);
  } finally {
    await pub.close();
    await fake.close();
  }
});

Deno.test("supabase publisher bounds its queue while the server is down and drops rejected batches", async () => {
  const fake = _fakeRealtime(() => 500);
  const pub = new SupabaseBroadcastPublisher({
    url: fake.url,
    key: KEY,
    maxQueuedEvents: 50,
    minBackoffMs: 20,
    maxBackoffMs: 40,
  });
  try {
    for (let i = 0; i < 2000; i++) {
      pub.publish(`cam_0${i % 3}`, JSON.stringify(makeTick(`cam_0${i % 3}`, i)));
      pub.publishEvent("cam_01", _event("cam_01", i));
      assert.ok(pub.queued <= 53, `queue stays bounded (${pub.queued})`);
    }
    await _until(() => fake.requests.length >= 3);
    assert.ok(pub.queued <= 53, `at most 50 events and one tick per camera (${pub.queued})`);
    assert.ok(pub.dropped >= 2000 + 2000 - 53 - 100);
    assert.equal(pub.published, 0);
    assert.ok(!pub.connected);
  } finally {
    await pub.close();
    await fake.close();
  }

  // A 4xx is not retried (the same request would be rejected again).
  const rejecting = _fakeRealtime(() => 401);
  const pub2 = new SupabaseBroadcastPublisher({ url: rejecting.url, key: KEY, minBackoffMs: 20 });
  try {
    pub2.publishEvent("cam_01", _event("cam_01", 1));
    await _until(() => pub2.dropped === 1);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(rejecting.requests.length, 1);
    assert.equal(pub2.queued, 0);
    assert.match(pub2.lastError, /HTTP 401/);
  } finally {
    await pub2.close();
    await rejecting.close();
  }
});

Deno.test("publish queue puts failed items back without breaking latest-state or order", () => {
  const q = new PublishQueue(3);
  q.addEvent("e1");
  q.addTick("a", "a1");
  const taken = q.take(10);
  q.addEvent("e2");
  q.addTick("a", "a2");
  q.putBack(taken);
  assert.deepEqual(q.take(10).map((i) => i.text), ["e1", "e2", "a2"]);
  assert.equal(q.dropped, 1, "the stale a1 was not restored over a2");
  for (const e of ["x1", "x2", "x3", "x4"]) q.addEvent(e);
  assert.deepEqual(q.take(10).map((i) => i.text), ["x2", "x3", "x4"]);
  assert.equal(q.dropped, 2);
  for (const e of ["aaaa", "bbbb", "cccc"]) q.addEvent(e);
  assert.deepEqual(q.take(10, 9).map((i) => i.text), ["aaaa", "bbbb"], "byte cap");
});

Deno.test("publisherFromEnv picks Postgres by default and Supabase broadcast on request", async () => {
  const env = (vars: Record<string, string>) => (n: string) => vars[n];
  assert.equal(publisherFromEnv(env({}), undefined), null);
  const pg = publisherFromEnv(env({}), "postgres://127.0.0.1:1/none");
  assert.ok(pg instanceof PgPublisher);
  await pg.close();
  assert.throws(() => publisherFromEnv(env({ REALTIME: "supabase" }), undefined), /SUPABASE_URL/);
  assert.throws(
    () => publisherFromEnv(env({ REALTIME: "kafka" }), undefined),
    /postgres or supabase/,
  );
  const sb = publisherFromEnv(
    env({
      REALTIME: "supabase",
      SUPABASE_URL: "http://127.0.0.1:1",
      SUPABASE_SERVICE_ROLE_KEY: KEY,
    }),
    undefined,
  );
  assert.ok(sb instanceof BroadcastWithStatus);
  assert.ok(sb.realtime instanceof SupabaseBroadcastPublisher);
  assert.equal(sb.status, null);
  sb.writeStatus({
    camera: "cam_01",
    fps: 1,
    infer_ms: 1,
    lag_ms: 1,
    dropped: 0,
    frames: 1,
    frame_w: 1,
    frame_h: 1,
  });
  await sb.close();
});
