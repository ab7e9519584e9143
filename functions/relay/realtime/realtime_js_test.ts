/**
 * The relay's Phoenix endpoint driven by the real `@supabase/realtime-js` client, fed by a real
 * Postgres LISTEN connection: what a browser using Supabase's client library would see.
 */
import assert from "node:assert/strict";
import { type RealtimeChannel, RealtimeClient } from "@supabase/realtime-js";
import pg from "../../../shared/db/pg.ts";
import { TICK_CHANNEL } from "../../../shared/channels.ts";
import { encodePassEvent } from "../../../shared/events.ts";
import { encodeTick } from "../../../shared/tick.ts";
import { makeTick } from "../../../shared/testing/ticks.ts";
import { startTestDatabase } from "../../../dev/testing/postgres.ts";
import { signJwt } from "../../_shared/jwt.ts";
import { startRelay } from "../index.ts";
import { createPhoenixApp } from "./app.ts";

const SECRET = "a-test-secret-that-is-long-enough-0123456789";

interface _Broadcast {
  type: string;
  event: string;
  payload: { type: string; camera: string; seq?: number; pass?: { id: string } };
}

async function _until(cond: () => boolean, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Subscribe and resolve with the outcome: "SUBSCRIBED" or "CHANNEL_ERROR: <reason>". */
function _subscribe(ch: RealtimeChannel): Promise<string> {
  return new Promise((resolve) => {
    ch.subscribe((status, err) => {
      if (status === "SUBSCRIBED") resolve(status);
      else resolve(`${status}: ${err?.message ?? ""}`);
    });
  });
}

function _collect(ch: RealtimeChannel): _Broadcast[] {
  const got: _Broadcast[] = [];
  ch.on("broadcast", { event: "*" }, (m) => got.push(m as _Broadcast));
  return got;
}

async function _world() {
  const db = await startTestDatabase();
  const relay = startRelay(db.url);
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    relay.app.fetch,
  );
  const pub = new pg.Client({ connectionString: db.url });
  await pub.connect();
  await _until(() => relay.listener.connected, "LISTEN");
  const notify = (text: string) => pub.query("select pg_notify($1, $2)", [TICK_CHANNEL, text]);
  return {
    db,
    relay,
    notify,
    endpoint: `ws://127.0.0.1:${server.addr.port}/realtime/v1`,
    async close() {
      await pub.end();
      await relay.close();
      await server.shutdown();
      await db.close();
    },
  };
}

const _PASS = {
  id: "p1",
  camera: "cam_01",
  track_id: 3,
  label: "car",
  verdict: "full_stop" as const,
  entered_at: 1,
  exited_at: 2,
  time_in_zone_s: 1,
  stop_duration_s: 1,
  min_speed_px_s: 0,
  entry_speed_px_s: 5,
  image: null,
};

for (const vsn of ["2.0.0", "1.0.0"]) {
  Deno.test({
    name:
      `realtime-js (vsn ${vsn}) receives ticks and passes per camera, leaves, and is refused unknown topics`,
    // realtime-js keeps reconnect/heartbeat timers internally; they end with disconnect().
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const w = await _world();
      const client = new RealtimeClient(w.endpoint, { params: { apikey: "anon" }, vsn });
      try {
        const ch1 = client.channel("camera:cam_01", { config: { broadcast: { ack: true } } });
        const got1 = _collect(ch1);
        const ch2 = client.channel("camera:cam_02");
        const got2 = _collect(ch2);
        assert.equal(await _subscribe(ch1), "SUBSCRIBED");
        assert.equal(await _subscribe(ch2), "SUBSCRIBED");
        assert.equal(client.vsn, vsn);
        await _until(() => got1.some((m) => m.event === "status"), "the status on join");

        await w.notify(encodeTick(makeTick("cam_01", 42)));
        await w.notify(encodePassEvent(_PASS));
        await w.notify(encodeTick(makeTick("cam_02", 7)));
        await _until(() => got2.some((m) => m.payload.seq === 7), "cam_02 tick");
        await _until(() => got1.some((m) => m.event === "pass"), "the pass");
        const tick = got1.find((m) => m.event === "tick")!;
        assert.equal(tick.type, "broadcast");
        assert.equal(tick.payload.seq, 42);
        assert.equal(tick.payload.camera, "cam_01");
        assert.equal(got1.find((m) => m.event === "pass")!.payload.pass?.id, "p1");
        assert.ok(got2.every((m) => m.payload.camera === "cam_02"), "a topic gets only its camera");
        assert.ok(!got2.some((m) => m.event === "pass"));

        // The relay is read-only: a client broadcast is answered with an error.
        const sent = await ch1.send({ type: "broadcast", event: "shout", payload: { x: 1 } });
        assert.equal(sent, "error");

        // Leave stops delivery to that topic only.
        assert.equal(await ch1.unsubscribe(), "ok");
        const before = got1.length;
        await w.notify(encodeTick(makeTick("cam_01", 43)));
        await w.notify(encodeTick(makeTick("cam_02", 8)));
        await _until(() => got2.some((m) => m.payload.seq === 8), "cam_02 tick after the leave");
        assert.equal(got1.length, before, "nothing after leave");
        assert.equal(w.relay.hub.clientCount("cam_01"), 0);

        const lobby = client.channel("room:lobby");
        assert.match(await _subscribe(lobby), /CHANNEL_ERROR: .*unknown topic/);
        await client.removeChannel(lobby);
      } finally {
        await client.removeAllChannels();
        await w.close();
      }
    },
  });
}

