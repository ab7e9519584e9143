/**
 * Status contract (ARCHITECTURE §4): what a relay tells a client about the camera it watches.
 * The tick relay (`/ws`, Phoenix broadcasts) reports the analyzer online/offline, or paused when
 * an operator paused the camera's analysis (runtime control: the video keeps playing); the video relay
 * reports its source going offline (a fresh `init` follows when the source is back).
 */
import { z } from "zod";

const cameraId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

export const ANALYZER_STATES = ["online", "offline", "paused"] as const;

export const AnalyzerStatusSchema = z.object({
  v: z.literal(1),
  type: z.literal("status"),
  camera: cameraId,
  analyzer: z.enum(ANALYZER_STATES),
});

export const VideoStatusSchema = z.object({
  v: z.literal(1),
  type: z.literal("status"),
  camera: cameraId,
  video: z.literal("offline"),
  /** Why the video stopped (ffmpeg exit, source unreachable, ...), for the player to show. */
  reason: z.string(),
});

export const StatusSchema = z.union([AnalyzerStatusSchema, VideoStatusSchema]);

export type AnalyzerState = (typeof ANALYZER_STATES)[number];
export type AnalyzerStatus = z.infer<typeof AnalyzerStatusSchema>;
export type VideoStatus = z.infer<typeof VideoStatusSchema>;
export type Status = z.infer<typeof StatusSchema>;

/**
 * The tick relay's status message for `camera` (true/false: online/offline). The analyzer sends
 * the "paused" one itself, on the realtime plane, while a camera's analysis is paused.
 */
export function analyzerStatusText(camera: string, state: boolean | AnalyzerState): string {
  const msg: AnalyzerStatus = {
    v: 1,
    type: "status",
    camera,
    analyzer: state === true ? "online" : state === false ? "offline" : state,
  };
  return JSON.stringify(msg);
}

/** The video relay's message telling the player why video stopped. */
export function videoOfflineText(camera: string, reason: string): string {
  const msg: VideoStatus = { v: 1, type: "status", camera, video: "offline", reason };
  return JSON.stringify(msg);
}

/** The analyzer state in a message, or null when it is not a valid analyzer status. */
export function parseAnalyzerStatus(value: unknown): AnalyzerState | null {
  const r = AnalyzerStatusSchema.safeParse(value);
  return r.success ? r.data.analyzer : null;
}
