import assert from "node:assert/strict";
import { bearer } from "../passes/testing.ts";
import { createRelayApp } from "./index.ts";
import { TickHub } from "./tick_hub.ts";

const SECRET = "relay-auth-test-secret-0123456789abcdef";

function _opened(ws: WebSocket, ms = 5000): Promise<"open" | "refused"> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve("refused"), ms);
    ws.onopen = () => {
      clearTimeout(t);
      resolve("open");
    };
    ws.onerror = () => {
      clearTimeout(t);
      resolve("refused");
    };
  });
}

Deno.test("relay /ws with auth on: a viewer token for that camera, else 401 before the upgrade", async () => {
  const hub = new TickHub();
  const app = createRelayApp(hub, { secret: SECRET });
  const server = Deno.serve({ port: 0, onListen: () => {} }, app.fetch);
  const url = `ws://127.0.0.1:${server.addr.port}/ws`;
  const token = async (cameras?: string[]) =>
    (await bearer(SECRET, { sub: "v", role: "viewer", cameras })).authorization.slice(7);
  try {
    // Refused before any upgrade: plain HTTP answers.
    const upgrade = { upgrade: "websocket", connection: "Upgrade" };
    const noToken = await app.request("/ws?camera=cam_01", { headers: upgrade });
    assert.equal(noToken.status, 401);
    assert.match((await noToken.json()).error, /token/);
    const badToken = await app.request(`/ws?camera=cam_01&token=${await token()}x`, {
      headers: upgrade,
    });
    assert.equal(badToken.status, 401);
    await badToken.body?.cancel();
    const otherCamera = await app.request(`/ws?camera=cam_02&token=${await token(["cam_01"])}`, {
      headers: upgrade,
    });
    assert.equal(otherCamera.status, 401);
    assert.match((await otherCamera.json()).error, /cam_02/);

    // Real sockets: refused without a token, open with one, and the hub gets the client.
    const refused = new WebSocket(`${url}?camera=cam_01`);
    assert.equal(await _opened(refused), "refused");
    const wrong = new WebSocket(`${url}?camera=cam_02&token=${await token(["cam_01"])}`);
    assert.equal(await _opened(wrong), "refused");
    assert.equal(hub.clientCount(), 0);
    const ok = new WebSocket(`${url}?camera=cam_01&token=${await token(["cam_01"])}`);
    assert.equal(await _opened(ok), "open");
    const closed = new Promise((r) => (ok.onclose = r));
    ok.close();
    await closed;

    // Auth off (dev): no token needed.
    const open = createRelayApp(new TickHub(), { secret: null });
    const r = await open.request("/ws?camera=cam_01");
    assert.equal(r.status, 426, "past auth, only the missing upgrade is refused");
    await r.body?.cancel();
  } finally {
    hub.close();
    await server.shutdown();
  }
});

Deno.test("relay /ws: a browser upgrade from a foreign Origin is refused (same origin and the allow-list pass)", async () => {
  const hub = new TickHub();
  const app = createRelayApp(hub, { secret: SECRET }, ["https://partner.example"]);
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, app.fetch);
  const host = `127.0.0.1:${server.addr.port}`;
  const token = (await bearer(SECRET, { sub: "v", role: "viewer" })).authorization.slice(7);
  // A raw upgrade with an Origin header, as a browser sends it; 101 = upgraded.
  const upgradeFrom = async (origin: string | null) => {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
    const lines = [
      `GET /ws?camera=cam_01&token=${token} HTTP/1.1`,
      `Host: ${host}`,
      "Upgrade: websocket",
      "Connection: Upgrade",
      "Sec-WebSocket-Version: 13",
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
      ...(origin ? [`Origin: ${origin}`] : []),
    ];
    await conn.write(new TextEncoder().encode(lines.join("\r\n") + "\r\n\r\n"));
    const buf = new Uint8Array(256);
    const n = await conn.read(buf);
    conn.close();
    return Number(/^HTTP\/1\.1 (\d+)/.exec(new TextDecoder().decode(buf.subarray(0, n ?? 0)))?.[1]);
  };
  try {
    assert.equal(await upgradeFrom("https://evil.example"), 403);
    assert.equal(await upgradeFrom("null"), 403);
    assert.equal(await upgradeFrom(`http://${host}`), 101, "same origin");
    assert.equal(await upgradeFrom("https://partner.example"), 101, "allow-listed");
    assert.equal(await upgradeFrom(null), 101, "not a browser");
  } finally {
    await new Promise((r) => setTimeout(r, 50));
    hub.close();
    await server.shutdown();
  }
});
