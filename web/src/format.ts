/** Display formatting shared by the pages. */

export const VERDICT_TEXT: Record<string, string> = {
  full_stop: "full stop",
  rolling_stop: "rolling stop",
  no_stop: "no stop",
};

export function verdictText(v: string): string {
  return VERDICT_TEXT[v] ?? v;
}

/** Local date and time, to the second ("2026-11-21 08:00:03"); "–" for nothing. */
export function fmtTime(t: string | number | null | undefined): string {
  if (t === null || t === undefined || t === "") return "–";
  const d = new Date(t);
  if (Number.isNaN(d.getTime())) return String(t);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ` +
    `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export function fmtNum(n: number | null | undefined, digits = 1, unit = ""): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "–";
  return `${n.toFixed(digits)}${unit}`;
}

/** What the site shows road speeds in (config `units`). */
export type Units = "metric" | "imperial";

/** A road speed in m/s as the site's units show it: "36 km/h" or "22 mph"; "–" when unknown. */
export function fmtRoadSpeed(mps: number | null | undefined, units: Units = "metric"): string {
  if (mps === null || mps === undefined || !Number.isFinite(mps)) return "–";
  return units === "imperial"
    ? `${Math.round(mps * 2.2369363)} mph`
    : `${Math.round(mps * 3.6)} km/h`;
}

/** The config's `units` (anything else: metric, the default). */
export function unitsOf(config: unknown): Units {
  return (config as { units?: unknown } | null | undefined)?.units === "imperial"
    ? "imperial"
    : "metric";
}

/** `<input type="datetime-local">` value -> ISO (UTC) for the API; "" stays "". */
export function localInputToIso(v: string): string {
  if (!v) return "";
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? "" : d.toISOString();
}

/** ISO -> `<input type="datetime-local">` value in local time. */
export function isoToLocalInput(iso: string | null): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${
    p(d.getMinutes())
  }`;
}
