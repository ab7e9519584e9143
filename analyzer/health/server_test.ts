import assert from "node:assert/strict";
import { healthHandler } from "./server.ts";

Deno.test("healthz is liveness; readyz reports reasons with 503 until ready", async () => {
  let ready = { ready: false, reasons: ["cam_01: no frame for 12.0 s", "database unreachable"] };
  const h = healthHandler({ readiness: () => ready, metrics: () => "x 1\n" });
  const live = h(new Request("http://a/healthz"));
  assert.equal(live.status, 200);
  const notReady = h(new Request("http://a/readyz"));
  assert.equal(notReady.status, 503);
  assert.deepEqual((await notReady.json()).reasons, ready.reasons);
  ready = { ready: true, reasons: [] };
  assert.equal(h(new Request("http://a/readyz")).status, 200);
  assert.equal(h(new Request("http://a/nope")).status, 404);
  assert.equal(h(new Request("http://a/healthz", { method: "POST" })).status, 405);
});
