import assert from "node:assert/strict";
import { liveEdgeAction } from "./mse_player.ts";

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
