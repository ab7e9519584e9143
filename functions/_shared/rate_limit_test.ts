import assert from "node:assert/strict";
import { Hono } from "hono";
import { clientIp, rateLimit } from "./rate_limit.ts";

Deno.test("rate limit: token bucket per client IP, 429 with Retry-After; X-Forwarded-For only when trusted", async () => {
  let t = 0;
  const make = (trustProxy: boolean) => {
    const app = new Hono();
    app.use("*", rateLimit({ perMinute: 30, burst: 3, trustProxy, now: () => t }));
    app.all("*", (c) => c.json({ ok: true }));
    return app;
  };
  const app = make(false);
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

  const proxied = make(true);
  const viaProxy = (xff: string) =>
    proxied.request("/x", { method: "POST", headers: { "x-forwarded-for": xff } }, {
      remoteAddr: { hostname: "127.0.0.1" },
    });
  for (let i = 0; i < 3; i++) assert.equal((await viaProxy("9.9.9.9, 5.5.5.5")).status, 200);
  assert.equal((await viaProxy("1.1.1.1, 5.5.5.5")).status, 429, "the proxy-appended hop counts");
  assert.equal((await viaProxy("5.5.5.6")).status, 200);

  const c = { req: { header: () => "1.1.1.1" }, env: { remoteAddr: { hostname: "2.2.2.2" } } };
  assert.equal(clientIp(c as never, false), "2.2.2.2");
  assert.equal(clientIp(c as never, true), "1.1.1.1");
});
