/**
 * What the Report page draws from a study (GET /api/study): per-bin verdict counts over all
 * classes, and one class's 85th-percentile approach speed per bin in the study's unit.
 */
import type { Study, StudyRow } from "../api.ts";

export interface BinCounts {
  bin_start: string;
  full_stop: number;
  rolling_stop: number;
  no_stop: number;
  count: number;
}

/** Verdict counts per bin, all classes summed, in bin order. */
export function countsPerBin(rows: readonly StudyRow[]): BinCounts[] {
  const bins = new Map<string, BinCounts>();
  for (const r of rows) {
    const b = bins.get(r.bin_start) ??
      { bin_start: r.bin_start, full_stop: 0, rolling_stop: 0, no_stop: 0, count: 0 };
    b.full_stop += r.full_stop;
    b.rolling_stop += r.rolling_stop;
    b.no_stop += r.no_stop;
    b.count += r.count;
    bins.set(r.bin_start, b);
  }
  return [...bins.values()].sort((a, b) => a.bin_start.localeCompare(b.bin_start));
}

/** Classes by total count, busiest first (the default class of the speed chart). */
export function classesByCount(rows: readonly StudyRow[]): string[] {
  const totals = new Map<string, number>();
  for (const r of rows) totals.set(r.class, (totals.get(r.class) ?? 0) + r.count);
  return [...totals.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([c]) => c);
}

/** The field of the study's headline unit: m/s when calibrated, else px/s. */
export function speedField(study: Pick<Study, "speed_unit">, which: "median" | "p85") {
  return `approach_speed_${which}_${study.speed_unit}` as
    | "approach_speed_median_mps"
    | "approach_speed_p85_mps"
    | "approach_speed_median_px_s"
    | "approach_speed_p85_px_s";
}

/** One class's speed per bin (null: no passes in that bin). */
export function speedPerBin(
  study: Pick<Study, "speed_unit" | "rows">,
  cls: string,
  which: "median" | "p85" = "p85",
): { bin_start: string; value: number | null }[] {
  const f = speedField(study, which);
  return study.rows.filter((r) => r.class === cls).map((r) => ({
    bin_start: r.bin_start,
    value: r[f],
  }));
}
