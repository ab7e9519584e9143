import assert from "node:assert/strict";
import { seededRandom } from "../../shared/testing/prng.ts";
import { type PositionSample, refineStop } from "./stop_refine.ts";

/**
 * The full_stop van's motion along x (px, s): 150 px/s, brake to rest over 2 s (at 4.4 s),
 * stand 3.0 s, pull away to 180 px/s over 2 s (from 7.4 s).
 */
function _x(t: number): number {
  if (t < 2.4) return 234 - 150 * (2.4 - t);
  if (t < 4.4) {
    const u = t - 2.4;
    return 234 + 150 * u - 37.5 * u * u;
  }
  if (t < 7.4) return 384;
  const u = t - 7.4;
  return u < 2 ? 384 + 45 * u * u : 564 + 180 * (u - 2);
}

function _positions(fps: number, phase: number, jitterPx: number, seed: number) {
  const rng = seededRandom(seed);
  const out: PositionSample[] = [];
  for (let t = phase; t < 11; t += 1 / fps) {
    const e = () => (rng() * 2 - 1) * jitterPx;
    out.push({ ts: Math.round(t * 1000), x: _x(t) + e(), y: 317 + e() });
  }
  return out;
}

Deno.test("refineStop: start and end of a 3.0 s stop within 0.15 s at 15, 10, 5 and 2.5 fps", () => {
  const worst: Record<number, number> = {};
  for (const fps of [15, 10, 5, 2.5]) {
    for (let seed = 1; seed <= 10; seed++) {
      const phase = (seed % 5) / 5 / fps;
      const pos = _positions(fps, phase, 1, seed);
      // A causal estimate: slow from 2-4 samples after the stop began until ~0.3 s after it ended.
      const inside = pos.filter((p) => p.ts >= 4400 && p.ts <= 7400);
      const lagIn = Math.min(inside.length - 2, 3);
      const causal = {
        start: inside[lagIn].ts,
        end: pos.filter((p) => p.ts <= 7700).at(-1)!.ts,
      };
      const r = refineStop(pos, causal);
      const err = Math.max(Math.abs(r.start - 4400), Math.abs(r.end - 7400)) / 1000;
      worst[fps] = Math.max(worst[fps] ?? 0, err);
      assert.ok(
        err <= 0.15,
        `${fps} fps seed ${seed}: ${r.start}..${r.end} (causal ${causal.start}..${causal.end})`,
      );
    }
  }
  console.log("refineStop worst boundary error (s) by fps:", worst);
});

Deno.test("refineStop: a stop at the start or end of the samples keeps that causal side", () => {
  const pos: PositionSample[] = [];
  for (let k = 0; k <= 30; k++) pos.push({ ts: k * 100, x: 100, y: 100 });
  for (let k = 1; k <= 20; k++) pos.push({ ts: 3000 + k * 100, x: 100 + 2 * k * k, y: 100 });
  const r = refineStop(pos, { start: 0, end: 3300 });
  assert.equal(r.start, 0, "no arrival seen: causal start");
  assert.ok(Math.abs(r.end - 3000) <= 60, `departure refined: ${r.end}`);
  // Nothing moves at all: unchanged.
  const still = pos.slice(0, 31);
  assert.deepEqual(refineStop(still, { start: 500, end: 2500 }), { start: 500, end: 2500 });
});
