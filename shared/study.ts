/**
 * A traffic count study as GET /api/study serves it (functions/stats/study.ts) and the report
 * page reads it (web/src/api.ts): one schema for the function that writes the JSON and the page
 * that renders it.
 */
import { z } from "zod";

/** Bin lengths in seconds by the `bin` query value. */
export const STUDY_BINS = { "5m": 300, "15m": 900, "1h": 3600 } as const;
export type StudyBin = keyof typeof STUDY_BINS;

const share = z.number().min(0).max(1).nullable();
const speed = z.number().nonnegative().nullable();

export const StudyRowSchema = z.object({
  bin_start: z.iso.datetime({ offset: true }),
  bin_end: z.iso.datetime({ offset: true }),
  class: z.string(),
  count: z.number().int().nonnegative(),
  full_stop: z.number().int().nonnegative(),
  rolling_stop: z.number().int().nonnegative(),
  no_stop: z.number().int().nonnegative(),
  /** Shares of `count` (0-1); null for an empty bin. */
  full_stop_share: share,
  rolling_stop_share: share,
  no_stop_share: share,
  approach_speed_median_px_s: speed,
  approach_speed_p85_px_s: speed,
  /** Null unless every pass of the row has a road speed (calibrated camera). */
  approach_speed_median_mps: speed,
  approach_speed_p85_mps: speed,
});
export type StudyRow = z.infer<typeof StudyRowSchema>;

export const StudySchema = z.object({
  camera: z.string(),
  from: z.iso.datetime({ offset: true }),
  to: z.iso.datetime({ offset: true }),
  bin: z.enum(Object.keys(STUDY_BINS) as [StudyBin, ...StudyBin[]]),
  bin_s: z.number().int().positive(),
  speed_unit: z.enum(["mps", "px_s"]),
  percentile_method: z.string(),
  calibration: z.unknown(),
  config_revision: z.object({ id: z.string(), created_at: z.string(), etag: z.string() })
    .nullable(),
  config_changed_in_window: z.boolean(),
  rows: z.array(StudyRowSchema),
});
export type Study = z.infer<typeof StudySchema>;
