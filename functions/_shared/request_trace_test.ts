import assert from "node:assert/strict";
import { startOtlpReceiver } from "../../dev/testing/otlp_receiver.ts";
import { activeTelemetry, startTelemetry, stopTelemetry } from "../../shared/telemetry.ts";
import { createApiApp } from "./api_app.ts";
import { ApiError } from "./errors.ts";

function _app() {
  const app = createApiApp(["/api/things/*"], {
    auth: { secret: "0123456789abcdef0123456789abcdef" },
    access: "self", // the handlers below need no token
    log: () => {},
  });
  app.get("/api/things/:id", (c) => c.json({ id: c.req.param("id") }));
  app.get("/api/things", (c) => {
    if (c.req.query("camera") === "cam_bad") throw new Error("boom");
    throw new ApiError(404, "none");
  });
  return app;
}

Deno.test("each API request is one server span exported to a real OTLP receiver", async () => {
  const receiver = startOtlpReceiver();
  try {
    const env: Record<string, string> = {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_TRACES_SAMPLER_ARG: "1",
      OTEL_SERVICE_NAME: "stopline-functions-test",
    };
    const telemetry = await startTelemetry((n) => env[n], "stopline-functions");
    assert.ok(telemetry);
    const app = _app();
    assert.equal((await app.request("/api/things/t1")).status, 200);
    assert.equal((await app.request("/api/things?camera=cam_bad")).status, 500);
    await telemetry.forceFlush();
    assert.equal(receiver.spans.length, 2);
    const [ok, failed] = [...receiver.spans].sort((a, b) => a.startMs - b.startMs);
    assert.equal(ok.name, "GET /api/things/:id");
    assert.equal(ok.kind, 2, "SPAN_KIND_SERVER in OTLP's numbering");
    assert.equal(ok.parentSpanId, "");
    assert.equal(ok.attributes["http.route"], "/api/things/:id");
    assert.equal(ok.attributes["http.request.method"], "GET");
    assert.equal(ok.attributes["http.response.status_code"], 200);
    assert.equal(ok.resource["service.name"], "stopline-functions-test");
    assert.equal(failed.name, "GET /api/things");
    assert.equal(failed.attributes["stopline.camera"], "cam_bad");
    assert.equal(failed.attributes["http.response.status_code"], 500);
    assert.equal(failed.status.code, 2, "a 500 is an error span");
  } finally {
    await stopTelemetry();
    await receiver.close();
  }
});

Deno.test("without an OTLP endpoint nothing is started and requests are served as before", async () => {
  assert.equal(await startTelemetry(() => undefined, "stopline-functions"), null);
  assert.equal(activeTelemetry(), null);
  assert.equal((await _app().request("/api/things/t1")).status, 200);
});
