import assert from "node:assert/strict";
import { ArrivalClock, RtpTimeline, TIMELINE_JUMP_MS } from "./arrival_clock.ts";

Deno.test("arrival clock: the anchor is the earliest arrival - media time (a join burst is ignored)", () => {
  const c = new ArrivalClock();
  assert.equal(c.captureMs(0), null);
  // A mid-GOP join: frames 0..4 (100 ms apart) arrive together at t=1000, then live at 100 ms.
  for (let i = 0; i < 5; i++) c.observe(i * 100, 1000);
  for (let i = 5; i < 10; i++) c.observe(i * 100, 1000 + (i - 4) * 100 + (i % 2 ? 7 : 0));
  // Live frames arrive 100 ms apart from t=1100: frame 5 at 1100 -> anchor 600.
  assert.equal(c.captureMs(500), 1100);
  assert.equal(c.captureMs(0), 600);
});

Deno.test("arrival clock: a new timeline (restart, media time back at 0) re-anchors", () => {
  const c = new ArrivalClock();
  c.observe(50_000, 100_000);
  c.observe(0, 100_000 + TIMELINE_JUMP_MS + 500);
  assert.equal(c.captureMs(0), 100_000 + TIMELINE_JUMP_MS + 500);
  // A timeline that jumps forward is simply an earlier anchor.
  c.observe(1_000_000, 104_000);
  assert.equal(c.captureMs(1_000_000), 104_000);
  c.reset();
  assert.equal(c.captureMs(0), null);
});

Deno.test("rtp timeline: 90 kHz to ms, continuous across the 32-bit wrap and small reorders", () => {
  const t = new RtpTimeline();
  const base = 2 ** 32 - 9000; // 100 ms before the wrap
  assert.equal(t.mediaMs(base), 0);
  assert.equal(t.mediaMs(base + 3000), 1000 / 30);
  assert.equal(t.mediaMs((base + 18000) % 2 ** 32), 200);
  assert.equal(t.mediaMs((base + 15000) % 2 ** 32), 1000 / 6); // one frame late
  assert.equal(t.mediaMs((base + 21000) % 2 ** 32), 700 / 3);
  t.reset();
  assert.equal(t.mediaMs(123), 0);
});

Deno.test("arrival clock: arrived() counts a frame as complete when the next one arrives", () => {
  const c = new ArrivalClock();
  c.arrived(0, 1000);
  assert.equal(c.captureMs(0), null, "one frame: not complete yet");
  c.arrived(100, 1100);
  assert.equal(c.captureMs(0), 1100);
  // The same frame again (or an older one) completes nothing.
  c.arrived(100, 1050);
  c.arrived(50, 1000);
  assert.equal(c.captureMs(0), 1100);
  c.arrived(200, 1190); // frame 100 complete at 1190: earlier than the anchor says
  assert.equal(c.captureMs(100), 1190);
});
