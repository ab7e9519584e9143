import assert from "node:assert/strict";
import { Hono } from "hono";
import { rateLimit } from "./rate_limit.ts";
import { clientIp, isTrusted, trustedProxiesFromEnv } from "./client_ip.ts";

Deno.test("rate limit: token bucket per client IP, 429 with Retry-After; X-Forwarded-For only when trusted", async () => {
  let t = 0;
  const make = (trustedProxies: string[]) => {
    const app = new Hono();
    app.use("*", rateLimit({ perMinute: 30, burst: 3, trustedProxies, now: () => t }));
    app.all("*", (c) => c.json({ ok: true }));
    return app;
  };
  const app = make([]);
  const put = (ip?: string) =>
    app.request("/x", {
      method: "PUT",
      headers: ip ? { "x-forwarded-for": ip } : {},
    }, { remoteAddr: { hostname: "10.0.0.1" } });
  for (let i = 0; i < 3; i++) assert.equal((await put()).status, 200);
  const limited = await put();
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get("retry-after"), "2"); // 30/min = one token per 2 s
  assert.equal((await limited.json()).error, "too many requests");
  // A spoofed X-Forwarded-For does not buy a fresh bucket when the proxy is not trusted.
  assert.equal((await put("1.2.3.4")).status, 429);
  // Reads are never limited.
  assert.equal((await app.request("/x", {}, { remoteAddr: { hostname: "10.0.0.1" } })).status, 200);
  t += 2000;
  assert.equal((await put()).status, 200);
  assert.equal((await put()).status, 429);

  const proxied = make(["127.0.0.1"]);
  const viaProxy = (xff: string, peer = "127.0.0.1") =>
    proxied.request("/x", { method: "POST", headers: { "x-forwarded-for": xff } }, {
      remoteAddr: { hostname: peer },
    });
  for (let i = 0; i < 3; i++) assert.equal((await viaProxy("9.9.9.9, 5.5.5.5")).status, 200);
  assert.equal((await viaProxy("1.1.1.1, 5.5.5.5")).status, 429, "the proxy-appended hop counts");
  assert.equal((await viaProxy("5.5.5.6")).status, 200);
  // From a peer that is not a trusted proxy, X-Forwarded-For is ignored: the peer is the client.
  for (let i = 0; i < 3; i++) assert.equal((await viaProxy(`7.7.7.${i}`, "8.8.8.8")).status, 200);
  assert.equal((await viaProxy("7.7.7.9", "8.8.8.8")).status, 429);

  const c = { req: { header: () => "1.1.1.1" }, env: { remoteAddr: { hostname: "2.2.2.2" } } };
  assert.equal(clientIp(c as never, []), "2.2.2.2");
  assert.equal(clientIp(c as never, ["2.2.2.2"]), "1.1.1.1");
});

Deno.test("rate limit: authenticated requests are keyed by token subject, not by address", async () => {
  const app = new Hono();
  app.use("*", async (c, next) => {
    const sub = c.req.header("x-test-sub");
    if (sub) c.set("claims" as never, { sub, role: "operator" } as never);
    await next();
  });
  app.use("*", rateLimit({ perMinute: 1, burst: 2, now: () => 0 }));
  app.all("*", (c) => c.json({ ok: true }));
  const post = (sub: string | null) =>
    app.request("/x", { method: "POST", headers: sub ? { "x-test-sub": sub } : {} }, {
      remoteAddr: { hostname: "10.0.0.9" }, // everyone behind the same proxy address
    });
  // Anonymous requests from the shared address use up their own bucket...
  assert.equal((await post(null)).status, 200);
  assert.equal((await post(null)).status, 200);
  assert.equal((await post(null)).status, 429);
  // ...not the operator's, and operators do not share one.
  assert.equal((await post("op-1")).status, 200);
  assert.equal((await post("op-1")).status, 200);
  assert.equal((await post("op-1")).status, 429);
  assert.equal((await post("op-2")).status, 200);
});

Deno.test("trusted proxies: IPs and CIDRs, IPv4 and IPv6; bad entries refused", () => {
  assert.deepEqual(trustedProxiesFromEnv(() => " 127.0.0.1, 10.0.0.0/8,::1 "), [
    "127.0.0.1",
    "10.0.0.0/8",
    "::1",
  ]);
  assert.throws(() => trustedProxiesFromEnv(() => "proxy.example"), /not an IP/);
  assert.throws(() => trustedProxiesFromEnv(() => "10.0.0.0/33"), /not an IP/);
  assert.ok(isTrusted("10.1.2.3", ["10.0.0.0/8"]));
  assert.ok(!isTrusted("11.1.2.3", ["10.0.0.0/8"]));
  assert.ok(isTrusted("::ffff:10.1.2.3", ["10.0.0.0/8"]));
  assert.ok(isTrusted("::1", ["::1"]));
  assert.ok(isTrusted("fd00::5", ["fd00::/8"]));
  assert.ok(!isTrusted("fe80::5", ["fd00::/8"]));
  assert.ok(!isTrusted("garbage", ["0.0.0.0/0"]));
});
