import assert from "node:assert/strict";
import { healthHandler, metricLines } from "./server.ts";

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

Deno.test("metricLines renders Prometheus text", () => {
  const text = metricLines("stopline_fps", "gauge", "Processed frames per second.", [
    { labels: { camera: "cam_01" }, value: 14.9 },
    { labels: { camera: "cam_02" }, value: NaN },
  ]);
  assert.equal(
    text,
    '# HELP stopline_fps Processed frames per second.\n# TYPE stopline_fps gauge\nstopline_fps{camera="cam_01"} 14.9\nstopline_fps{camera="cam_02"} 0\n',
  );
});
