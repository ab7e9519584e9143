/**
 * RealtimeTickSource: validation and liveness without a socket, then the real
 * `@supabase/realtime-js` client against the relay's Phoenix endpoint (our Supabase stand-in).
 */
import assert from "node:assert/strict";
import { signJwt } from "../../../functions/_shared/jwt.ts";
import { makeTick } from "../../../shared/testing/ticks.ts";
import type { Tick } from "../../../shared/tick.ts";
import { makePassEvent, startRealtimePeer } from "../../testing/realtime_peer.ts";
import { realtimeEndpoint, RealtimeTickSource } from "./realtime_tick_source.ts";
import type { RealtimeTickSourceOptions } from "./realtime_tick_source.ts";

const SECRET = "a-test-secret-that-is-long-enough-0123456789";

function _recorder(opts: Partial<RealtimeTickSourceOptions> = {}) {
  const got = {
    ticks: [] as Tick[],
    statuses: [] as string[],
    states: [] as string[],
    events: [] as Record<string, unknown>[],
  };
  const src = new RealtimeTickSource({
    url: "http://127.0.0.1:1",
    anonKey: "anon",
    camera: "cam_01",
    onTick: (t) => got.ticks.push(t),
    onStatus: (s) => got.statuses.push(s),
    onState: (s) => got.states.push(s),
    onEvent: (e) => got.events.push(e),
    ...opts,
  });
  return { src, got };
}

async function _until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const _PASS = makePassEvent("cam_01", { id: "p1" });

Deno.test("realtime endpoint: the project URL's /realtime/v1 over ws(s)", () => {
  assert.equal(realtimeEndpoint("https://abc.supabase.co/"), "wss://abc.supabase.co/realtime/v1");
  assert.equal(realtimeEndpoint("http://127.0.0.1:54321"), "ws://127.0.0.1:54321/realtime/v1");
  assert.equal(realtimeEndpoint("https://h/base"), "wss://h/base/realtime/v1");
});

Deno.test("realtime source validates broadcasts as /ws does; the event must name the type", () => {
  const { src, got } = _recorder();
  const tick = makeTick("cam_01", 5);
  src.handleBroadcast("tick", tick);
  src.handleBroadcast("tick", { ...tick, tracks: [{ ...tick.tracks[0], bbox: [0, 0, 2, 1] }] });
  src.handleBroadcast("tick", null);
  src.handleBroadcast("pass", tick); // event and type disagree
  src.handleBroadcast("pass", _PASS);
  src.handleBroadcast("track_event", { v: 2, type: "track_event" });
  src.handleBroadcast("status", { v: 1, type: "status", camera: "cam_01", analyzer: "offline" });
  assert.deepEqual(got.ticks.map((t) => t.seq), [5]);
  assert.deepEqual(got.events, [_PASS]);
  // The tick said online, the status event offline.
  assert.deepEqual(got.statuses, ["online", "offline"]);
  assert.equal(src.invalid, 4);
  // The analyzer's own "paused" broadcast (runtime control) is honoured.
  src.handleBroadcast("status", { v: 1, type: "status", camera: "cam_01", analyzer: "paused" });
  assert.deepEqual(got.statuses, ["online", "offline", "paused"]);
});

