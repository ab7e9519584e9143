/// <reference lib="dom" />
/**
 * The capture time of the frame on screen, frame by frame: a `requestVideoFrameCallback` loop
 * asks the player which frame of the camera's timeline each presented frame is (see
 * player.frameCaptureMs). The overlay draws the tick of that capture time, so boxes change
 * with the picture, not with the page's own clock. Browsers without the callback (and players
 * that cannot tell) leave it null: the page then falls back to now - the player's delay.
 */
export class FrameCaptureWatch {
  /** Capture time (unix ms) of the last presented frame; null when unknown. */
  captureMs: number | null = null;
  /** `presentedFrames` of that frame (tests check they read the same frame). */
  presentedFrames = -1;
  readonly #video: HTMLVideoElement;
  readonly #capture: (meta: VideoFrameCallbackMetadata) => number | null;
  #handle = 0;
  #running = false;
  readonly #onEmptied = () => {
    this.captureMs = null;
    this.presentedFrames = -1;
  };

  constructor(
    video: HTMLVideoElement,
    capture: (meta: VideoFrameCallbackMetadata) => number | null,
  ) {
    this.#video = video;
    this.#capture = capture;
  }

  start(): void {
    if (this.#running || !("requestVideoFrameCallback" in this.#video)) return;
    this.#running = true;
    // A new source (reconnect, another mode): the last frame's time no longer applies.
    this.#video.addEventListener("emptied", this.#onEmptied);
    const onFrame = (_now: number, meta: VideoFrameCallbackMetadata) => {
      if (!this.#running) return;
      this.#handle = this.#video.requestVideoFrameCallback(onFrame);
      this.captureMs = this.#capture(meta);
      this.presentedFrames = meta.presentedFrames;
    };
    this.#handle = this.#video.requestVideoFrameCallback(onFrame);
  }

  stop(): void {
    this.#running = false;
    this.#video.removeEventListener("emptied", this.#onEmptied);
    if ("cancelVideoFrameCallback" in this.#video) {
      this.#video.cancelVideoFrameCallback(this.#handle);
    }
    this.#onEmptied();
  }
}
