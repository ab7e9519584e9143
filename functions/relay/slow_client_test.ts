/**
 * Real sockets: a client that stops reading (TCP backpressure) misses ticks and is closed, while
 * a normal client on the same camera keeps getting every tick quickly; oversized client frames
 * are closed with 1009.
 */
import assert from "node:assert/strict";
import { encodeTick } from "../../shared/tick.ts";
import { makeTick } from "../../shared/testing/ticks.ts";
import { createRelayApp } from "./index.ts";
import { TickHub } from "./tick_hub.ts";

/** Open a WebSocket by hand and then never read from it: the stuck client. */
async function _stuckClient(port: number): Promise<Deno.TcpConn> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const req = `GET /ws?camera=cam_01 HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n` +
    `Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`;
  await conn.write(new TextEncoder().encode(req));
  return conn;
}

function _percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

Deno.test({
  name: "a stuck WebSocket client is dropped and does not slow the others",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const hub = new TickHub({ maxBufferedBytes: 256 * 1024, stuckCloseMs: 1500 });
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      createRelayApp(hub).fetch,
    );
    const port = server.addr.port;
    const stuck = await _stuckClient(port);
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?camera=cam_01`);
    const latencies: number[] = [];
    let ticks = 0;
    ws.onmessage = (e) => {
      const m = JSON.parse(e.data);
      if (m.type !== "tick") return;
      ticks++;
      latencies.push(Date.now() - m.ts);
    };
    await new Promise((r) => (ws.onopen = r));
    await new Promise((r) => setTimeout(r, 200));
    try {
      // ~7.5 KB ticks at 200 Hz (1.5 MB/s) until the stuck socket's kernel and send buffers
      // are full and the hub gives up on it (at most 20 s).
      let sent = 0;
      const t0 = Date.now();
      while ((hub.clientCount("cam_01") > 1 || sent < 600) && Date.now() - t0 < 20_000) {
        const t = makeTick("cam_01", sent++, 90);
        t.ts = Date.now();
        hub.publish(encodeTick(t));
        await new Promise((r) => setTimeout(r, 5));
      }
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(ticks, sent, "the healthy client got every tick");
      const p99 = _percentile(latencies, 99);
      console.log(
        `healthy client: p50 ${
          _percentile(latencies, 50)
        } ms, p99 ${p99} ms; dropped for the stuck one: ${hub.droppedTotal()}`,
      );
      // A hub that waited on the stuck socket would hold ticks for seconds; a few ms alone, and
      // 500 ms leaves room for a loaded host.
      assert.ok(p99 < 500, `p99 ${p99} ms`);
      assert.equal(hub.clientCount("cam_01"), 1, "the stuck client was closed");
    } finally {
      ws.close();
      stuck.close();
      hub.close();
      await server.shutdown();
    }
  },
});

Deno.test({
  name: "oversized client frames close the socket with 1009; bad camera ids get 400",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const hub = new TickHub();
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      createRelayApp(hub).fetch,
    );
    const port = server.addr.port;
    try {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?camera=cam_01`);
      await new Promise((r) => (ws.onopen = r));
      const closed = new Promise<number>((r) => (ws.onclose = (e) => r(e.code)));
      ws.send("x".repeat(10_000));
      assert.equal(await closed, 1009);
      for (const q of ["", "?camera=", "?camera=a%20b", `?camera=${"x".repeat(65)}`]) {
        const r = await fetch(`http://127.0.0.1:${port}/ws${q}`, {
          headers: { upgrade: "websocket" },
        });
        assert.equal(r.status, 400, q);
        await r.body?.cancel();
      }
    } finally {
      hub.close();
      await server.shutdown();
    }
  },
});
