import assert from "node:assert/strict";
import { RenderClock } from "./render_clock.ts";

Deno.test("render clock: a tick counts as rendered at the next animation frame, not on arrival", () => {
  let now = 1_000;
  const frames: (() => void)[] = [];
  const clock = new RenderClock(() => now, (cb) => frames.push(cb));
  assert.equal(clock.ageMs("cam_01"), null);
  clock.tickArrived("cam_01");
  clock.tickArrived("cam_02");
  assert.equal(frames.length, 1, "one frame callback for all pending cameras");
  assert.equal(clock.ageMs("cam_01"), null, "not painted yet (e.g. the tab is hidden)");
  now = 1_040;
  frames.shift()!();
  now = 1_540;
  assert.equal(clock.ageMs("cam_01"), 500);
  assert.equal(clock.ageMs("cam_02"), 500);
  clock.tickArrived("cam_01");
  now = 1_600;
  frames.shift()!();
  assert.equal(clock.ageMs("cam_01"), 0);
  assert.equal(clock.ageMs("cam_02"), 560, "cam_02 had no new tick since 1040");
});
