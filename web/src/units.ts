/**
 * Units come from the data: a field's name ends in its unit (`min_speed_px_s`, `stop_s`, later
 * `speed_mps`), so the pages read the unit off the field instead of repeating "px/s" literals
 * that would go wrong once calibrated speeds arrive.
 */

/** Name suffix -> unit symbol; longest suffix first (`_px_s` before `_s`). */
const _SUFFIX_UNITS: readonly (readonly [string, string])[] = [
  ["_px_s", "px/s"],
  ["_mps", "m/s"],
  ["_ms", "ms"],
  ["_s", "s"],
];

/** The unit symbol a field name carries ("" when it carries none). */
export function unitOf(field: string): string {
  for (const [suffix, unit] of _SUFFIX_UNITS) if (field.endsWith(suffix)) return unit;
  return "";
}

/** A field name for people: unit suffix dropped, underscores as spaces ("min_speed_px_s" -> "min speed"). */
export function fieldName(field: string): string {
  for (const [suffix] of _SUFFIX_UNITS) {
    if (field.endsWith(suffix) && field.length > suffix.length) {
      return field.slice(0, -suffix.length).replaceAll("_", " ");
    }
  }
  return field.replaceAll("_", " ");
}

/** A column or row title with its unit: "min speed (px/s)". */
export function fieldTitle(field: string): string {
  const unit = unitOf(field);
  return unit ? `${fieldName(field)} (${unit})` : fieldName(field);
}

/** A value with the unit its field names: ("stop_duration_s", 3.04, 2) -> "3.04 s"; "–" when unknown. */
export function fmtField(
  field: string,
  value: number | null | undefined,
  digits = 1,
  sep = " ",
): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  const unit = unitOf(field);
  return unit ? `${value.toFixed(digits)}${sep}${unit}` : value.toFixed(digits);
}
