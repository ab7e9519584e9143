/**
 * Event contracts (ARCHITECTURE §4) published beside ticks: Frigate-style track lifecycle events
 * and judged passes. Versioned; validated at every boundary.
 */
import { z } from "zod";
import { type Tick, TickSchema, TRACK_PHASES } from "./tick.ts";
import { VerdictSchema } from "./verdict.ts";

const cameraId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
const unit = z.number().min(0).max(1);

export const TrackSnapshotSchema = z.object({
  id: z.number().int().nonnegative(),
  label: z.string().min(1).max(32),
  conf: z.number().min(0).max(1),
  bbox: z.tuple([unit, unit, unit, unit]),
  speed_px_s: z.number().nonnegative(),
  phase: z.enum(TRACK_PHASES).nullable(),
  zone: z.string().max(32).nullable(),
  /** Why this vehicle's zone visit gets no pass (set from the entry on, kept to the end event). */
  unjudged: z.enum(["first_seen_in_zone"]).optional(),
});

export const TrackEventSchema = z.object({
  v: z.literal(1),
  type: z.literal("track_event"),
  event: z.enum(["new", "update", "end"]),
  camera: cameraId,
  ts: z.number().nonnegative(),
  before: TrackSnapshotSchema.nullable(),
  after: TrackSnapshotSchema.nullable(),
});

export const PassSummarySchema = z.object({
  id: z.string().min(1).max(200),
  camera: cameraId,
  track_id: z.number().int().nonnegative(),
  label: z.string().min(1).max(32),
  verdict: VerdictSchema,
  entered_at: z.number(),
  exited_at: z.number(),
  time_in_zone_s: z.number().nonnegative(),
  stop_duration_s: z.number().nonnegative(),
  min_speed_px_s: z.number().nonnegative(),
  entry_speed_px_s: z.number().nonnegative(),
  /** Road speeds, m/s: null when the camera is not calibrated (absent from older writers). */
  entry_speed_mps: z.number().nonnegative().nullable().optional(),
  min_speed_mps: z.number().nonnegative().nullable().optional(),
  max_speed_mps: z.number().nonnegative().nullable().optional(),
  image: z.string().startsWith("minio://").nullable(),
  /**
   * The replay clip, when the pass has one as the message is made: the API path (live, once the
   * clip is cut) or the clip file (offline CLI with --clips); clip_start is unix ms.
   */
  clip_url: z.string().min(1).nullable().optional(),
  clip_start: z.number().nullable().optional(),
  clip_duration_s: z.number().positive().nullable().optional(),
});

export const PassEventSchema = z.object({
  v: z.literal(1),
  type: z.literal("pass"),
  camera: cameraId,
  ts: z.number().nonnegative(),
  pass: PassSummarySchema,
});

export type TrackSnapshot = z.infer<typeof TrackSnapshotSchema>;
export type TrackEvent = z.infer<typeof TrackEventSchema>;
export type PassSummary = z.infer<typeof PassSummarySchema>;
export type PassEvent = z.infer<typeof PassEventSchema>;

export type RealtimeMessage = Tick | TrackEvent | PassEvent;

const _byType = {
  tick: TickSchema,
  track_event: TrackEventSchema,
  pass: PassEventSchema,
} as const;

/** Validate any message of the realtime plane; the error names the first bad field's path. */
export function parseRealtimeMessage(
  value: unknown,
): { ok: true; value: RealtimeMessage } | { ok: false; error: string } {
  const type = (value as { type?: unknown } | null)?.type;
  const schema = typeof type === "string" ? _byType[type as keyof typeof _byType] : undefined;
  if (!schema) return { ok: false, error: `type: unknown message type ${JSON.stringify(type)}` };
  const r = schema.safeParse(value);
  if (r.success) return { ok: true, value: r.data as RealtimeMessage };
  const issue = r.error.issues[0];
  return { ok: false, error: `${issue.path.join(".") || "(root)"}: ${issue.message}` };
}

/** The `pass` message for a judged pass (samples and quality stay in the database). */
export function encodePassEvent(p: PassSummary): string {
  // Parsing validates the summary and strips what is not part of it (quality, samples).
  const pass = PassSummarySchema.parse(p);
  const ev: PassEvent = { v: 1, type: "pass", camera: pass.camera, ts: pass.exited_at, pass };
  return JSON.stringify(ev);
}
