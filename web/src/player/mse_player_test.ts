import assert from "node:assert/strict";
import { liveEdgeAction, offsetAt } from "./mse_player.ts";

const o = { maxLagS: 0.6, targetLagS: 0.15, nudgeLagS: 0.3 };

Deno.test("live edge: at the edge plays at 1x", () => {
  assert.deepEqual(liveEdgeAction(10, 0, 10.2, o), { rate: 1 });
});

Deno.test("live edge: slightly behind nudges the rate, capped", () => {
  const a = liveEdgeAction(10, 0, 10.45, o);
  assert.equal(a.seekTo, undefined);
  assert.ok(a.rate > 1 && a.rate <= 1.25, `rate ${a.rate}`);
});

Deno.test("live edge: far behind or outside the buffer jumps near the edge", () => {
  assert.deepEqual(liveEdgeAction(10, 0, 12, o), { seekTo: 11.85, rate: 1 });
  // Playhead before the buffered range (e.g. after trimming): jump, but never before its start.
  assert.deepEqual(liveEdgeAction(0, 5, 5.1, o), { seekTo: 5, rate: 1 });
});

Deno.test("offsetAt: the sequence-mode offset in force at a presented frame's media time", () => {
  // Fragments from PTS 100 s landed at video 0; a drop at video 2 s moved the offset by 0.5 s.
  const offsets = [{ fromS: 0, offsetS: -100 }, { fromS: 2, offsetS: -100.5 }];
  assert.equal(offsetAt(offsets, 1.9667), -100);
  assert.equal(offsetAt(offsets, 2), -100.5);
  assert.equal(offsetAt(offsets, 1.99999), -100.5, "half a millisecond of rounding slack");
  assert.equal(offsetAt(offsets, 5), -100.5);
  assert.equal(offsetAt(offsets, -0.1), null, "before anything appended");
  assert.equal(offsetAt([], 1), null);
});
