import assert from "node:assert/strict";
import { TICK_CHANNEL } from "../../shared/channels.ts";
import { encodeTick } from "../../shared/tick.ts";
import { makeTick } from "../../shared/testing/ticks.ts";
import { withTestClient } from "../../dev/testing/postgres.ts";
import { startRelay } from "./index.ts";

function _nextMessage(ws: WebSocket, pred: (m: Record<string, unknown>) => boolean, ms = 5000) {
  return new Promise<Record<string, unknown>>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error("timeout waiting for message")), ms);
    const on = (e: MessageEvent) => {
      const m = JSON.parse(e.data);
      if (pred(m)) {
        clearTimeout(t);
        ws.removeEventListener("message", on);
        resolve(m);
      }
    };
    ws.addEventListener("message", on);
  });
}

Deno.test("relay forwards pg_notify ticks to WebSocket clients of that camera", () =>
  withTestClient(async (_q, pub, db) => {
    const relay = startRelay(db.url);
    const server = Deno.serve({ port: 0, onListen: () => {} }, relay.app.fetch);
    try {
      const port = server.addr.port;
      const bad = await fetch(`http://127.0.0.1:${port}/ws?camera=../x`);
      assert.equal(bad.status, 400);
      await bad.body?.cancel();

      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?camera=cam_01`);
      const status = await _nextMessage(ws, (m) => m.type === "status");
      assert.equal(status.analyzer, "offline");
      for (let i = 0; i < 50 && !relay.listener.connected; i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
      const online = _nextMessage(ws, (m) => m.type === "status" && m.analyzer === "online");
      const tick = _nextMessage(ws, (m) => m.type === "tick" && m.seq === 42);
      await pub.query("select pg_notify($1, $2)", [TICK_CHANNEL, "garbage"]);
      await pub.query("select pg_notify($1, $2)", [
        TICK_CHANNEL,
        encodeTick(makeTick("cam_02", 41)),
      ]);
      await pub.query("select pg_notify($1, $2)", [
        TICK_CHANNEL,
        encodeTick(makeTick("cam_01", 42)),
      ]);
      await online;
      const got = await tick;
      assert.equal(got.camera, "cam_01");
      assert.equal(relay.hub.rejected, 1);
      // No tick for a while: the relay reports the analyzer offline.
      const offline = await _nextMessage(
        ws,
        (m) => m.type === "status" && m.analyzer === "offline",
      );
      assert.equal(offline.camera, "cam_01");
      ws.close();
    } finally {
      await relay.close();
      await server.shutdown();
    }
  }));
