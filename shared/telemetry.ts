/**
 * OpenTelemetry for every process (analyzer, functions), switched by the standard environment:
 * with `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) set, traces and
 * metrics go out over OTLP/HTTP (JSON) through the official `@opentelemetry/*` SDK; without it
 * nothing is loaded at all. The SDK lives in telemetry_sdk.ts and is imported dynamically only
 * when the environment asks for it, so an unset environment costs one null check per use.
 *
 * Settings (standard OTel names): OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES,
 * OTEL_TRACES_SAMPLER (default parentbased_traceidratio), OTEL_TRACES_SAMPLER_ARG (default 0.01:
 * 1 % of frames and requests), OTEL_EXPORTER_OTLP_HEADERS, OTEL_METRIC_EXPORT_INTERVAL (ms),
 * OTEL_SDK_DISABLED=true turns it all off.
 */
import { redactSecrets } from "./redact.ts";
import type { Env, Telemetry } from "./telemetry_types.ts";

export type { Env, Telemetry };

/** Whether the environment asks for export (an OTLP endpoint set, the SDK not disabled). */
export function telemetryEnabled(env: Env): boolean {
  if (env("OTEL_SDK_DISABLED")?.trim().toLowerCase() === "true") return false;
  return Boolean(env("OTEL_EXPORTER_OTLP_ENDPOINT") || env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"));
}

let _active: Telemetry | null = null;
let _starting: Promise<Telemetry | null> | null = null;

/** The process's started SDK, or null (not configured, or still loading). */
export function activeTelemetry(): Telemetry | null {
  return _active;
}

/**
 * Start the SDK when the environment asks for it (null otherwise) and make it the process's
 * active one. `serviceName` is the default for OTEL_SERVICE_NAME. One SDK per process: a second
 * call (every function module asks) gets the first one. Failures to load are logged and give
 * null: telemetry never stops the service it observes.
 */
export function startTelemetry(
  env: Env,
  serviceName: string,
  log: (m: string) => void = console.error,
): Promise<Telemetry | null> {
  if (_starting) return _starting;
  if (!telemetryEnabled(env)) return Promise.resolve(null);
  _starting = (async () => {
    try {
      const sdk = await import("./telemetry_sdk.ts");
      _active = sdk.createTelemetry(env, serviceName);
      return _active;
    } catch (e) {
      log(`OpenTelemetry not started: ${redactSecrets((e as Error).message)}`);
      return null;
    }
  })();
  return _starting;
}

/** Stop exporting (flushes first) and forget the active SDK. */
export async function stopTelemetry(): Promise<void> {
  const t = _active;
  _active = null;
  _starting = null;
  await t?.shutdown().catch(() => {});
}
