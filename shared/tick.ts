/**
 * Overlay tick contract (ARCHITECTURE §4): analyzer -> relay -> browser, latest-state.
 * Versioned; validated at every boundary with `parseTick`.
 */
import { z } from "zod";

export const TRACK_PHASES = ["approach", "in_zone", "stopped", "leaving"] as const;

const unit = z.number().min(0).max(1);

export const TickTrackSchema = z.object({
  id: z.number().int().nonnegative(),
  label: z.string().min(1).max(32),
  conf: z.number().min(0).max(1),
  bbox: z.tuple([unit, unit, unit, unit]),
  speed_px_s: z.number().nonnegative().nullable().optional(),
  zone: z.string().max(32).nullable().optional(),
  phase: z.enum(TRACK_PHASES).nullable().optional(),
  stop_s: z.number().nonnegative().nullable().optional(),
  /** Road speed, m/s: only from calibrated cameras (absent otherwise, to keep ticks small). */
  speed_mps: z.number().nonnegative().nullable().optional(),
});

export const TickSchema = z.object({
  v: z.literal(1),
  type: z.literal("tick"),
  camera: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  seq: z.number().int().nonnegative(),
  ts: z.number().nonnegative(),
  /**
   * The frame's PTS in its stream's own timeline, ms: with the dev media relay, the relay's fMP4
   * time (the analyzer reads it with `-copyts`), which the MSE player sees in the fragments' tfdt
   * and the relay's WHEP in the RTP timestamps. Lets a player pick this very tick for the frame
   * on screen (web/src/live/media_match.ts); a source without a shared timeline never matches.
   */
  media_ms: z.number().optional(),
  frame: z.object({ w: z.number().int().positive(), h: z.number().int().positive() }),
  space: z.literal("source"),
  tracks: z.array(TickTrackSchema).max(500),
  stats: z.object({
    fps: z.number().nonnegative(),
    infer_ms: z.number().nonnegative(),
    lag_ms: z.number(),
    dropped: z.number().int().nonnegative(),
    /**
     * Share of the processed frames of the last 10 s the detector ran on, 0..1 (motion gating:
     * the other frames' tracks are predicted; 1 when every frame is detected).
     */
    detected_share: unit.optional(),
  }),
  truncated: z.boolean().optional(),
});

export type TickTrack = z.infer<typeof TickTrackSchema>;
export type Tick = z.infer<typeof TickSchema>;

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

/** Validate an unknown value as a tick; the error names the first bad field's path. */
export function parseTick(value: unknown): ParseResult<Tick> {
  const r = TickSchema.safeParse(value);
  if (r.success) return { ok: true, value: r.data };
  const issue = r.error.issues[0];
  return { ok: false, error: `${issue.path.join(".") || "(root)"}: ${issue.message}` };
}

/** Postgres NOTIFY payloads must be under 8000 bytes. */
export const NOTIFY_MAX_BYTES = 7999;

const encoder = new TextEncoder();

/**
 * Serialize a tick to at most `maxBytes` UTF-8 bytes. A tick that does not fit degrades by
 * dropping its lowest-confidence tracks and is marked `truncated: true`; it never fails.
 */
export function encodeTick(tick: Tick, maxBytes = NOTIFY_MAX_BYTES): string {
  let text = JSON.stringify(tick);
  if (encoder.encode(text).length <= maxBytes) return text;
  const tracks = [...tick.tracks].sort((a, b) => b.conf - a.conf);
  // Binary search the largest prefix of tracks (by confidence) that fits.
  let lo = 0;
  let hi = tracks.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    const t = JSON.stringify({ ...tick, tracks: tracks.slice(0, mid), truncated: true });
    if (encoder.encode(t).length <= maxBytes) lo = mid;
    else hi = mid - 1;
  }
  text = JSON.stringify({ ...tick, tracks: tracks.slice(0, lo), truncated: true });
  return text;
}
