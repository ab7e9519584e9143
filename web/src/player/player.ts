/// <reference lib="dom" />
/**
 * What every live player (WHEP, LL-HLS, MSE relay) offers the page, so the fallback chain, the
 * HUD and the overlay clock treat them alike.
 */
import type { PlayerMode } from "../../../shared/app_config.ts";

export type VideoState =
  | "connecting"
  | "playing"
  | "buffering"
  | "unavailable"
  | "at_capacity";

export interface PlayerStats {
  mode: PlayerMode;
  state: VideoState;
  detail: string;
  /** Seconds between the playhead and the newest media the player holds. */
  lagS: number;
  reconnects: number;
  /** ms from start() to the first frame playing (first connection only). */
  firstFrameMs: number | null;
}

/**
 * How long ago (ms, local clock) the frame on screen was captured, and how that is known:
 * `pdt` from HLS program date-time, `rtp` from WebRTC capture timestamps, `estimate` from the
 * receive-side buffers (see each player).
 */
export interface VideoDelay {
  ms: number;
  source: "pdt" | "rtp" | "estimate";
}

/** A displayed frame's time on its stream's own timeline, as the player knows it. */
export interface FrameMediaTime {
  /** ms on the stream's timeline, or that modulo `wrapMs`. */
  ms: number;
  /** Known only modulo this (RTP timestamps wrap at 2^32 ticks of 90 kHz, ~13.3 h). */
  wrapMs?: number;
}

export interface LivePlayer {
  readonly mode: PlayerMode;
  readonly stats: PlayerStats;
  start(): void;
  /** Stop and release the session (WHEP: DELETE); safe to call twice and from pagehide. */
  stop(): void;
  videoDelay(): VideoDelay | null;
  /**
   * Capture time (unix ms, the analyzer's capture clock) of the frame `meta` describes (a
   * `requestVideoFrameCallback` of the playing video), or null when this player cannot tell
   * which frame of the camera's timeline it is (see arrival_clock.ts).
   */
  frameCaptureMs(meta: VideoFrameCallbackMetadata): number | null;
  /**
   * The same frame's time on its stream's own timeline (MSE: the fragments' tfdt; WebRTC: the
   * RTP timestamp), for matching it with the tick of that frame (live/media_match.ts); null
   * when unknown.
   */
  frameMediaTime(meta: VideoFrameCallbackMetadata): FrameMediaTime | null;
}

export type StateListener = (state: VideoState, detail: string) => void;

/** Live video: muted autoplay is the only autoplay browsers allow without a user gesture. */
export function prepareLiveVideo(video: HTMLVideoElement): void {
  video.muted = true;
  video.playsInline = true;
  video.autoplay = true;
}
