/**
 * The OpenTelemetry SDK wiring behind shared/telemetry.ts, imported only when OTLP export is
 * configured (a static import of this file would load the SDK into every process).
 * Traces: ParentBased/TraceIdRatio sampler from OTEL_TRACES_SAMPLER(_ARG), a batch processor,
 * the OTLP/HTTP JSON exporter. Metrics: a periodic reader with the OTLP/HTTP JSON exporter.
 */
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-http";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { defaultResource, resourceFromAttributes } from "@opentelemetry/resources";
import { MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  type Sampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";
import type { Env, Telemetry } from "./telemetry_types.ts";

/** stopline's default: 1 % of root spans (frames, requests), children follow their parent. */
export const DEFAULT_SAMPLER = "parentbased_traceidratio";
export const DEFAULT_SAMPLE_RATIO = 0.01;

/** The sampler named by OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG (spec semantics). */
export function samplerFromEnv(env: Env): Sampler {
  const name = (env("OTEL_TRACES_SAMPLER") ?? DEFAULT_SAMPLER).trim().toLowerCase();
  const argText = env("OTEL_TRACES_SAMPLER_ARG");
  const arg = argText === undefined || argText.trim() === "" ? NaN : Number(argText);
  const ratio = Number.isFinite(arg) && arg >= 0 && arg <= 1 ? arg : DEFAULT_SAMPLE_RATIO;
  switch (name) {
    case "always_on":
      return new AlwaysOnSampler();
    case "always_off":
      return new AlwaysOffSampler();
    case "traceidratio":
      return new TraceIdRatioBasedSampler(ratio);
    case "parentbased_always_on":
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case "parentbased_always_off":
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case "parentbased_traceidratio":
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
    default:
      throw new Error(`OTEL_TRACES_SAMPLER=${name} is not supported`);
  }
}

/** `${base}/v1/<signal>` unless the signal's own endpoint is set (OTLP/HTTP spec rules). */
export function signalUrl(env: Env, signal: "traces" | "metrics"): string | null {
  const own = env(`OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_ENDPOINT`);
  if (own) return own;
  const base = env("OTEL_EXPORTER_OTLP_ENDPOINT");
  return base ? `${base.replace(/\/+$/, "")}/v1/${signal}` : null;
}

/**
 * OTEL_RESOURCE_ATTRIBUTES (`k=v,k2=v2`, percent-encoded values) plus the service name:
 * OTEL_SERVICE_NAME, else the one in the attributes, else stopline's default for the process.
 * Read from `env` (not the process environment) so a test or a caller can pass its own.
 */
export function resourceAttributes(env: Env, serviceName: string): Record<string, string> {
  const attrs: Record<string, string> = {};
  for (const pair of (env("OTEL_RESOURCE_ATTRIBUTES") ?? "").split(",")) {
    const i = pair.indexOf("=");
    if (i <= 0) continue;
    try {
      attrs[pair.slice(0, i).trim()] = decodeURIComponent(pair.slice(i + 1).trim());
    } catch { /* a malformed value is skipped, as the spec allows */ }
  }
  attrs[ATTR_SERVICE_NAME] = env("OTEL_SERVICE_NAME")?.trim() || attrs[ATTR_SERVICE_NAME] ||
    serviceName;
  return attrs;
}

export function createTelemetry(env: Env, serviceName: string): Telemetry {
  const resource = defaultResource().merge(
    resourceFromAttributes(resourceAttributes(env, serviceName)),
  );
  const tracesUrl = signalUrl(env, "traces");
  const tracerProvider = new TracerProvider({
    resource,
    sampler: samplerFromEnv(env),
    spanProcessors: tracesUrl
      ? [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: tracesUrl }) })]
      : [],
  });
  const metricsUrl = signalUrl(env, "metrics");
  const intervalMs = Number(env("OTEL_METRIC_EXPORT_INTERVAL") ?? "60000");
  const meterProvider = new MeterProvider({
    resource,
    readers: metricsUrl
      ? [
        new PeriodicExportingMetricReader({
          exporter: new OTLPMetricExporter({ url: metricsUrl }),
          exportIntervalMillis: Number.isFinite(intervalMs) && intervalMs > 0 ? intervalMs : 60000,
        }),
      ]
      : [],
  });
  return {
    tracer: tracerProvider.getTracer("stopline"),
    meter: meterProvider.getMeter("stopline"),
    async forceFlush() {
      await Promise.all([tracerProvider.forceFlush(), meterProvider.forceFlush()]);
    },
    async shutdown() {
      await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
    },
  };
}
