import assert from "node:assert/strict";
import type { FrameMeta } from "../../analyzer/source/decode_protocol.ts";
import { liveTiming } from "./live_timing.ts";

function _meta(n: number, fps: number): FrameMeta {
  const ptsS = n / fps;
  return {
    n,
    width: 8,
    height: 8,
    ptsS,
    streamPtsS: ptsS,
    captureTs: ptsS * 1000,
    arrivedAt: 0,
    keyframe: false,
    dropped: 0,
  };
}

Deno.test("live timing: no load and no jitter processes every 3rd frame of 10 fps at 3 fps", () => {
  const lt = liveTiming({ fps: 3, seed: 1, busyProb: 0, jitterMs: 0 });
  const ts = Array.from({ length: 30 }, (_, n) => lt.timing(_meta(n, 10)));
  assert.equal(lt.lost, 0);
  assert.deepEqual(ts, Array.from({ length: 30 }, (_, n) => n * 100));
  assert.deepEqual([...lt.ptsByTs.values()], [0, 0.3, 0.6, 0.9, 1.2, 1.5, 1.8, 2.1, 2.4, 2.7]);
});

Deno.test("live timing: an overrun of every processed frame delays the next by 1-3 frames", () => {
  const lt = liveTiming({ fps: 3, seed: 7, busyProb: 1, jitterMs: 0 });
  for (let n = 0; n < 200; n++) lt.timing(_meta(n, 10));
  const pts = [...lt.ptsByTs.values()];
  // From the second processed frame on (the first has no frame interval to overrun by yet).
  const gaps = pts.slice(2).map((p, i) => Math.round((p - pts[i + 1]) * 10));
  assert.ok(gaps.every((g) => g >= 4 && g <= 6), `gaps (frames): ${gaps}`);
  assert.ok(new Set(gaps).size === 3, `every skip length occurs: ${gaps}`);
  assert.ok(lt.lost > 0);
});

Deno.test("live timing: jittered capture times never go backwards and stay within ±jitter", () => {
  const lt = liveTiming({ fps: 5, seed: 3, busyProb: 0.3, jitterMs: 40 });
  let last = -Infinity;
  for (let n = 0; n < 300; n++) {
    const ts = lt.timing(_meta(n, 10));
    if (ts === null) continue;
    assert.ok(ts >= last);
    assert.ok(Math.abs(ts - n * 100) <= 140, `frame ${n}: ${ts}`);
    last = ts;
  }
  const again = liveTiming({ fps: 5, seed: 3, busyProb: 0.3, jitterMs: 40 });
  for (let n = 0; n < 300; n++) again.timing(_meta(n, 10));
  assert.deepEqual([...again.ptsByTs], [...lt.ptsByTs], "seeded: the same frames and times");
});

Deno.test("live timing: a stall loses the frames of 0.5 s to stallMaxS", () => {
  const lt = liveTiming({
    fps: 3,
    seed: 5,
    busyProb: 0,
    jitterMs: 0,
    stallProb: 0.2,
    stallMaxS: 2,
  });
  for (let n = 0; n < 600; n++) lt.timing(_meta(n, 10));
  const pts = [...lt.ptsByTs.values()];
  const gaps = pts.slice(1).map((p, i) => Math.round((p - pts[i]) * 1000));
  assert.ok(gaps.every((g) => g === 300 || (g >= 500 && g <= 2100)), `gaps: ${gaps}`);
  assert.ok(gaps.some((g) => g > 1000), `a long stall: ${gaps}`);
});
