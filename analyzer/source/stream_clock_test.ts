import assert from "node:assert/strict";
import { RESET_MS, StreamClock, streamClock } from "./stream_clock.ts";

Deno.test("stream clock: the minimum of (arrival - PTS) over every reader; late ones do not move it", () => {
  const c = new StreamClock();
  assert.equal(c.anchorMs, null);
  // The recorder sees a keyframe at PTS 4 s arrive at 10_000; the decoder that frame 30 ms later.
  assert.equal(c.observe(4, 10_000, true), 6_000);
  assert.equal(c.observe(4, 10_030, true), 6_000, "a second reader's first frame: same timeline");
  assert.equal(c.observe(4.1, 10_090), 5_990, "an earlier arrival lowers it");
  assert.equal(c.observe(4.2, 13_000), 5_990, "a stalled reader does not move it");
  assert.equal(c.epoch, 1);
});

Deno.test("stream clock: a reader's new run far off the timeline starts a new one (relay restart)", () => {
  const c = new StreamClock();
  c.observe(100, 200_000, true);
  // Inside a run, even a big disagreement only lowers (never raises) the anchor.
  assert.equal(c.observe(100, 200_000 + RESET_MS * 2), 100_000);
  // The relay restarted: its stream time starts again at 0.
  assert.equal(c.observe(0.5, 205_000, true), 204_500);
  assert.equal(c.epoch, 2);
  // Process-wide clocks by camera: the decoder's and the recorder's are the same object.
  assert.equal(streamClock("cam_x"), streamClock("cam_x"));
  assert.notEqual(streamClock("cam_x"), streamClock("cam_y"));
});
