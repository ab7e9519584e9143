/**
 * A judged pass as the passes API serves it (GET /api/passes, /api/passes/:id) and the web app
 * reads it: one schema for the function that writes the JSON and the pages that render it.
 * Times are ISO strings here (the realtime `pass` message in events.ts carries unix ms).
 */
import { z } from "zod";
import { TRACK_PHASES } from "./tick.ts";
import { VerdictSchema } from "./verdict.ts";

export const PassRowSchema = z.object({
  id: z.string().min(1).max(200),
  camera: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  track_id: z.number().int().nonnegative(),
  label: z.string().min(1).max(32),
  verdict: VerdictSchema,
  entered_at: z.iso.datetime({ offset: true }),
  exited_at: z.iso.datetime({ offset: true }),
  time_in_zone_s: z.number().nonnegative(),
  stop_duration_s: z.number().nonnegative(),
  min_speed_px_s: z.number().nonnegative(),
  entry_speed_px_s: z.number().nonnegative(),
  /** Road speeds, m/s: null when the camera is not calibrated. */
  entry_speed_mps: z.number().nonnegative().nullable(),
  min_speed_mps: z.number().nonnegative().nullable(),
  max_speed_mps: z.number().nonnegative().nullable(),
  /** The crop through the API (`/api/passes/<id>/image`), or null when there is none. */
  image_url: z.string().startsWith("/api/passes/").nullable(),
  /** The replay clip through the API (`/api/passes/<id>/clip`, video/mp4), null until it is cut. */
  clip_url: z.string().startsWith("/api/passes/").nullable(),
  /** Capture time of the clip's first frame (the replay aligns samples to it), with clip_url. */
  clip_start: z.iso.datetime({ offset: true }).nullable(),
  clip_duration_s: z.number().positive().nullable(),
});

/** One raw per-frame observation of the passing vehicle (approach -> exit). */
export const PassSampleSchema = z.object({
  /** Capture time: unix ms as the analyzer stores it (ISO accepted). */
  ts: z.union([z.number(), z.string()]),
  /** The judged point (the camera's anchor, by default the box's bottom centre), source px. */
  cx: z.number(),
  cy: z.number(),
  speed_px_s: z.number().nonnegative(),
  /** Road speed, m/s (calibrated cameras only). */
  speed_mps: z.number().nonnegative().optional(),
  phase: z.enum(TRACK_PHASES).nullable(),
  /** The vehicle's box [x, y, w, h], source px (passes stored before it was kept have none). */
  box: z.tuple([z.number(), z.number(), z.number().nonnegative(), z.number().nonnegative()])
    .optional(),
});

/** What the latest human review says: none, the verdict is right, or it is wrong. */
export const REVIEW_STATES = ["unreviewed", "confirmed", "corrected"] as const;
export type ReviewState = (typeof REVIEW_STATES)[number];

/** One human review of a pass (GET/POST /api/passes/:id/reviews): append-only. */
export const PassReviewSchema = z.object({
  id: z.string(),
  correct: z.boolean(),
  judged_verdict: VerdictSchema,
  actual_verdict: VerdictSchema,
  note: z.string(),
  reviewer: z.string(),
  created_at: z.iso.datetime({ offset: true }),
});
export type PassReview = z.infer<typeof PassReviewSchema>;

export const PassDetailSchema = PassRowSchema.extend({
  /** Track quality figures (coverage, gaps, what finalized the pass, ...). */
  quality: z.record(z.string(), z.unknown()),
  samples: z.array(PassSampleSchema),
  /** Kept forever: retention never deletes this pass or its evidence (absent: false). */
  keep: z.boolean().optional(),
  /** Absent from answers of servers older than the review work: read as "unreviewed". */
  review_state: z.enum(REVIEW_STATES).optional(),
});

export type PassRow = z.infer<typeof PassRowSchema>;
export type PassSample = z.infer<typeof PassSampleSchema>;
export type PassDetail = z.infer<typeof PassDetailSchema>;
