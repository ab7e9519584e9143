/**
 * The MQTT topics stopline publishes, in Frigate's style (`<prefix>/<camera>/<what>`):
 *
 *   stopline/available            online | offline (retained; offline is the Last Will)
 *   stopline/stats                whole-process stats JSON (retained, every 10 s)
 *   stopline/<camera>/status      live camera state JSON (retained): the HA entities read it
 *   stopline/<camera>/pass        each judged pass (the realtime plane's pass JSON), QoS 1
 *   stopline/<camera>/track_event each track lifecycle event (new/update/end), QoS 0
 *   stopline/<camera>/enabled     ON | OFF: whether the camera is analyzed (retained)
 *   stopline/<camera>/set/enabled ON | OFF sent by Home Assistant (or anyone allowed by the
 *                                 broker): pauses/resumes analysis like the API (issue #15 §5)
 */
import type { Verdict } from "../../../shared/verdict.ts";

export const DEFAULT_TOPIC_PREFIX = "stopline";

export function availableTopic(prefix: string): string {
  return `${prefix}/available`;
}

export function statsTopic(prefix: string): string {
  return `${prefix}/stats`;
}

export function cameraTopic(
  prefix: string,
  camera: string,
  what: "status" | "pass" | "track_event" | "enabled" | "set/enabled",
): string {
  return `${prefix}/${camera}/${what}`;
}

/** The subscription matching every camera's `set/enabled` command topic. */
export function setEnabledFilter(prefix: string): string {
  return `${prefix}/+/set/enabled`;
}

/** The camera a `set/enabled` topic addresses, or null for any other topic. */
export function setEnabledCamera(prefix: string, topic: string): string | null {
  const head = `${prefix}/`;
  const tail = "/set/enabled";
  if (!topic.startsWith(head) || !topic.endsWith(tail)) return null;
  const camera = topic.slice(head.length, -tail.length);
  return /^[A-Za-z0-9_-]{1,64}$/.test(camera) ? camera : null;
}

/** ON/OFF (any case, surrounding space ignored) as a boolean; null for anything else. */
export function parseSwitchPayload(payload: string): boolean | null {
  const p = payload.trim().toUpperCase();
  return p === "ON" ? true : p === "OFF" ? false : null;
}

/** The retained `stopline/<camera>/status` payload; Home Assistant's entities template it. */
export interface CameraStatusPayload {
  camera: string;
  /** When this state was taken, unix ms. */
  ts: number;
  fps: number;
  infer_ms: number;
  lag_ms: number;
  frames: number;
  dropped: number;
  /** Local calendar day the counters below cover (YYYY-MM-DD, the analyzer's time zone). */
  day: string;
  passes_today: number;
  /** Passes judged rolling_stop or no_stop. */
  violations_today: number;
  /** Percent of today's passes judged full_stop; null before the first pass of the day. */
  full_stop_share_pct: number | null;
  last_verdict: Verdict | null;
  /** A tracked vehicle is in the stop zone now. */
  vehicle_in_zone: boolean;
}

/** The retained `stopline/stats` payload. */
export interface StatsPayload {
  ts: number;
  uptime_s: number;
  cameras: Record<string, Omit<CameraStatusPayload, "camera" | "ts">>;
  mqtt: { published: number; dropped: number; queued: number };
}