Deno.test(
  "realtime source: realtime-js receives ticks and passes, derives offline, stops cleanly",
  {
    // realtime-js keeps reconnect/heartbeat timers internally; they end with disconnect().
    sanitizeOps: false,
    sanitizeResources: false,
  },
  async () => {
    // Like real Supabase: no status events, so liveness is the source's own.
    const peer = startRealtimePeer({ statusEvents: false });
    const { src, got } = _recorder({ url: peer.origin, offlineAfterMs: 400 });
    try {
      src.start();
      assert.equal(src.state, "connecting");
      await _until(() => src.state === "open", "subscribed");
      assert.equal(peer.hub.clientCount("cam_01"), 1);
      // Subscribed with no tick: offline after the silence.
      await _until(() => got.statuses.length > 0, "derived offline");
      assert.deepEqual(got.statuses, ["offline"]);

      peer.tick("cam_01");
      peer.pass(_PASS);
      peer.tick("cam_02"); // another camera's topic
      await _until(() => got.events.length === 1, "the pass");
      assert.deepEqual(got.ticks.map((t) => t.camera), ["cam_01"]);
      assert.deepEqual(got.statuses, ["offline", "online"]);
      assert.equal((got.events[0].pass as { id: string }).id, "p1");

      // Ticks keep it online; a silence longer than offlineAfterMs makes it offline again.
      for (let i = 0; i < 6; i++) {
        peer.tick("cam_01");
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.deepEqual(got.statuses, ["offline", "online"]);
      await _until(() => got.statuses.length === 3, "offline after the ticks stop");
      assert.equal(got.statuses[2], "offline");
      peer.tick("cam_01");
      await _until(() => got.statuses.length === 4, "online again");
      assert.equal(got.statuses[3], "online");
      assert.equal(src.invalid, 0);

      src.stop();
      assert.equal(src.state, "closed");
      await src.closed;
      await _until(() => peer.hub.clientCount() === 0, "the channel left");
      const ticks = got.ticks.length;
      peer.tick("cam_01");
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(got.ticks.length, ticks, "nothing after stop");
      assert.deepEqual(got.states, ["connecting", "open", "closed"]);
    } finally {
      src.stop();
      await peer.close();
    }
  },
);

Deno.test("realtime source honours the relay's status events and rejoins after a drop", {
  sanitizeOps: false,
  sanitizeResources: false,
}, async () => {
  const peer = startRealtimePeer({ hub: { offlineAfterMs: 300 } });
  const { src, got } = _recorder({ url: peer.origin, offlineAfterMs: 60_000 });
  try {
    src.start();
    await _until(() => src.state === "open", "subscribed");
    await _until(() => got.statuses.includes("offline"), "the relay's offline status on join");
    peer.tick();
    await _until(() => got.statuses.at(-1) === "online", "online");
    // The relay says offline long before the source's own 60 s would.
    await _until(() => got.statuses.at(-1) === "offline", "the relay's offline status");

    // The relay drops every socket: realtime-js reconnects and rejoins by itself.
    const upgrades = peer.upgrades;
    peer.hub.close();
    await _until(() => src.state === "connecting", "connecting after the drop");
    await _until(() => src.state === "open", "subscribed again", 15_000);
    assert.ok(peer.upgrades > upgrades, "a new socket");
    peer.tick();
    await _until(() => got.statuses.at(-1) === "online", "online after the rejoin");
  } finally {
    src.stop();
    await src.closed;
    await peer.close();
  }
});

Deno.test("realtime source with auth: the user's token is the channel's access token", {
  sanitizeOps: false,
  sanitizeResources: false,
}, async () => {
  // idleMs 1 s: the relay checks token expiry every 500 ms (heartbeats keep the socket).
  // "anon" is the project's public key: it opens the socket, the user's token authorizes joins.
  const peer = startRealtimePeer({
    auth: { secret: SECRET },
    phoenix: { idleMs: 1_000, anonKeys: ["anon"] },
  });
  const exp = (s: number) => Math.floor(Date.now() / 1000) + s;
  const viewer = (s: number) => signJwt({ sub: "v", role: "viewer", exp: exp(s) }, SECRET);
  const tokens = [await viewer(2), await viewer(3600)];
  const asked: string[] = [];
  const { src, got } = _recorder({
    url: peer.origin,
    client: { heartbeatIntervalMs: 300 },
    reconnectMinMs: 50,
    accessToken: () => {
      const t = tokens[Math.min(asked.length, tokens.length - 1)];
      asked.push(t);
      return t;
    },
  });
  const refused = _recorder({ url: peer.origin, accessToken: () => null });
  try {
    src.start();
    refused.src.start();
    await _until(() => src.state === "open", "subscribed with the token");
    peer.tick();
    await _until(() => got.ticks.length > 0, "a tick");
    // The first token expires: the relay closes the channel; the source retries with a new one.
    await _until(() => got.states.includes("closed"), "closed at token expiry");
    await _until(() => src.state === "open" && asked.length === 2, "subscribed again");
    assert.deepEqual(got.states, ["connecting", "open", "closed", "connecting", "open"]);
    const before = got.ticks.length;
    peer.tick();
    await _until(() => got.ticks.length > before, "a tick on the new subscription");
    // No token: the anon key is not a viewer token, the join is refused.
    assert.equal(refused.src.state, "connecting");
    assert.equal(refused.got.ticks.length, 0);
  } finally {
    src.stop();
    refused.src.stop();
    await Promise.all([src.closed, refused.src.closed]);
    await peer.close();
  }
});
