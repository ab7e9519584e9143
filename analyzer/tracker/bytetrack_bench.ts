/**
 * deno bench -A analyzer/tracker/bytetrack_bench.ts
 * One ByteTracker.update() with N vehicles in the scene (moving, jittered, 5 % misses, a few
 * low scores), after warm-up, so the number is the steady-state cost per frame.
 */
import type { Box } from "../../shared/geometry.ts";
import type { Detection } from "../detector/detection.ts";
import { ByteTracker } from "./bytetrack.ts";
import { seededRandom } from "../../shared/testing/prng.ts";

/** A precomputed loop of frames: n vehicles on a grid, each driving at its own velocity. */
function _scene(n: number, frames: number): Detection[][] {
  const rng = seededRandom(n);
  const cars = Array.from({ length: n }, (_, i) => ({
    x: 60 + (i % 10) * 180,
    y: 60 + Math.floor(i / 10) * 140,
    vx: (rng() - 0.5) * 40,
    vy: (rng() - 0.5) * 20,
  }));
  const out: Detection[][] = [];
  for (let f = 0; f < frames; f++) {
    const dets: Detection[] = [];
    for (const c of cars) {
      if (rng() < 0.05) continue;
      const j = () => (rng() * 2 - 1) * 2;
      const box: Box = [c.x + (c.vx * f) / 10 + j(), c.y + (c.vy * f) / 10 + j(), 120, 80];
      dets.push({ label: rng() < 0.2 ? "truck" : "car", conf: rng() < 0.1 ? 0.3 : 0.8, box });
    }
    out.push(dets);
  }
  return out;
}

for (const n of [5, 20, 50]) {
  const frames = _scene(n, 100_000 / Math.max(n, 1));
  const tr = new ByteTracker();
  let i = 0;
  for (; i < 20; i++) tr.update(frames[i], i * 100);
  Deno.bench(`ByteTracker.update, ${n} tracks`, () => {
    // The scene loops; vehicles drift slowly, so it stays representative for thousands of frames.
    if (i >= frames.length) {
      tr.reset();
      i = 0;
    }
    tr.update(frames[i], i * 100);
    i++;
  });
}
