/**
 * `window.stopline`: read-only runtime facts for tests and the devtools console.
 */
import type { Tick } from "../../shared/tick.ts";

export interface StoplineDebug {
  camera: string;
  /** Valid ticks received. */
  ticks: number;
  lastTick: Tick | null;
  /** Boxes drawn on the last overlay frame. */
  drawnBoxes: number;
  videoState: string;
  /** Seconds behind the buffered live edge. */
  videoLagS: number;
  /** ms from page start to the first frame playing. */
  firstFrameMs: number | null;
}

declare global {
  var stopline: StoplineDebug;
}
