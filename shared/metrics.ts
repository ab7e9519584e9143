/**
 * Prometheus text exposition, shared by every process that serves `/metrics` (the analyzer's
 * health server and the functions' relay metrics).
 */

/** Format one metric family. Labels are camera ids (validated), so no escaping is needed. */
export function metricLines(
  name: string,
  type: "gauge" | "counter" | "summary",
  help: string,
  samples: { labels?: Record<string, string>; value: number }[],
): string {
  const out = [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`];
  for (const s of samples) {
    const l = s.labels
      ? "{" + Object.entries(s.labels).map(([k, v]) => `${k}="${v}"`).join(",") + "}"
      : "";
    // A quantile with no observations yet is NaN in Prometheus' text format; other values are 0.
    const v = Number.isFinite(s.value) ? s.value : type === "summary" ? "NaN" : 0;
    out.push(`${name}${l} ${v}`);
  }
  return out.join("\n") + "\n";
}
