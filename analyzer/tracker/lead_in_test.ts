import assert from "node:assert/strict";
import type { Box } from "../../shared/geometry.ts";
import { ByteTracker } from "./bytetrack.ts";
import { LEAD_IN_MAX_MS, LeadIns } from "./lead_in.ts";
import { detsAt, type RecordedBox } from "./testing_recorded.ts";

/** Held-out s11_10 (640x360, 2.5 fps): NanoDet's vehicle boxes, [ts ms, label, conf, box px]. */
const S11_10: RecordedBox[] = [
  [0, "car", 0.12, [45, 98, 558, 259]],
  [800, "car", 0.13, [44, 99, 561, 258]],
  [800, "car", 0.12, [279, 115, 32, 28]],
  [1200, "car", 0.21, [275, 125, 32, 23]],
  [1200, "truck", 0.11, [47, 100, 558, 259]],
  [1600, "car", 0.2, [270, 126, 38, 28]],
  [1600, "truck", 0.11, [270, 106, 40, 49]],
  [2000, "car", 0.26, [266, 130, 41, 31]],
  [2000, "truck", 0.11, [258, 326, 66, 33]],
  [2400, "car", 0.28, [260, 135, 44, 35]],
  [2400, "truck", 0.12, [257, 326, 66, 33]],
  [2800, "car", 0.39, [251, 141, 52, 41]],
  [2800, "truck", 0.12, [258, 326, 66, 33]],
  [3200, "car", 0.47, [240, 150, 60, 45]],
  [3200, "truck", 0.13, [256, 327, 68, 32]],
  [3600, "truck", 0.58, [227, 161, 67, 54]],
  [3600, "truck", 0.12, [254, 327, 71, 32]],
];

const _TIMES = [...new Set(S11_10.map((r) => r[0]))];

Deno.test("lead-in: a far van's weak boxes before its first min_conf box join its birth", () => {
  // The van is boxed at 0.12-0.39 from 0.8 s, first at min_conf (0.4) at 3.2 s; the pre-stop line
  // is at y 180 px, which its bottom edge crossed between 2.4 s (170) and 2.8 s (182).
  const tr = new ByteTracker({ highThresh: 0.4, newTrackThresh: 0.4 });
  const births: { ts: number; point: [number, number] }[][] = [];
  for (const ts of _TIMES) {
    births.push(
      ...tr.update(detsAt(S11_10, ts, 0), ts, { w: 640, h: 360 }).started.map((s) => s.birth ?? []),
    );
  }
  assert.equal(births.length, 1, "one track");
  const birth = births[0];
  assert.deepEqual(birth.map((b) => b.ts), [800, 1200, 1600, 2000, 2400, 2800, 3200, 3600]);
  // Bottom centres: the crossing of y 180 is in the lead-in.
  assert.deepEqual(birth[4].point, [282, 170]);
  assert.deepEqual(birth[5].point, [277, 182]);

  // Without the weak boxes the birth starts at the first min_conf box, past the line.
  const tr2 = new ByteTracker({ highThresh: 0.4, newTrackThresh: 0.4 });
  const firsts: number[] = [];
  for (const ts of _TIMES) {
    firsts.push(
      ...tr2.update(detsAt(S11_10, ts, 0.4), ts, { w: 640, h: 360 }).started.map((s) =>
        s.birth![0].ts
      ),
    );
  }
  assert.deepEqual(firsts, [3200]);
});

Deno.test("lead-in: what does not chain", () => {
  const anchor = "bottom_center" as const;
  const at = (ts: number, ...boxes: Box[]) => ({ ts, boxes });
  const chain = (updates: { ts: number; boxes: Box[] }[], box: Box, ts: number) => {
    const l = new LeadIns();
    for (const u of updates) l.remember(u.ts, u.boxes);
    return l.chain(box, ts, anchor).map((c) => c.ts);
  };
  const box: Box = [100, 100, 40, 30];
  // A steady approach chains back to its first weak box.
  assert.deepEqual(
    chain([at(0, [100, 90, 36, 27]), at(100, [100, 95, 38, 28])], box, 200),
    [0, 100],
  );
  // An update without a box in between ends the chain (a gap is not bridged).
  assert.deepEqual(chain([at(0, [100, 90, 36, 27]), at(100)], box, 200), []);
  // A box of another size (the same place, twice as tall: a spanning box) does not chain.
  assert.deepEqual(chain([at(100, [100, 70, 40, 60])], box, 200), []);
  // A box that does not overlap enough does not.
  assert.deepEqual(chain([at(100, [125, 100, 40, 30])], box, 200), []);
  // A reversal (the earlier box past the later one, the move turning back) ends the chain.
  assert.deepEqual(
    chain([at(0, [100, 104, 40, 30]), at(100, [100, 95, 38, 28])], box, 200),
    [100],
  );
  // Nothing older than LEAD_IN_MAX_MS is kept.
  assert.deepEqual(chain([at(0, [100, 95, 38, 28])], box, LEAD_IN_MAX_MS + 200), []);
});
