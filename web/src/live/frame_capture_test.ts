/// <reference lib="dom" />
import assert from "node:assert/strict";
import { FrameCaptureWatch } from "./frame_capture.ts";

/** Just the parts of a <video> the watch uses: frame callbacks and the `emptied` event. */
class _Video extends EventTarget {
  callbacks = new Map<number, VideoFrameRequestCallback>();
  #next = 1;
  requestVideoFrameCallback(cb: VideoFrameRequestCallback): number {
    this.callbacks.set(this.#next, cb);
    return this.#next++;
  }
  cancelVideoFrameCallback(handle: number): void {
    this.callbacks.delete(handle);
  }
  /** Present one frame: every pending callback runs once (as in a browser). */
  present(meta: Partial<VideoFrameCallbackMetadata>): void {
    const pending = [...this.callbacks.values()];
    this.callbacks.clear();
    for (const cb of pending) cb(0, meta as VideoFrameCallbackMetadata);
  }
}

Deno.test("frame capture: each presented frame's capture time, from the player, frame by frame", () => {
  const video = new _Video();
  const seen: number[] = [];
  const watch = new FrameCaptureWatch(video as unknown as HTMLVideoElement, (meta) => {
    seen.push(meta.mediaTime);
    return meta.mediaTime < 0 ? null : 1000 + meta.mediaTime * 1000;
  });
  assert.equal(watch.captureMs, null);
  watch.start();
  video.present({ mediaTime: 1, presentedFrames: 7 });
  assert.equal(watch.captureMs, 2000);
  assert.equal(watch.presentedFrames, 7);
  video.present({ mediaTime: -1, presentedFrames: 8 });
  assert.equal(watch.captureMs, null, "a frame the player cannot place");
  video.present({ mediaTime: 2, presentedFrames: 9 });
  assert.equal(watch.captureMs, 3000);
  // A new source: the old frame's time no longer applies.
  video.dispatchEvent(new Event("emptied"));
  assert.equal(watch.captureMs, null);
  watch.stop();
  assert.equal(video.callbacks.size, 0, "stopped: no callback left");
  video.present({ mediaTime: 5, presentedFrames: 10 });
  assert.deepEqual(seen, [1, -1, 2]);
});
