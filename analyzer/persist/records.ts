/** Rows the analyzer writes to Postgres (schema: supabase/migrations/*_passes.sql). */
import type { PassSummary } from "../../shared/events.ts";

/** A judged pass with its quality figures and raw samples. */
export interface PassRecord extends PassSummary {
  quality: Record<string, unknown>;
  samples: unknown[];
}

/** One downsampled track state (car_state_history). */
export interface SampleRow {
  camera: string;
  track_id: number;
  /** Capture time, unix ms. */
  ts: number;
  cx: number;
  cy: number;
  speed_px_s: number;
  phase: string | null;
  bbox: [number, number, number, number];
}

/** A track lifecycle event (track_events). */
export interface EventRow {
  camera: string;
  track_id: number;
  event: "new" | "update" | "end";
  ts: number;
  before: unknown;
  after: unknown;
}
