import assert from "node:assert/strict";
import { makeTick } from "../../../shared/testing/ticks.ts";
import { signJwt } from "../../_shared/jwt.ts";
import { TickHub, type TickSocket } from "../tick_hub.ts";
import { PhoenixSession } from "./session.ts";

class _Socket implements TickSocket {
  readyState = 1;
  bufferedAmount = 0;
  sent: unknown[][] = [];
  closed: [number, string] | null = null;
  send(d: string) {
    this.sent.push(JSON.parse(d));
  }
  close(code = 1000, reason = "") {
    this.closed = [code, reason];
    this.readyState = 3;
  }
  /** Frames sent since the last call. */
  take(): unknown[][] {
    return this.sent.splice(0);
  }
}

const SECRET = "a-test-secret-that-is-long-enough-0123456789";
const TOPIC = "realtime:camera:cam_01";
const f = (...parts: unknown[]) => JSON.stringify(parts);
const join = (ref: string, topic = TOPIC, payload: Record<string, unknown> = {}) =>
  f(ref, ref, topic, "phx_join", { config: { broadcast: { self: false } }, ...payload });

Deno.test("session: heartbeat, join, broadcast framing, leave, unknown and unmatched topics", async () => {
  const hub = new TickHub();
  const s = new _Socket();
  const session = new PhoenixSession(s, hub, "2.0.0", { auth: { secret: null } });

  await session.receive(f(null, "1", "phoenix", "heartbeat", {}));
  assert.deepEqual(s.take(), [[null, "1", "phoenix", "phx_reply", { status: "ok", response: {} }]]);

  await session.receive(join("2"));
  const [reply, status] = s.take();
  assert.deepEqual(reply, ["2", "2", TOPIC, "phx_reply", { status: "ok", response: {} }]);
  assert.deepEqual(status.slice(0, 4), ["2", null, TOPIC, "broadcast"]);
  assert.deepEqual((status[4] as { event: string }).event, "status");

  hub.publish(JSON.stringify(makeTick("cam_01", 5)));
  hub.publish(JSON.stringify(makeTick("cam_02", 6)));
  const frames = s.take();
  const ticks = frames.filter((m) => (m[4] as { event: string }).event === "tick");
  assert.equal(ticks.length, 1, "only the joined camera");
  const body = ticks[0][4] as { type: string; event: string; payload: { seq: number } };
  assert.deepEqual([body.type, body.event], ["broadcast", "tick"]);
  assert.equal(body.payload.seq, 5, "the payload is the relay message itself");

  await session.receive(join("3", "realtime:room:lobby"));
  const [err] = s.take();
  assert.equal(err[3], "phx_reply");
  assert.equal((err[4] as { status: string }).status, "error");
  assert.match((err[4] as { response: { reason: string } }).response.reason, /unknown topic/);

  await session.receive(f("9", "10", "realtime:camera:cam_09", "presence", {}));
  assert.match(JSON.stringify(s.take()), /unmatched topic/);

  await session.receive(
    f("2", "4", TOPIC, "broadcast", { type: "broadcast", event: "x", payload: {} }),
  );
  assert.match(JSON.stringify(s.take()), /read-only/);

  await session.receive(f("2", "5", TOPIC, "phx_leave", {}));
  assert.deepEqual(s.take(), [
    ["2", "5", TOPIC, "phx_reply", { status: "ok", response: {} }],
    ["2", "2", TOPIC, "phx_close", {}],
  ]);
  hub.publish(JSON.stringify(makeTick("cam_01", 7)));
  assert.deepEqual(s.take(), [], "no delivery after leave");
  assert.equal(hub.clientCount(), 0);
  assert.equal(s.closed, null);
});

Deno.test("session: a second join of a topic replaces the first; dispose unsubscribes", async () => {
  const hub = new TickHub();
  const s = new _Socket();
  const session = new PhoenixSession(s, hub, "1.0.0", { auth: { secret: null }, maxTopics: 2 });
  const v1join = (ref: string, topic: string) =>
    JSON.stringify({ join_ref: ref, ref, topic, event: "phx_join", payload: {} });
  await session.receive(v1join("1", TOPIC));
  await session.receive(v1join("2", TOPIC));
  const frames = s.take() as unknown as { event: string; join_ref: string }[];
  assert.deepEqual(
    frames.map((m) => `${m.event}:${m.join_ref}`),
    ["phx_reply:1", "broadcast:1", "phx_close:1", "phx_reply:2", "broadcast:2"],
  );
  assert.equal(hub.clientCount("cam_01"), 1);
  await session.receive(v1join("3", "realtime:camera:cam_02"));
  await session.receive(v1join("4", "realtime:camera:cam_03"));
  assert.match(JSON.stringify(s.take()), /too many channels/);
  session.dispose();
  assert.equal(hub.clientCount(), 0);
});

