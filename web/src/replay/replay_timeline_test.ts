import assert from "node:assert/strict";
import type { PassSample } from "../../../shared/pass_row.ts";
import { ReplayTimeline } from "./replay_timeline.ts";

const T0 = Date.UTC(2026, 10, 21, 8, 0, 0);
const PHASES = ["approach", "in_zone", "stopped", "stopped", "stopped", "leaving"] as const;
const SAMPLES: PassSample[] = PHASES.map((phase, i) => ({
  ts: T0 + i * 100,
  cx: 100 + i * 10,
  cy: 50,
  speed_px_s: phase === "stopped" ? 0 : 50,
  phase,
}));

Deno.test("replay timeline: media time -> capture time -> the sample of that frame", () => {
  // The clip starts 2.05 s before the first sample (a keyframe before entry - pre-roll).
  const tl = new ReplayTimeline(SAMPLES, T0 - 2050);
  assert.equal(tl.captureMsAt(2.05), T0);
  assert.equal(tl.mediaTimeAt(T0 + 300), 2.35);
  assert.equal(tl.stateAt(2.0).sample, null, "before the first sample");
  assert.equal(tl.stateAt(2.05).sample, SAMPLES[0]);
  assert.equal(tl.stateAt(2.149).sample, SAMPLES[0]);
  assert.equal(tl.stateAt(2.15).sample, SAMPLES[1], "exactly at a sample's capture time");
  assert.equal(tl.stateAt(2.55).sample, SAMPLES[5]);
  assert.equal(tl.stateAt(2.55 + 0.5).sample, SAMPLES[5], "held for holdMs");
  assert.equal(tl.stateAt(2.55 + 0.51).sample, null, "then gone");
  assert.equal(tl.plotTimeAt(T0 + 250), 0.25);
  assert.equal(tl.captureMsAtPlotTime(0.25), T0 + 250);
});

Deno.test("replay timeline: the stop timer counts stopped time up to the shown sample", () => {
  const tl = new ReplayTimeline(SAMPLES, T0);
  assert.equal(tl.stateAt(0.15).stopS, 0);
  assert.equal(tl.stateAt(0.2).stopS, 0); // the first stopped frame
  assert.equal(tl.stateAt(0.29).stopS, 0, "within the first stopped frame");
  assert.ok(Math.abs(tl.stateAt(0.3).stopS - 0.1) < 1e-9);
  assert.ok(Math.abs(tl.stateAt(0.4).stopS - 0.2) < 1e-9);
  assert.ok(Math.abs(tl.stateAt(0.5).stopS - 0.3) < 1e-9, "stopped 0.2 .. 0.5");
  assert.ok(Math.abs(tl.stateAt(0.9).stopS - 0.3) < 1e-9, "not counting after leaving");
});

Deno.test("replay timeline: ISO sample times and unsorted input", () => {
  const iso = SAMPLES.map((s) => ({ ...s, ts: new Date(s.ts as number).toISOString() })).reverse();
  const tl = new ReplayTimeline(iso, T0);
  assert.equal(tl.stateAt(0.1).sample?.cx, 110);
});
