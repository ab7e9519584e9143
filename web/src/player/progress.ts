/// <reference lib="dom" />
/**
 * Playback progress, judged the same way for every player: "playing" once currentTime
 * advances, "buffering" when it has not moved for a while. Records time to first frame.
 */
import type { VideoState } from "./player.ts";

export class ProgressWatch {
  #lastTime = -1;
  #lastAdvanceAt = 0;
  #startedAt = performance.now();
  firstFrameMs: number | null = null;

  constructor(readonly stallMs = 1500) {}

  /** Restart the first-frame clock (a fresh start(), not a reconnect). */
  restart(): void {
    this.#startedAt = performance.now();
    this.#lastTime = -1;
  }

  /** Forget the last position (a new stream generation starts over at 0). */
  resetPosition(): void {
    this.#lastTime = -1;
  }

  /** ms since the playhead last moved (0 before it ever moved). */
  stalledFor(now = performance.now()): number {
    return this.#lastTime < 0 ? 0 : now - this.#lastAdvanceAt;
  }

  /** Given the video now, the state to show (undefined: leave it as it is). */
  check(video: HTMLVideoElement, current: VideoState, now = performance.now()) {
    if (video.currentTime !== this.#lastTime && !video.paused && video.readyState >= 2) {
      this.#lastTime = video.currentTime;
      this.#lastAdvanceAt = now;
      if (current !== "playing") {
        this.firstFrameMs ??= Math.round(now - this.#startedAt);
        return "playing" as const;
      }
    } else if (current === "playing" && now - this.#lastAdvanceAt > this.stallMs) {
      return "buffering" as const;
    }
    return undefined;
  }
}
