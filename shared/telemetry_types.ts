/** The types shared by shared/telemetry.ts and the SDK wiring it loads on demand. */
import type { Meter, Tracer } from "@opentelemetry/api";

export type Env = (name: string) => string | undefined;

/** A started SDK: a tracer and a meter that export over OTLP/HTTP. */
export interface Telemetry {
  readonly tracer: Tracer;
  readonly meter: Meter;
  /** Export what is buffered now (tests, shutdown). */
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}
