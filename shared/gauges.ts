/**
 * Gauges defined once and exported twice: as Prometheus text on /metrics (metricLines) and, when
 * OTLP export is on, as OpenTelemetry observable gauges read at each export. Both read the same
 * `samples()` at collection time, so the two never disagree and nothing is kept in between.
 */
import type { Meter } from "@opentelemetry/api";
import { metricLines } from "./metrics.ts";

export interface GaugeSample {
  labels?: Record<string, string>;
  value: number;
}

export interface Gauge {
  /** Prometheus name (also the OTel instrument name). */
  name: string;
  help: string;
  /** UCUM unit for OTel ("ms", "By", "1"). */
  unit: string;
  samples(): GaugeSample[];
}

/** Prometheus text of every gauge. */
export function gaugeLines(gauges: Gauge[]): string {
  return gauges.map((g) => metricLines(g.name, "gauge", g.help, g.samples())).join("");
}

/** Register the gauges as OTel observable gauges on `meter` (values read at each export). */
export function observeGauges(meter: Meter, gauges: Gauge[]): void {
  for (const g of gauges) {
    meter.createObservableGauge(g.name, { description: g.help, unit: g.unit }).addCallback(
      (result) => {
        for (const s of g.samples()) {
          if (Number.isFinite(s.value)) result.observe(s.value, s.labels ?? {});
        }
      },
    );
  }
}