Deno.test({
  name:
    "realtime-js with auth on: joins need a viewer JWT for that camera; heartbeats keep the socket",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const w = await _world();
    // The same hub behind a second endpoint with auth on and a short idle limit.
    const app = createPhoenixApp(w.relay.hub, { secret: SECRET }, {
      idleMs: 1_500,
      anonKeys: ["public-anon-key"],
    });
    let upgrades = 0;
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
      if (req.headers.get("upgrade")) upgrades++;
      return app.fetch(req);
    });
    const endpoint = `ws://127.0.0.1:${server.addr.port}/realtime/v1`;
    const exp = Math.floor(Date.now() / 1000) + 3600;
    const token = await signJwt(
      { sub: "viewer", role: "viewer", exp, cameras: ["cam_01"] },
      SECRET,
    );
    const heartbeats: string[] = [];
    const good = new RealtimeClient(endpoint, {
      params: { apikey: token },
      heartbeatIntervalMs: 300,
      heartbeatCallback: (status) => heartbeats.push(status),
    });
    const viaSetAuth = new RealtimeClient(endpoint, { params: { apikey: "public-anon-key" } });
    try {
      const http = `http://127.0.0.1:${server.addr.port}/realtime/v1/websocket`;
      for (
        const [query, status] of [
          ["?vsn=2.0.0", 401],
          ["?vsn=3.0.0&apikey=x", 400],
          // An invalid apikey is refused before the upgrade: no socket to send frames into.
          ["?vsn=2.0.0&apikey=not-a-token", 401],
        ] as const
      ) {
        const r = await fetch(http + query, { headers: { upgrade: "websocket" } });
        assert.equal(r.status, status, query);
        await r.body?.cancel();
      }
      const refused = new WebSocket(`${endpoint}/websocket?apikey=not-a-token&vsn=2.0.0`);
      const refusedEvent = await new Promise<Event>((r) => {
        refused.onerror = r;
        refused.onclose = r;
      });
      assert.notEqual(refused.readyState, WebSocket.OPEN, refusedEvent.type);
      // With only the public anon key, a join without its own access_token is refused.
      const anonOnly = new RealtimeClient(endpoint, { params: { apikey: "public-anon-key" } });
      assert.match(
        await _subscribe(anonOnly.channel("camera:cam_01")),
        /CHANNEL_ERROR: .*unauthorized: a token is required/,
      );
      await anonOnly.removeAllChannels();

      const other = good.channel("camera:cam_02");
      assert.match(await _subscribe(other), /CHANNEL_ERROR: .*may not read cam_02/);
      await good.removeChannel(other);

      await viaSetAuth.setAuth(token); // sent as the join's access_token
      assert.equal(await _subscribe(viaSetAuth.channel("camera:cam_01")), "SUBSCRIBED");
      await viaSetAuth.removeAllChannels(); // it heartbeats only every 25 s

      const ch = good.channel("camera:cam_01");
      const got = _collect(ch);
      assert.equal(await _subscribe(ch), "SUBSCRIBED");
      const upgradesBefore = upgrades;
      // Longer than the idle limit: only the client's heartbeats keep the socket open.
      await new Promise((r) => setTimeout(r, 3_500));
      assert.ok(good.isConnected(), "heartbeats kept the socket");
      assert.equal(upgrades, upgradesBefore, "no reconnect happened");
      assert.ok(heartbeats.filter((h) => h === "ok").length >= 3, heartbeats.join(","));
      await w.notify(encodeTick(makeTick("cam_01", 77)));
      await _until(() => got.some((m) => m.payload.seq === 77), "a tick after idle time");

      // A raw socket that never heartbeats is closed.
      const raw = new WebSocket(`${endpoint}/websocket?apikey=${token}&vsn=2.0.0`);
      const closed = new Promise<CloseEvent>((r) => raw.onclose = r);
      const code = (await closed).code;
      assert.equal(code, 1000);
    } finally {
      await good.removeAllChannels();
      await viaSetAuth.removeAllChannels();
      await server.shutdown();
      await w.close();
    }
  },
});
