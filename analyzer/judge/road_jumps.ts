/**
 * Box jumps on the road (issue #12 item 4: m/s speeds within 10 %): road samples whose anchor a
 * wrong box put behind where the vehicle already was, or ahead of where it will be, are dropped
 * before the pass's speeds are fitted.
 *
 * Why: a vehicle at a stop sign moves one way along its path (it stops; it does not back up), but
 * the detector sometimes boxes it together with the vehicle queued behind it, and such a box's
 * bottom edge, the judged anchor, is the far vehicle's. Measured on held-out s13_1 (a queue of two
 * vans, 15 fps, 16.8 px/m, 2026-12-01): as the first van pulled away, its track took a 0.39 box over
 * both vans for two frames (its own 0.55 box was there too), its road position went back 0.68 m
 * and then 1.54 m (13 and 30 of its noise std) against a 2 m/s pull-away, and came forward 2.3 m
 * in the next frame; the window fits around its exit read the max 16.8 m/s for 3.83 (+338 %).
 * The fit is weighted least squares, so a few such samples pull it anywhere; its chi-square test
 * only falls back to the best-fitting window, which holds them too.
 *
 * The test needs no motion model, so it holds through braking, rest and pulling away at any
 * rate: along the pass's overall direction (its first samples to its last), a sample is a jump
 * when it lies more than max(JUMP_Z sigma, JUMP_FLOOR_M) behind the median of the JUMP_NEIGHBOURS
 * kept samples before it, or as far ahead of the median of those after it (a median of three
 * outvotes one more wrong box; a moving vehicle's median is two frames on, so a jump shorter than
 * two frames' travel is not told). The worst jump goes first and the rest are judged again without
 * it, so a burst of jumps does not hide itself, nor make its neighbours look wrong.
 */
/**
 * A road position (m) and its noise std (m): the part of road_speed.ts's RoadSample read here
 * (road_speed.ts imports this module, and modules import no cycles: dev/tiers_test.ts).
 */
export interface RoadPoint {
  X: number;
  Y: number;
  sigma_m: number;
}

/** Neighbours on each side whose median a sample is held against (one of them may be wrong). */
export const JUMP_NEIGHBOURS = 3;
/**
 * A jump is more than this many of the sample's noise std behind (or ahead of) its neighbours.
 * The sample's sigma_m is the detector's pixel jitter on the road; NanoDet's bottom edge moves up
 * to ~3 of them between frames at rest (perspective scenes, 2026-11-30), and a median of three
 * such samples is itself ~1 sigma off.
 */
export const JUMP_Z = 5;
/** ... and more than this (m): a car settling at rest or rocking on its springs is no jump. */
export const JUMP_FLOOR_M = 0.3;
/** A pass whose ends are nearer than this (m) has no direction to hold its samples to. */
const MIN_TRAVEL_M = 2;

const _mid = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1];

/**
 * Each sample's position (m) along the pass's overall direction (the median of its first
 * JUMP_NEIGHBOURS samples to that of its last ones), or null when the pass has too few samples or
 * moved less than MIN_TRAVEL_M.
 */
export function alongPass(samples: readonly RoadPoint[]): number[] | null {
  const n = samples.length, k = JUMP_NEIGHBOURS;
  if (n < 2 * k + 1) return null;
  const head = samples.slice(0, k), tail = samples.slice(n - k);
  const dx = _mid(tail.map((s) => s.X)) - _mid(head.map((s) => s.X));
  const dy = _mid(tail.map((s) => s.Y)) - _mid(head.map((s) => s.Y));
  const travel = Math.hypot(dx, dy);
  if (!(travel >= MIN_TRAVEL_M)) return null;
  return samples.map((s) => (s.X * dx + s.Y * dy) / travel);
}

/** The samples (sorted by ts) without the box jumps (see above); the same array when none. */
export function withoutJumps<S extends RoadPoint>(samples: readonly S[]): readonly S[] {
  const n = samples.length;
  const k = JUMP_NEIGHBOURS;
  const mid = _mid;
  const p = alongPass(samples);
  if (!p) return samples;
  const kept = samples.map(() => true);
  for (;;) {
    let worst = -1, worstZ = 0;
    for (let i = 0; i < n; i++) {
      if (!kept[i]) continue;
      const before: number[] = [], after: number[] = [];
      for (let j = i - 1; j >= 0 && before.length < k; j--) if (kept[j]) before.push(p[j]);
      for (let j = i + 1; j < n && after.length < k; j++) if (kept[j]) after.push(p[j]);
      const limit = Math.max(JUMP_Z * samples[i].sigma_m, JUMP_FLOOR_M);
      let off = 0;
      if (before.length === k) off = Math.max(off, mid(before) - p[i]);
      if (after.length === k) off = Math.max(off, p[i] - mid(after));
      const z = off / limit;
      if (z > 1 && z > worstZ) [worst, worstZ] = [i, z];
    }
    if (worst < 0) break;
    kept[worst] = false;
  }
  return kept.every((x) => x) ? samples : samples.filter((_, i) => kept[i]);
}
