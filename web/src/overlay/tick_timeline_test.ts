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
