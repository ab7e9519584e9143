import assert from "node:assert/strict";
import { KeyframeGate } from "./keyframe_gate.ts";

Deno.test("gate: starts at a keyframe, drops when over the buffer limit, resumes at next key", () => {
  const g = new KeyframeGate(1000);
  assert.equal(g.admit(false, 0), false, "new client waits for a keyframe");
  assert.equal(g.admit(true, 0), true);
  assert.equal(g.admit(false, 500), true);
  assert.equal(g.admit(false, 5000), false, "slow client: dropped");
  assert.equal(g.admit(false, 0), false, "buffer drained but mid-GOP: still dropped");
  assert.equal(g.admit(true, 5000), false, "keyframe while still congested: dropped");
  assert.equal(g.admit(true, 0), true, "resumes at the next keyframe");
  assert.equal(g.admit(false, 0), true);
  assert.equal(g.dropped, 4);
  g.reset();
  assert.equal(g.admit(false, 0), false);
  assert.equal(g.admit(true, 0), true);
});
