/**
 * `window.stopline`: read-only runtime facts for tests and the devtools console.
 */
import type { Tick } from "../../shared/tick.ts";

export interface StoplineDebug {
  camera: string;
  /** Valid ticks received. */
  ticks: number;
  lastTick: Tick | null;
  /** Boxes drawn on the last overlay frame, their opacity and the tick they came from. */
  drawnBoxes: number;
  overlayAlpha: number;
  shownSeq: number;
  videoState: string;
  /** Player mode in use and every mode tried with its outcome. */
  mode: string;
  attempts: { mode: string; outcome: string }[];
  /** Seconds behind the newest media the player holds. */
  videoLagS: number;
  /** Estimated capture-to-screen delay of the video (ms), null when unknown. */
  videoDelayMs: number | null;
  /** The operator's overlay offset (ms). */
  offsetMs: number;
  /** The capture time (unix ms) the overlay draws the tick of, evaluated now. */
  overlayTargetMs: number;
  /** Capture time of the last presented frame, from the player (null: unknown). */
  frameCaptureMs: number | null;
  /** `presentedFrames` of that frame (requestVideoFrameCallback). */
  framePresented: number;
  /**
   * How that capture time was found (live/media_match.ts): the frame's own tick by stream time,
   * a tick's anchor, or the player's estimate; null when unknown.
   */
  frameMatch: "tick" | "anchor" | "estimate" | null;
  /** ms from page start to the first frame playing. */
  firstFrameMs: number | null;
  /** `pass` messages received. */
  passes: number;
}

declare global {
  var stopline: StoplineDebug;
}
