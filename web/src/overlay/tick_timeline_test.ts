import assert from "node:assert/strict";
import type { Tick } from "../../../shared/tick.ts";
import { fadeAlpha, TickTimeline } from "./tick_timeline.ts";

const tick = (ts: number, seq = ts) => ({ ts, seq } as Tick);

Deno.test("timeline: picks the newest tick captured at or before the frame on screen", () => {
  const tl = new TickTimeline(1000, 0);
  for (const ts of [100, 200, 300, 400]) tl.push(tick(ts));
  assert.equal(tl.select(350)!.tick.ts, 300);
  assert.equal(tl.select(350)!.ageMs, 50);
  assert.equal(tl.select(400)!.tick.ts, 400);
  assert.equal(tl.select(9999)!.tick.ts, 400);
  // Older than anything kept: the oldest, with a negative age.
  assert.equal(tl.select(50)!.tick.ts, 100);
  assert.equal(tl.select(50)!.ageMs, -50);
});

Deno.test("timeline: keeps order on late arrivals, replaces duplicates, trims old ticks", () => {
  const tl = new TickTimeline(250, 0);
  tl.push(tick(100));
  tl.push(tick(300));
  tl.push(tick(200));
  tl.push(tick(300, 7));
  assert.equal(tl.select(250)!.tick.ts, 200);
  assert.equal(tl.select(300)!.tick.seq, 7);
  tl.push(tick(500));
  assert.equal(tl.size, 2, "100 and 200 fall out of the 250 ms window");
  tl.clear();
  assert.equal(tl.select(1), undefined);
});

Deno.test("fade: full, fading, gone", () => {
  assert.equal(fadeAlpha(-100), 1);
  assert.equal(fadeAlpha(600), 1);
  assert.equal(fadeAlpha(1050), 0.5);
  assert.equal(fadeAlpha(1500), 0);
});

Deno.test("timeline sample: boxes move between two ticks of the same track, not past a gap", () => {
  const tl = new TickTimeline(10_000, 0);
  const at = (ts: number, x: number, id = 1) =>
    ({
      ts,
      seq: ts,
      tracks: [{ id, label: "car", conf: 0.9, bbox: [x, 0.5, 0.1, 0.1] }],
    }) as unknown as Tick;
  tl.push(at(1000, 0.2));
  tl.push(at(1100, 0.4));
  const mid = tl.sample(1025)!;
  assert.equal(mid.tick.seq, 1000, "still the tick captured before the frame");
  assert.ok(Math.abs(mid.tick.tracks[0].bbox[0] - 0.25) < 1e-9);
  assert.equal(mid.ageMs, 25);
  // Exactly on a tick, or after the newest: that tick as it is.
  assert.equal(tl.sample(1000)!.tick.tracks[0].bbox[0], 0.2);
  assert.equal(tl.sample(1200)!.tick.tracks[0].bbox[0], 0.4);
  // A track the next tick does not have stays put; ticks too far apart are not blended.
  tl.push(at(1200, 0.9, 2));
  assert.equal(tl.sample(1150)!.tick.tracks[0].bbox[0], 0.4);
  tl.push(at(2000, 0.9));
  assert.equal(tl.sample(1600)!.tick.tracks[0].bbox[0], 0.9, "track 2's tick, 800 ms gap: as is");
});