Deno.test("session closes the socket on malformed (1007), binary (1003) and oversized (1009) frames", async () => {
  const cases: [string | Uint8Array, number][] = [
    ["{nope", 1007],
    ['{"topic":"phoenix"}', 1007],
    [new Uint8Array([9, 9, 9, 9, 9, 9, 9, 9]), 1003],
    ["x".repeat(20_000), 1009],
  ];
  for (const [frame, code] of cases) {
    const hub = new TickHub();
    const s = new _Socket();
    const session = new PhoenixSession(s, hub, "2.0.0", { auth: { secret: null } });
    await session.receive(join("1"));
    await session.receive(frame);
    assert.equal(s.closed?.[0], code, String(frame).slice(0, 20));
    assert.equal(hub.clientCount(), 0, "subscriptions dropped with the socket");
    // Frames after the close are ignored.
    await session.receive(join("2"));
  }
});

Deno.test("session with auth: tokens checked per join, camera-scoped, refreshed and expired", async () => {
  let now = 1_000_000_000_000;
  const exp = now / 1000 + 60;
  const viewer01 = await signJwt({ sub: "v", role: "viewer", exp, cameras: ["cam_01"] }, SECRET);
  const later = await signJwt({ sub: "v", role: "viewer", exp: exp + 600 }, SECRET);
  const hub = new TickHub();
  const s = new _Socket();
  const session = new PhoenixSession(s, hub, "2.0.0", {
    auth: { secret: SECRET },
    socketToken: "not-a-jwt",
    now: () => now,
  });
  const reason = () => (s.take()[0][4] as { response: { reason: string } }).response.reason;

  await session.receive(join("1"));
  assert.match(
    reason(),
    /unauthorized: malformed token/,
    "the socket apikey is used without access_token",
  );
  await session.receive(join("2", TOPIC, { access_token: viewer01 }));
  assert.equal((s.take()[0][4] as { status: string }).status, "ok");
  await session.receive(join("3", "realtime:camera:cam_02", { access_token: viewer01 }));
  assert.match(reason(), /may not read cam_02/);

  // A refresh with a bad token closes the channel; a good one extends it.
  await session.receive(f("2", "4", TOPIC, "access_token", { access_token: later }));
  assert.equal((s.take()[0][4] as { status: string }).status, "ok");
  now += 120_000; // past the first token's expiry, within the refreshed one
  session.expireTokens();
  assert.deepEqual(s.take(), []);
  await session.receive(f("2", "5", TOPIC, "access_token", { access_token: "garbage" }));
  const [system, close] = s.take();
  assert.deepEqual(system.slice(2, 4), [TOPIC, "system"]);
  assert.match((system[4] as { message: string }).message, /unauthorized/);
  assert.deepEqual(close.slice(2, 4), [TOPIC, "phx_close"]);
  assert.equal(hub.clientCount(), 0);

  // Expiry without refresh.
  await session.receive(join("6", TOPIC, { access_token: later }));
  s.take();
  now += 3_600_000;
  session.expireTokens();
  const [expired] = s.take();
  assert.match((expired[4] as { message: string }).message, /expired/);
  assert.equal(hub.clientCount(), 0);
});

Deno.test("session: a join still checking its token when the socket closes subscribes nothing", async () => {
  const hub = new TickHub();
  const s = new _Socket();
  const session = new PhoenixSession(s, hub, "2.0.0", { auth: { secret: SECRET } });
  const token = await signJwt({ sub: "v", role: "viewer", exp: Date.now() / 1000 + 60 }, SECRET);
  const pending = session.receive(join("1", TOPIC, { access_token: token }));
  // Let the join start and reach the (asynchronous) signature check.
  for (let i = 0; i < 5; i++) await Promise.resolve();
  session.dispose();
  await pending;
  assert.equal(hub.clientCount(), 0);
});
