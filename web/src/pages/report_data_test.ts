import assert from "node:assert/strict";
import type { StudyRow } from "../api.ts";
import { classesByCount, countsPerBin, speedField, speedPerBin } from "./report_data.ts";

function row(bin: string, cls: string, f: number, r: number, n: number, p85: number | null) {
  const count = f + r + n;
  return {
    bin_start: `2026-11-21T${bin}:00.000Z`,
    bin_end: "",
    class: cls,
    count,
    full_stop: f,
    rolling_stop: r,
    no_stop: n,
    full_stop_share: count ? f / count : null,
    rolling_stop_share: count ? r / count : null,
    no_stop_share: count ? n / count : null,
    approach_speed_median_px_s: p85,
    approach_speed_p85_px_s: p85,
    approach_speed_median_mps: null,
    approach_speed_p85_mps: p85 === null ? null : p85 / 10,
  } satisfies StudyRow;
}

Deno.test("report data: counts per bin over classes, busiest class, speeds in the study unit", () => {
  const rows = [
    row("08:00", "car", 2, 1, 1, 35.5),
    row("08:00", "truck", 0, 0, 1, 50),
    row("08:15", "car", 0, 1, 0, 100),
    row("08:15", "truck", 0, 0, 0, null),
  ];
  assert.deepEqual(countsPerBin(rows), [
    { bin_start: "2026-11-21T08:00:00.000Z", full_stop: 2, rolling_stop: 1, no_stop: 2, count: 5 },
    { bin_start: "2026-11-21T08:15:00.000Z", full_stop: 0, rolling_stop: 1, no_stop: 0, count: 1 },
  ]);
  assert.deepEqual(classesByCount(rows), ["car", "truck"]);
  assert.equal(speedField({ speed_unit: "mps" }, "p85"), "approach_speed_p85_mps");
  assert.deepEqual(speedPerBin({ speed_unit: "px_s", rows }, "truck"), [
    { bin_start: "2026-11-21T08:00:00.000Z", value: 50 },
    { bin_start: "2026-11-21T08:15:00.000Z", value: null },
  ]);
  assert.deepEqual(speedPerBin({ speed_unit: "mps", rows }, "car").map((x) => x.value), [
    3.55,
    10,
  ]);
});
