import assert from "node:assert/strict";
import { createApiApp } from "./api_app.ts";
import { corsMiddleware, corsOriginsFromEnv } from "./cors.ts";
import { signJwt } from "./jwt.ts";

const SECRET = "shared-api-test-secret-0123456789abcdef";

Deno.test("CORS: allowlist only, preflight answered before auth; none configured = no headers", async () => {
  assert.deepEqual(corsOriginsFromEnv(() => " https://a.example/ ,https://b.example,"), [
    "https://a.example",
    "https://b.example",
  ]);
  assert.deepEqual(corsOriginsFromEnv(() => undefined), []);
  const make = (origins: string[]) => {
    const app = createApiApp(["/api/x/*"], { auth: { secret: SECRET }, corsOrigins: origins });
    app.get("/api/x", (c) => c.json({ ok: true }));
    return app;
  };
  const app = make(["https://a.example"]);
  const pre = await app.request("/api/x", {
    method: "OPTIONS",
    headers: {
      origin: "https://a.example",
      "access-control-request-method": "PUT",
      "access-control-request-headers": "authorization, if-match",
    },
  });
  assert.equal(pre.status, 204);
  assert.equal(pre.headers.get("access-control-allow-origin"), "https://a.example");
  assert.match(pre.headers.get("access-control-allow-methods") ?? "", /PUT/);
  assert.match(pre.headers.get("access-control-allow-headers") ?? "", /if-match/);
  const tok = await signJwt({ sub: "v", role: "viewer", exp: Date.now() / 1000 + 600 }, SECRET);
  const get = await app.request("/api/x", {
    headers: { origin: "https://a.example", authorization: `Bearer ${tok}` },
  });
  assert.equal(get.status, 200);
  assert.equal(get.headers.get("access-control-allow-origin"), "https://a.example");
  const evil = await app.request("/api/x", {
    headers: { origin: "https://evil.example", authorization: `Bearer ${tok}` },
  });
  assert.equal(evil.headers.get("access-control-allow-origin"), null);
  // Default: same origin only, no CORS headers at all (and a preflight is just unauthorized).
  const none = make([]);
  const r = await none.request("/api/x", {
    headers: { origin: "https://a.example", authorization: `Bearer ${tok}` },
  });
  assert.equal(r.headers.get("access-control-allow-origin"), null);
  assert.equal((await none.request("/api/x", { method: "OPTIONS" })).status, 401);
  // Without auth configured, a 401 still carries no stack and is JSON.
  assert.equal((await app.request("/api/x")).status, 401);
  assert.ok(corsMiddleware([]));
});
