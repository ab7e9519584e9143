import assert from "node:assert/strict";
import { ROOT_CONTEXT, SpanKind } from "@opentelemetry/api";
import { SamplingDecision } from "@opentelemetry/sdk-trace";
import { resourceAttributes, samplerFromEnv, signalUrl } from "./telemetry_sdk.ts";
import { telemetryEnabled } from "./telemetry.ts";

const _env = (vars: Record<string, string>) => (n: string) => vars[n];

function _sampledShare(vars: Record<string, string>, n = 4000): number {
  const sampler = samplerFromEnv(_env(vars));
  let sampled = 0;
  for (let i = 0; i < n; i++) {
    const traceId = crypto.randomUUID().replaceAll("-", "");
    const r = sampler.shouldSample(ROOT_CONTEXT, traceId, "frame", SpanKind.INTERNAL, {}, []);
    if (r.decision === SamplingDecision.RECORD_AND_SAMPLED) sampled++;
  }
  return sampled / n;
}

Deno.test("sampler: 1 % of root spans by default, OTEL_TRACES_SAMPLER(_ARG) semantics otherwise", () => {
  assert.match(samplerFromEnv(_env({})).toString(), /ParentBased\{root=TraceIdRatioBased\{0\.01\}/);
  const byDefault = _sampledShare({});
  assert.ok(byDefault > 0.002 && byDefault < 0.025, `default share ${byDefault}`);
  const quarter = _sampledShare({ OTEL_TRACES_SAMPLER_ARG: "0.25" });
  assert.ok(quarter > 0.2 && quarter < 0.3, `ratio 0.25 share ${quarter}`);
  assert.equal(_sampledShare({ OTEL_TRACES_SAMPLER: "always_off" }, 200), 0);
  assert.equal(_sampledShare({ OTEL_TRACES_SAMPLER: "parentbased_always_on" }, 200), 1);
  assert.match(
    samplerFromEnv(_env({ OTEL_TRACES_SAMPLER_ARG: "7" })).toString(),
    /\{0\.01\}/,
    "an out-of-range ratio falls back to the default",
  );
  assert.throws(() => samplerFromEnv(_env({ OTEL_TRACES_SAMPLER: "jaeger_remote" })), /supported/);
});

Deno.test("OTLP endpoints, resource attributes and the on/off switch follow the OTel env spec", () => {
  const base = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318/" };
  assert.equal(signalUrl(_env(base), "traces"), "http://collector:4318/v1/traces");
  assert.equal(
    signalUrl(_env({ ...base, OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: "http://m:9/x" }), "metrics"),
    "http://m:9/x",
  );
  assert.equal(signalUrl(_env({}), "metrics"), null);
  assert.deepEqual(
    resourceAttributes(
      _env({ OTEL_RESOURCE_ATTRIBUTES: "deployment.environment=prod,site=north%20gate,bad" }),
      "stopline-analyzer",
    ),
    { "deployment.environment": "prod", site: "north gate", "service.name": "stopline-analyzer" },
  );
  assert.equal(
    resourceAttributes(_env({ OTEL_SERVICE_NAME: "edge-1" }), "stopline-analyzer")["service.name"],
    "edge-1",
  );
  assert.equal(telemetryEnabled(_env({})), false);
  assert.equal(telemetryEnabled(_env(base)), true);
  assert.equal(telemetryEnabled(_env({ ...base, OTEL_SDK_DISABLED: "true" })), false);
});
