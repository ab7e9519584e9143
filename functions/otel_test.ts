/**
 * The functions server (functions/main.ts) with OTLP export on, against real Postgres and a real
 * OTLP/HTTP receiver: a request to GET /api/cameras is one server span named by its route, the
 * relay gauges arrive as OTel metrics, and the answer carries each camera's staleness chain.
 */
import assert from "node:assert/strict";
import { startOtlpReceiver } from "../dev/testing/otlp_receiver.ts";
import { startTestDatabase } from "../dev/testing/postgres.ts";
import { waitFor } from "../dev/testing/wait.ts";
import { stopTelemetry } from "../shared/telemetry.ts";
import { bearer } from "./passes/testing.ts";
import { startFunctions } from "./main.ts";

const JWT_SECRET = "otel-test-jwt-secret-0123456789abcdef-XYZ";

Deno.test({
  name: "functions server exports request spans and relay gauges over OTLP",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const db = await startTestDatabase();
    const receiver = startOtlpReceiver();
    const dir = await Deno.makeTempDir();
    const configPath = `${dir}/stopline.yaml`;
    await Deno.writeTextFile(configPath, "cameras:\n  cam_01:\n    source: rtsp://127.0.0.1:9/a\n");
    const env: Record<string, string> = {
      STOPLINE_JWT_SECRET: JWT_SECRET,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_TRACES_SAMPLER_ARG: "1",
      OTEL_METRIC_EXPORT_INTERVAL: "500",
    };
    for (const [k, v] of Object.entries(env)) Deno.env.set(k, v);
    const server = startFunctions({ databaseUrl: db.url, port: 0, configPath, log: () => {} });
    try {
      const viewer = await bearer(JWT_SECRET, { sub: "v", role: "viewer" });
      // The SDK loads asynchronously: requests before it are served untraced.
      const span = await waitFor(
        "a GET /api/cameras server span",
        async () => {
          const res = await fetch(`${server.url}/api/cameras`, { headers: viewer });
          const body = await res.json();
          assert.deepEqual(body.cameras[0].staleness, {
            camera_ms: null,
            decode_ms: null,
            infer_ms: null,
            publish_ms: null,
            relay_ms: null,
          }, "no analyzer has reported: every link unknown");
          return receiver.spans.find((s) => s.name === "GET /api/cameras");
        },
        20_000,
        700,
      );
      assert.equal(span.resource["service.name"], "stopline-functions");
      assert.equal(span.kind, 2, "SERVER");
      assert.equal(span.parentSpanId, "");
      assert.equal(span.attributes["http.response.status_code"], 200);
      const refused = await fetch(`${server.url}/api/cameras/cam_01`, { method: "DELETE" });
      assert.equal(refused.status, 401);
      // Refused by auth before any handler: named by the policy's pattern, not the raw path.
      const denied = await waitFor(
        "the refused request's span",
        () => receiver.spans.find((s) => s.attributes["http.response.status_code"] === 401),
        10_000,
      );
      assert.equal(denied.name, "DELETE /api/cameras/*");
      assert.equal(denied.attributes["url.path"], "/api/cameras/cam_01");
      const queued = await waitFor(
        "the relay queue depth over OTLP",
        () => receiver.points.find((p) => p.metric === "stopline_relay_queued_bytes"),
        10_000,
      );
      assert.equal(queued.value, 0);
    } finally {
      for (const k of Object.keys(env)) Deno.env.delete(k);
      await stopTelemetry();
      await server.close();
      await receiver.close();
      await db.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
