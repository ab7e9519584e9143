import assert from "node:assert/strict";
import { homographyFromPoints } from "../../shared/homography.ts";
import { seededRandom } from "../../shared/testing/prng.ts";
import {
  metresPerPx,
  pixelNoiseStd,
  roadEntrySpeed,
  type RoadSample,
  roadSpeedAt,
  RoadVelocity,
  zoneRoadSpeeds,
  type ZoneRoadSpeedsCall,
  zoneRoadSpeedsProbe,
} from "./road_speed.ts";

/** Gaussian noise from a seeded uniform source (Box-Muller). */
function _gauss(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

/**
 * Samples of a drive along Y, position y(t) in m, at `fps` from `t0` s, with `sigma` m of noise.
 */
function _drive(
  y: (t: number) => number,
  fps: number,
  dur: number,
  sigma: number,
  seed: number,
  t0 = 0,
): RoadSample[] {
  const r = seededRandom(seed);
  const out: RoadSample[] = [];
  for (let k = 0; k <= (dur - t0) * fps + 1e-9; k++) {
    const t = t0 + k / fps;
    out.push({
      ts: Math.round(t * 1000),
      X: sigma * _gauss(r),
      Y: y(t) + sigma * _gauss(r),
      sigma_m: sigma,
    });
  }
  return out;
}

Deno.test("metresPerPx: a pixel spans more road far away than near (perspective)", () => {
  // A road 3.5 m wide, 0-20 m ahead, narrowing toward the top of a 768x576 frame.
  const h = homographyFromPoints(
    [[0.40, 0.30], [0.60, 0.30], [0.90, 0.90], [0.10, 0.90]],
    [[0, 20], [3.5, 20], [3.5, 0], [0, 0]],
  );
  const far = metresPerPx(h, [384, 0.32 * 576], 768, 576);
  const near = metresPerPx(h, [384, 0.88 * 576], 768, 576);
  assert.ok(far > 5 * near, `far ${far} m/px vs near ${near} m/px`);
  assert.equal(pixelNoiseStd(10, 10), 0.8, "the floor of small boxes");
  assert.ok(pixelNoiseStd(400, 400) > 1.5, "large boxes jitter more");
});

Deno.test("roadSpeedAt: constant 10 m/s with 5 cm of noise reads within 3 %, at 10 and 5 fps", () => {
  for (const fps of [10, 5]) {
    for (let seed = 1; seed <= 10; seed++) {
      const s = _drive((t) => 30 - 10 * t, fps, 3, 0.05, seed);
      for (const t of [500, 1500, 2500]) {
        const v = roadSpeedAt(s, t)!;
        assert.ok(Math.abs(v - 10) < 0.3, `${fps} fps seed ${seed} t ${t}: ${v}`);
      }
    }
  }
});

Deno.test("roadSpeedAt: mid-brake speed within 5 % where a trailing window reads high", () => {
  // 8 m/s braking at 4.4 m/s^2: the true speed at t = 0.8 s is 4.48 m/s.
  const y = (t: number) => 30 - (8 * t - 2.2 * t * t);
  let worst = 0;
  for (let seed = 1; seed <= 20; seed++) {
    const s = _drive(y, 10, 1.6, 0.04, seed);
    worst = Math.max(worst, Math.abs(roadSpeedAt(s, 800)! / 4.48 - 1));
  }
  assert.ok(worst < 0.05, `worst ${worst}`);
  // Control: the causal estimate at that instant lags the brake.
  const rv = new RoadVelocity();
  for (const p of _drive(y, 10, 0.8, 0.04, 1)) rv.push(p);
  assert.ok(rv.speed > 4.48 * 1.08, `causal ${rv.speed}`);
});

Deno.test("roadSpeedAt: just after a hard brake ends, the speed of the cruise (one-sided window)", () => {
  // 8 -> 1.5 m/s at 6.5 m/s^2 until t = 1 s, then 1.5 m/s: at t = 1.25 s the truth is 1.5.
  const y = (t: number) => t < 1 ? 30 - (8 * t - 3.25 * t * t) : 30 - (8 - 3.25) - 1.5 * (t - 1);
  let worst = 0;
  for (let seed = 1; seed <= 20; seed++) {
    const s = _drive(y, 10, 3, 0.03, seed);
    worst = Math.max(worst, Math.abs(roadSpeedAt(s, 1250)! / 1.5 - 1));
  }
  assert.ok(worst < 0.1, `worst ${worst}`);
});

Deno.test("roadSpeedAt: a standstill reads ~0; too few samples give null", () => {
  const s = _drive(() => 12.7, 10, 3, 0.01, 3);
  assert.ok(roadSpeedAt(s, 1500)! < 0.05);
  assert.equal(roadSpeedAt(s.slice(0, 4), 200), null);
});

Deno.test("RoadVelocity: constant 10 m/s reads 10 once its window filled", () => {
  const rv = new RoadVelocity();
  for (const p of _drive((t) => 30 - 10 * t, 10, 2, 0.05, 5)) rv.push(p);
  assert.ok(Math.abs(rv.speed - 10) < 0.4, `${rv.speed}`);
});

Deno.test("roadSpeedAt: a cruise just before a pull-away reads the cruise (no window across it)", () => {
  // persp_rolling_stop's exit: 1.5 m/s until t = 2.5 s, then +3 m/s^2; the truth at 1.6-2.4 s is
  // 1.5. Exact positions with the 4.5 cm noise floor of a 12 m anchor (the judge's sigma_m there).
  // Without the sub-window check a quadratic across the pull-away read 1.64-1.88 at 10 fps.
  const y = (t: number) => 14 - 1.5 * t - (t > 2.5 ? 1.5 * (t - 2.5) ** 2 : 0);
  for (const [fps, tol] of [[15, 0.05], [10, 0.05], [5, 0.1]]) {
    const s = _drive(y, fps, 4, 0, 1).map((p) => ({ ...p, sigma_m: 0.045 }));
    for (const t of [1600, 1800, 2000, 2200, 2400]) {
      const v = roadSpeedAt(s, t)!;
      assert.ok(Math.abs(v / 1.5 - 1) < tol, `${fps} fps at ${t} ms: ${v} m/s`);
    }
  }
});

/** A zone visit of `s` entered at `entryMs` and left at `exitMs` (capture ms): zoneRoadSpeeds. */
function _zoneSpeeds(s: RoadSample[], entryMs: number, exitMs: number) {
  const zone = s.filter((p) => p.ts >= entryMs && p.ts < exitMs).map((p) => p.ts);
  return zoneRoadSpeeds(s, entryMs, zone, exitMs, () => 0);
}

/** ... entered at `entry_s` and left at `exit_s`: its max. */
function _zoneMax(s: RoadSample[], entry_s: number, exit_s: number): number {
  return _zoneSpeeds(s, entry_s * 1000, exit_s * 1000).max;
}

/** Recorded road samples, [ts ms, X m, Y m, sigma_m] rows. */
function _recorded(rows: readonly (readonly [number, number, number, number])[]): RoadSample[] {
  return rows.map(([ts, X, Y, sigma_m]) => ({ ts, X, Y, sigma_m }));
}

Deno.test("zoneRoadSpeeds: a rolling stop that speeds up at or just after the exit: max is the rolling speed", () => {
  // 1.5 m/s through a zone entered at t = 1.5 s (Y = 15 m) and left at 3.5 s (Y = 12 m), then
  // +3 m/s^2 from `kink` s after the exit (persp_rolling_stop: 0.24 s). Truth: 1.5 m/s. Fitted
  // on every sample, windows around the exit that reach into the speed-up read 4-8 % high on
  // exact positions and up to 37 % with 4 cm of noise (10 seeds).
  for (const kink of [0, 0.25]) {
    const y = (t: number) => 17.25 - 1.5 * t - (t > 3.5 + kink ? 1.5 * (t - 3.5 - kink) ** 2 : 0);
    for (const fps of [15, 10, 5]) {
      for (const noise of [0, 0.04]) {
        for (let seed = 1; seed <= (noise ? 10 : 1); seed++) {
          const s = _drive(y, fps, 5.5, noise, seed).map((p) => ({ ...p, sigma_m: 0.045 }));
          const max = _zoneMax(s, 1.5, 3.5);
          const tol = noise ? 0.06 : 0.01;
          assert.ok(
            Math.abs(max / 1.5 - 1) < tol,
            `kink +${kink} s, ${fps} fps, noise ${noise} m, seed ${seed}: max ${max} m/s`,
          );
        }
      }
    }
  }
});

Deno.test("zoneRoadSpeeds: a vehicle pulling away through the exit: max is its speed at the exit", () => {
  // At rest at Y = 12.6 m until t = 3 s, then +3.33 m/s^2 (persp_queue's second van): it leaves
  // the zone (Y = 12 m) 0.6 s later at 2.0 m/s, its fastest. The samples after the exit are
  // its best witness there; without them a one-sided fit read it 12-14 % low on the scene.
  const t0 = 3, a = 3.33, tExit = t0 + Math.sqrt(1.2 / a);
  const y = (t: number) => 12.6 - (t > t0 ? (a / 2) * (t - t0) ** 2 : 0);
  for (const fps of [15, 10, 5]) {
    for (let seed = 1; seed <= 10; seed++) {
      const s = _drive(y, fps, tExit + 2, 0.04, seed).map((p) => ({ ...p, sigma_m: 0.045 }));
      const max = _zoneMax(s, 0.5, tExit);
      const truth = a * (tExit - t0);
      assert.ok(Math.abs(max / truth - 1) < 0.07, `${fps} fps seed ${seed}: ${max} vs ${truth}`);
    }
  }
});

Deno.test("roadSpeedAt: braking to rest just after t at 2.5 fps is not read as at rest at t", () => {
  // 8 m/s braking at 6 m/s^2 to rest at t = 2.4 s (a sample): at t = 2.05 s (between the samples
  // at 2.0 and 2.4) the truth is 2.1 m/s. A line through the resting samples from 2.4 s on read
  // 0.00-0.05: it misses the sample at 2.0 s by 0.37 m, which the fit must reach across t.
  const tRest = 2.4, a = 6, tBrake = tRest - 8 / a;
  const y = (t: number) =>
    t >= tRest
      ? 14.5
      : t >= tBrake
      ? 14.5 + (a / 2) * (tRest - t) ** 2
      : 14.5 + (a / 2) * (tRest - tBrake) ** 2 + 8 * (tBrake - t);
  for (let seed = 1; seed <= 6; seed++) {
    const noise = seed === 1 ? 0 : 0.04;
    const s = _drive(y, 2.5, 5, noise, seed).map((p) => ({ ...p, sigma_m: 0.06 }));
    const v = roadSpeedAt(s, 2050)!;
    assert.ok(v > 0.75 * 2.1 && v < 1.25 * 2.1, `seed ${seed}: ${v} m/s for 2.1`);
  }
});

Deno.test("zoneRoadSpeedsProbe: a recorded call replays to the same speeds (bench/road_speed_replay.ts)", () => {
  // A rolling stop at 1.5 m/s through a zone entered at 1.5 s and left at 3.5 s, 4 cm of noise.
  const y = (t: number) => 17.25 - 1.5 * t - (t > 3.75 ? 1.5 * (t - 3.75) ** 2 : 0);
  const s = _drive(y, 10, 5.5, 0.04, 7).map((p) => ({ ...p, sigma_m: 0.045 }));
  const zone = s.filter((p) => p.ts >= 1500 && p.ts < 3500).map((p) => p.ts);
  const calls: ZoneRoadSpeedsCall[] = [];
  zoneRoadSpeedsProbe.record = (c) => calls.push(c);
  let live;
  try {
    live = zoneRoadSpeeds(s, 1500, zone, 3500, (t) => t / 1000);
  } finally {
    zoneRoadSpeedsProbe.record = null;
  }
  assert.equal(calls.length, 1);
  // Through JSON, as the sweep writes it.
  const c: ZoneRoadSpeedsCall = JSON.parse(JSON.stringify(calls[0]));
  assert.deepEqual(c.result, live);
  assert.equal(c.samples.length, s.length);
  const fb = new Map(c.fallback);
  assert.equal(fb.get(3000), 3, "the fallback's value at each instant asked");
  const again = zoneRoadSpeeds(c.samples, c.tEntry, c.zoneTs, c.tExit, (t) => fb.get(t) ?? NaN);
  assert.deepEqual(again, live);
  zoneRoadSpeeds(s, 1500, zone, 3500, () => 0);
  assert.equal(calls.length, 1, "nothing recorded once the hook is cleared");
});

Deno.test("roadSpeedAt: a rolling stop's entry at 30 m (a pixel 0.185 m) reads the cruise, not the brake", () => {
  // bench/camera_sweep.ts long_lens-rolling: 8 -> 1.5 m/s over 1 s ending 0.25 m before the zone
  // (Y = 33 m), then 1.5 m/s through it; the truth at the entry is 1.5 m/s. The anchor is one
  // pixel of a long lens at 30 m: positions rounded to 0.185 m along the road, the frames at 10
  // phases against the drive; sigma_m is the judge's (0.8 px). Before the lack-of-fit test and
  // the longer span a line from mid-brake through the zone passed the chi-square test: 1.68-1.92
  // at 10 fps, 1.62-2.27 at 5 (the recorded passes: +14.8 / +17.9 %); now 1.50-1.55 / 1.50-1.61.
  // With 5 cm of jitter added to the rounding, 1.47-1.57 / 1.51-1.70 (old: 1.69-2.18 / 1.63-2.38).
  const px = 0.185, yEnd = 33.25, tEnd = 2;
  const y = (t: number) =>
    t >= tEnd ? yEnd - 1.5 * (t - tEnd) : yEnd + 1.5 * (tEnd - t) + 3.25 * (tEnd - t) ** 2;
  const tEntry = tEnd + 0.25 / 1.5;
  for (const fps of [10, 5]) {
    let worst = 0;
    for (let seed = 1; seed <= 10; seed++) {
      // A random phase of the frames against the drive.
      const phase = seededRandom(100 + seed)() / fps;
      const s = _drive((t) => y(t + phase), fps, 5, 0, seed).map((p) => ({
        ...p,
        ts: p.ts + Math.round(phase * 1000),
        Y: Math.round(p.Y / px) * px,
        sigma_m: 0.8 * px,
      }));
      const v = roadSpeedAt(s, tEntry * 1000)!;
      worst = Math.max(worst, Math.abs(v / 1.5 - 1));
    }
    assert.ok(worst < 0.1, `${fps} fps: worst ${(100 * worst).toFixed(1)} %`);
  }
});

Deno.test("zoneRoadSpeeds: braking to rest 0.6 m inside the zone at 2.5 fps, entry judged between the last two moving samples: the braking's speed, not the rest's", () => {
  // bench/held_out_scenes.ts s4_6: a van braking at 2.7 m/s² to rest at Y 24.93 m, t 5.66 s;
  // the zone's far edge at Y 25.54 m, crossed at 4.99 s at 1.82 m/s. The sample at 5.2 s is
  // 0.15 m inside, but its box bottom read outside, so the judge's entry lies between the samples
  // at 5.2 and 5.6 s (interpolated in the image: 5.25 s, where the truth is 1.11 m/s). Without the
  // entry edge a line through the resting samples won there: 0.00-0.10 m/s on seeds 1 and 3-6
  // (1.39 on seed 2); with it the braking's quadratic: 1.18-1.39. The speed at the true crossing
  // is out of reach: the raw box bottoms put the crossing late (road_speed.ts roadEntrySpeed).
  const a = 2.7, tRest = 5.66, yRest = 24.93, yEdge = 25.54;
  const y = (t: number) => yRest + (t < tRest ? (a / 2) * (tRest - t) ** 2 : 0);
  const tTrue = tRest - Math.sqrt((2 * (yEdge - yRest)) / a);
  const vAt = a * (tRest - 5.25);
  const zone: [number, number][] = [[-3.5, 21.5], [3.5, 21.5], [3.5, yEdge], [-3.5, yEdge]];
  const edge = { from: 5200, to: 5600, zone };
  for (let seed = 1; seed <= 6; seed++) {
    const noise = seed === 1 ? 0 : 0.04;
    const s = _drive(y, 2.5, 10, noise, seed).map((p) => ({ ...p, sigma_m: 0.12 }));
    const zoneTs = s.filter((p) => p.ts >= 5600 && p.ts < 9200).map((p) => p.ts);
    const at = zoneRoadSpeeds(s, 5250, zoneTs, null, () => 0, edge);
    // Between the speed at 5.25 s and at the true crossing (1.82 m/s), within 25 %.
    assert.ok(
      at.entry > 0.75 * vAt && at.entry < 1.25 * a * (tRest - tTrue),
      `seed ${seed}: entry ${at.entry} for ${vAt}`,
    );
    // The chosen fit enters the zone near the true crossing.
    const crossing = roadEntrySpeed(s, 5250, edge)!;
    assert.ok(Math.abs(crossing.t / 1000 - tTrue) < 0.1, `seed ${seed}: at ${crossing.t} ms`);
  }
});

Deno.test("roadEntrySpeed: a cruise through the edge reads the cruise; the fit crosses where the truth does", () => {
  // 8 m/s toward the zone (decreasing Y), edge at Y 20 m, crossed at 1.25 s; 5 fps.
  const y = (t: number) => 30 - 8 * t;
  const zone: [number, number][] = [[-3.5, 10], [3.5, 10], [3.5, 20], [-3.5, 20]];
  const s = _drive(y, 5, 3, 0.03, 3).map((p) => ({ ...p, sigma_m: 0.05 }));
  const r = roadEntrySpeed(s, 1300, { from: 1200, to: 1400, zone })!;
  assert.ok(Math.abs(r.v / 8 - 1) < 0.03, `${r.v} m/s`);
  assert.equal(r.v, roadSpeedAt(s, 1300), "the same fit as without the edge");
  assert.ok(Math.abs(r.t - 1250) < 20, `${r.t} ms`);
  assert.equal(roadEntrySpeed(s, 1300, { from: 1200, to: 1400, zone: [] }), null, "no zone");
});

/**
 * The road samples (ts ms, X, Y, sigma_m; metres) the judge fitted for bench/held_out_scenes.ts
 * s3_2 (`--seed 3 --count 16 --only 2`: a full stop 34-37 m from a 6.2 m camera, 5.8 px of road
 * per metre, 5 fps, real NanoDet): at rest 5.2-8.2 s 0.4 m inside the zone's far edge, then the
 * catalog's PULL_AWAY (2 -> 6 m/s over 1.2 s, then 6 m/s) through the near edge (Y 34 m).
 */
const S3_2_PULL_AWAY: [number, number, number, number][] = [
  [2400, -1.774, 51.745, 0.2976],
  [2600, -1.759, 49.625, 0.2742],
  [2800, -1.770, 47.851, 0.2554],
  [3000, -1.773, 45.861, 0.2350],
  [3200, -1.776, 44.203, 0.2187],
  [3400, -1.759, 42.748, 0.2049],
  [3600, -1.744, 41.510, 0.1935],
  [3800, -1.776, 40.259, 0.1823],
  [4000, -1.782, 39.454, 0.1753],
  [4200, -1.764, 38.575, 0.1677],
  [4400, -1.751, 37.913, 0.1622],
  [4600, -1.767, 37.448, 0.1583],
  [4800, -1.745, 36.998, 0.1547],
  [5000, -1.770, 36.570, 0.1512],
  [5200, -1.769, 36.557, 0.1511],
  [5400, -1.769, 36.557, 0.1511],
  [5600, -1.769, 36.557, 0.1511],
  [5800, -1.769, 36.557, 0.1511],
  [6000, -1.771, 36.589, 0.1513],
  [6200, -1.771, 36.589, 0.1513],
  [6400, -1.771, 36.589, 0.1513],
  [6600, -1.771, 36.589, 0.1513],
  [6800, -1.771, 36.589, 0.1513],
  [7000, -1.769, 36.610, 0.1515],
  [7200, -1.769, 36.608, 0.1515],
  [7400, -1.769, 36.608, 0.1515],
  [7600, -1.769, 36.608, 0.1515],
  [7800, -1.769, 36.608, 0.1515],
  [8000, -1.773, 36.586, 0.1513],
  [8200, -1.773, 36.584, 0.1513],
  [8400, -1.767, 36.499, 0.1506],
  [8600, -1.771, 36.180, 0.1481],
  [8800, -1.768, 35.914, 0.1460],
  [9000, -1.761, 35.068, 0.1394],
  [9200, -1.747, 34.318, 0.1336],
  [9400, -1.793, 33.448, 0.1271],
  [9600, -1.756, 32.235, 0.1183],
  [9800, -1.763, 31.107, 0.1105],
  [10000, -1.748, 29.875, 0.1022],
  [10200, -1.787, 28.880, 0.0957],
  [10400, -1.768, 27.623, 0.0878],
  [10600, -1.749, 26.277, 0.0797],
  [10800, -1.791, 25.216, 0.0737],
  [11000, -1.777, 24.005, 0.0670],
  [11200, -1.742, 22.580, 0.0596],
  [11400, -1.764, 21.575, 0.0546],
];

Deno.test("zoneRoadSpeeds: pulling away at 5.8 px/m, the max is the speed at the exit, not a line over the rest of the pull-away", () => {
  // Truth: entered 4.81 s at 1.80 m/s, left at 9.2 s at 4.20 m/s (its max). The last zone sample
  // (9.2 s) read 5.82 m/s (+38.6 %) before MAX_CENTRED: a line from it to 10.8 s, 4.2 -> 6 m/s
  // and on at 6, passed every test at sigma_m 7-13 cm; with centred windows 4.43 (+5.5 %).
  const s = _recorded(S3_2_PULL_AWAY);
  const zoneTs = s.filter((p) => p.ts >= 4815 && p.ts < 9269).map((p) => p.ts);
  const r = zoneRoadSpeeds(s, 4814.6, zoneTs, 9268.6, () => 0);
  assert.ok(Math.abs(r.max / 4.2 - 1) < 0.1, `max ${r.max} m/s for 4.20`);
  assert.ok(Math.abs(r.entry / 1.8 - 1) < 0.1, `entry ${r.entry} m/s for 1.80 (unchanged)`);
});

/**
 * Recorded road samples (ts ms, X m, Y m, sigma_m) of two held-out steady rolls
 * (bench/held_out_scenes.ts, real NanoDet): s14_9, 1.55 m/s at 10 fps, 16.4 px/m, 3 px shake at
 * dusk (2.5 s either side of the zone); s19_1, 2.40 m/s at 2.5 fps, 5.4 px/m (the whole record).
 */
const S14_9_STEADY_ROLL: [number, number, number, number][] = [
  [2200, -1.944, 26.917, 0.151],
  [2300, -1.869, 26.557, 0.147],
  [2400, -1.761, 26.038, 0.142],
  [2500, -1.663, 24.925, 0.131],
  [2600, -1.683, 25.109, 0.133],
  [2700, -1.840, 25.026, 0.133],
  [2800, -1.704, 24.585, 0.128],
  [2900, -1.694, 24.016, 0.123],
  [3000, -1.845, 24.492, 0.128],
  [3100, -1.733, 24.135, 0.124],
  [3200, -1.888, 24.364, 0.127],
  [3300, -1.829, 24.046, 0.124],
  [3400, -1.885, 24.112, 0.125],
  [3500, -1.785, 23.409, 0.118],
  [3600, -1.740, 23.420, 0.118],
  [3700, -1.631, 23.100, 0.115],
  [3800, -1.826, 23.072, 0.115],
  [3900, -1.808, 22.988, 0.115],
  [4000, -1.773, 22.882, 0.113],
  [4100, -1.688, 22.533, 0.110],
  [4200, -1.861, 22.752, 0.113],
  [4300, -1.846, 22.207, 0.108],
  [4400, -1.783, 22.133, 0.107],
  [4500, -1.636, 21.717, 0.103],
  [4600, -1.810, 21.982, 0.106],
  [4700, -1.659, 21.214, 0.099],
  [4800, -1.701, 21.342, 0.101],
  [4900, -1.635, 21.238, 0.099],
  [5000, -1.719, 21.168, 0.099],
  [5100, -1.930, 21.436, 0.102],
  [5200, -1.925, 21.213, 0.100],
  [5300, -1.942, 21.227, 0.100],
  [5400, -1.951, 20.766, 0.097],
  [5500, -1.752, 20.482, 0.094],
  [5600, -1.758, 20.113, 0.091],
  [5700, -1.796, 19.989, 0.090],
  [5800, -1.827, 20.096, 0.091],
  [5900, -1.696, 19.643, 0.087],
  [6000, -1.680, 19.402, 0.086],
  [6100, -1.730, 19.262, 0.085],
  [6200, -1.734, 19.436, 0.086],
  [6300, -1.730, 19.212, 0.084],
  [6400, -1.835, 19.015, 0.083],
  [6500, -1.752, 18.834, 0.082],
  [6600, -1.875, 18.706, 0.081],
  [6700, -1.791, 18.803, 0.082],
  [6800, -1.796, 18.355, 0.078],
  [6900, -1.765, 18.095, 0.076],
  [7000, -1.754, 18.026, 0.076],
  [7100, -1.809, 17.954, 0.076],
  [7200, -1.717, 17.596, 0.073],
  [7300, -1.796, 17.392, 0.072],
  [7400, -1.787, 17.417, 0.072],
  [7500, -1.745, 16.917, 0.068],
  [7600, -1.701, 16.668, 0.067],
  [7700, -1.736, 16.647, 0.067],
  [7800, -1.679, 16.243, 0.064],
  [7900, -1.722, 15.800, 0.061],
  [8000, -1.963, 15.940, 0.063],
  [8100, -1.738, 15.124, 0.057],
  [8200, -1.811, 14.868, 0.056],
  [8300, -1.917, 14.561, 0.055],
  [8400, -1.657, 13.665, 0.049],
  [8500, -1.717, 13.254, 0.047],
  [8600, -1.718, 12.706, 0.044],
  [8700, -1.794, 12.144, 0.041],
  [8800, -1.728, 11.474, 0.038],
];
const S19_1_STEADY_ROLL: [number, number, number, number][] = [
  [1600, -1.770, 68.543, 1.031],
  [2000, -1.706, 63.505, 0.890],
  [2400, -1.763, 59.934, 0.796],
  [2800, -1.647, 55.266, 0.680],
  [3200, -1.816, 52.849, 0.625],
  [3600, -1.805, 49.668, 0.555],
  [4000, -1.814, 47.134, 0.502],
  [4400, -1.735, 44.424, 0.448],
  [4800, -1.765, 42.510, 0.412],
  [5200, -1.832, 41.506, 0.394],
  [5600, -1.713, 39.753, 0.363],
  [6000, -1.795, 39.145, 0.352],
  [6400, -1.649, 37.572, 0.326],
  [6800, -1.796, 37.262, 0.321],
  [7200, -1.714, 35.880, 0.299],
  [7600, -1.710, 35.022, 0.285],
  [8000, -1.656, 33.715, 0.265],
  [8400, -1.734, 33.201, 0.258],
  [8800, -1.694, 31.584, 0.235],
  [9200, -1.819, 30.037, 0.214],
  [9600, -1.752, 27.618, 0.183],
];

Deno.test("zoneRoadSpeeds: a steady roll's max is not the highest of its instants' noisy fits (STEADY_VISIT)", () => {
  // Truth 1.548 and 2.401 m/s all through. Before the steady line capped it, s14_9 read max 2.06
  // (+33 %: two zone instants fitted over a 0.5 m run of shaken boxes) and s19_1 2.70 (+12.3 %).
  // Their entries read +12.2 / +7.1 % (the fit at the entry instant, not changed here): the max
  // is never below the entry.
  for (
    const [name, rec, tEntry, tExit, truth, limit] of [
      ["s14_9", S14_9_STEADY_ROLL, 4676.93, 6782.45, 1.548, 0.13],
      ["s19_1", S19_1_STEADY_ROLL, 6159.77, 7383.01, 2.401, 0.1],
    ] as const
  ) {
    const r = _zoneSpeeds(_recorded(rec), tEntry, tExit);
    assert.ok(r.max / truth - 1 < limit, `${name}: max ${r.max} m/s for ${truth}`);
    assert.ok(r.max >= r.entry, `${name}: max ${r.max} below the entry ${r.entry}`);
  }
});

/**
 * Recorded road samples of held-out s26_9 (15 fps, 14.6 px/m, dusk 0.33/4, real NanoDet): a steady
 * 1.54 m/s roll through the zone (entered 4465 ms, left 6462 ms), 2 s either side of it.
 */
const S26_9_STEADY_ROLL: [number, number, number, number][] = [
  [2400, -1.742, 28.075, 0.109],
  [2466.7, -1.785, 27.689, 0.106],
  [2533.3, -1.756, 27.198, 0.102],
  [2600, -1.742, 26.912, 0.101],
  [2666.7, -1.754, 26.399, 0.097],
  [2733.3, -1.750, 25.989, 0.094],
  [2800, -1.721, 25.538, 0.091],
  [2866.7, -1.715, 25.195, 0.089],
  [2933.3, -1.774, 24.947, 0.088],
  [3000, -1.770, 24.629, 0.086],
  [3066.7, -1.758, 24.328, 0.084],
  [3133.3, -1.736, 24.017, 0.082],
  [3200, -1.754, 23.817, 0.081],
  [3266.7, -1.746, 23.539, 0.079],
  [3333.3, -1.792, 23.275, 0.077],
  [3400, -1.763, 23.109, 0.076],
  [3466.7, -1.766, 23.009, 0.076],
  [3533.3, -1.755, 22.632, 0.074],
  [3600, -1.745, 22.370, 0.072],
  [3666.7, -1.738, 22.281, 0.072],
  [3733.3, -1.747, 22.179, 0.071],
  [3800, -1.750, 22.088, 0.070],
  [3866.7, -1.764, 22.028, 0.070],
  [3933.3, -1.766, 21.990, 0.070],
  [4000, -1.765, 21.908, 0.069],
  [4066.7, -1.762, 21.830, 0.069],
  [4133.3, -1.727, 21.543, 0.067],
  [4200, -1.737, 21.491, 0.067],
  [4266.7, -1.750, 21.348, 0.066],
  [4333.3, -1.761, 21.255, 0.066],
  [4400, -1.780, 21.185, 0.065],
  [4466.7, -1.782, 20.982, 0.064],
  [4533.3, -1.801, 20.914, 0.064],
  [4600, -1.802, 20.880, 0.064],
  [4666.7, -1.806, 20.770, 0.063],
  [4733.3, -1.798, 20.699, 0.063],
  [4800, -1.794, 20.597, 0.062],
  [4866.7, -1.799, 20.516, 0.062],
  [4933.3, -1.791, 20.444, 0.061],
  [5000, -1.765, 20.171, 0.060],
  [5066.7, -1.787, 20.053, 0.059],
  [5133.3, -1.750, 19.985, 0.059],
  [5200, -1.763, 19.872, 0.058],
  [5266.7, -1.763, 19.795, 0.058],
  [5333.3, -1.753, 19.712, 0.058],
  [5400, -1.762, 19.635, 0.057],
  [5466.7, -1.775, 19.560, 0.057],
  [5533.3, -1.783, 19.484, 0.056],
  [5600, -1.781, 19.454, 0.056],
  [5666.7, -1.774, 19.406, 0.056],
  [5733.3, -1.771, 19.269, 0.055],
  [5800, -1.772, 19.135, 0.055],
  [5866.7, -1.773, 18.865, 0.053],
  [5933.3, -1.807, 18.796, 0.053],
  [6000, -1.778, 18.625, 0.052],
  [6066.7, -1.773, 18.469, 0.051],
  [6133.3, -1.762, 18.433, 0.051],
  [6200, -1.768, 18.323, 0.051],
  [6266.7, -1.787, 18.249, 0.050],
  [6333.3, -1.785, 18.209, 0.050],
  [6400, -1.782, 18.133, 0.050],
  [6466.7, -1.764, 17.957, 0.049],
  [6533.3, -1.763, 17.845, 0.048],
  [6600, -1.753, 17.731, 0.048],
  [6666.7, -1.742, 17.554, 0.047],
  [6733.3, -1.745, 17.476, 0.047],
  [6800, -1.763, 17.387, 0.046],
  [6866.7, -1.777, 17.368, 0.046],
  [6933.3, -1.761, 17.153, 0.045],
  [7000, -1.756, 16.919, 0.044],
  [7066.7, -1.715, 16.628, 0.043],
  [7133.3, -1.731, 16.626, 0.043],
  [7200, -1.761, 16.309, 0.041],
  [7266.7, -1.785, 16.126, 0.041],
  [7333.3, -1.801, 15.902, 0.040],
  [7400, -1.828, 15.630, 0.038],
  [7466.7, -1.761, 15.369, 0.037],
  [7533.3, -1.750, 15.136, 0.036],
  [7600, -1.775, 14.773, 0.035],
  [7666.7, -1.775, 14.549, 0.034],
  [7733.3, -1.786, 14.167, 0.033],
  [7800, -1.736, 13.877, 0.031],
  [7866.7, -1.742, 13.575, 0.030],
  [7933.3, -1.761, 13.210, 0.029],
  [8000, -1.777, 12.716, 0.027],
  [8066.7, -1.755, 12.410, 0.026],
  [8133.3, -1.760, 12.078, 0.025],
  [8200, -1.762, 11.631, 0.023],
  [8266.7, -1.773, 11.226, 0.022],
  [8333.3, -1.757, 10.818, 0.021],
  [8400, -1.756, 10.438, 0.020],
  [8466.7, -1.742, 10.034, 0.019],
];

Deno.test("zoneRoadSpeeds: a steady roll's min is not the lowest of its instants' noisy fits (STEADY_MIN)", () => {
  // Before the steady line floored it, s26_9 read min 1.19 (-22.8 %): the zone instant at 5.8 s
  // fitted over a box bottom that stepped 0.27 m in one frame, then 0.06 m.
  const r = _zoneSpeeds(_recorded(S26_9_STEADY_ROLL), 4464.86, 6461.96);
  assert.ok(Math.abs(r.min / 1.544 - 1) < 0.05, `min ${r.min} m/s for 1.544`);
  assert.ok(r.min <= r.entry, `min ${r.min} above the entry ${r.entry}`);
});

Deno.test("zoneRoadSpeeds: steady rolls with white noise: the cap by the zone's line keeps the max within 5 %", () => {
  // The line spans the zone alone, the instants' fits reach 1.6 s past it: on white noise the
  // line is the noisier reading and only caps (40 seeds per rate: worst +2.2 / +3.4 / +3.1 %).
  for (const [fps, sigma, v] of [[2.5, 0.15, 2.4], [5, 0.12, 2.0], [10, 0.1, 1.55]]) {
    for (let seed = 1; seed <= 40; seed++) {
      const s = _drive((t) => 30 - v * t, fps, 8, sigma, seed).map((p) => ({
        ...p,
        sigma_m: 0.8 * sigma,
      }));
      const tEntry = 2137, tExit = tEntry + (3 / v) * 1000;
      const max = _zoneSpeeds(s, tEntry, tExit).max;
      assert.ok(Math.abs(max / v - 1) < 0.05, `${fps} fps seed ${seed}: max ${max} for ${v}`);
    }
  }
});

/** Speed (m/s) at t (s) and position (m) of a drive of constant-acceleration legs [dur s, v0, v1]. */
function _legs(legs: readonly (readonly [number, number, number])[]) {
  const walk = (t: number) => {
    let y = 0, t0 = 0;
    for (const [d, a, b] of legs) {
      const u = Math.min(Math.max(t - t0, 0), d);
      y += a * u + 0.5 * ((b - a) / d) * u * u;
      if (t < t0 + d) return { y, v: a + ((b - a) * (t - t0)) / d };
      t0 += d;
    }
    return { y, v: legs[legs.length - 1][2] };
  };
  return { y: (t: number) => walk(t).y, v: (t: number) => walk(t).v };
}

/**
 * The queue's second van as bench/held_out_scenes.ts drives it: moves up (0 -> 3 m/s in 1.5 s),
 * slows to 1 m/s over 3 s, stops in 0.2 s (at 4.7-4.9 s), rests 2.5 s, pulls away.
 */
const SECOND_VAN = _legs([[1.5, 0, 3], [3, 3, 1], [0.2, 1, 0], [2.5, 0, 0], [1.5, 0, 4]]);

Deno.test("zoneRoadSpeeds: the entry of a van that comes to rest 0.7-1.2 s later reads its approach, not a bend into the rest (ARRIVAL_FIT)", () => {
  // 20 seeds per rate (3 or 8 cm of noise, the sampling phase varied), entries 0.7 and 1.2 s
  // before the stop. The window fits alone: mean -6.9 / -5.4 / -3.7 / -3.5 % at 2.5 / 5 / 10 /
  // 15 fps, within 10 %: 26 / 31 / 35 / 37 of 40.
  for (const [fps, within] of [[2.5, 33], [5, 38], [10, 38], [15, 39]]) {
    const errs: number[] = [];
    for (let seed = 1; seed <= 20; seed++) {
      const sigma = seed % 2 ? 0.03 : 0.08;
      const s = _drive(SECOND_VAN.y, fps, 7, sigma, seed, ((seed * 0.37) % 1) / fps);
      for (const before of [0.7, 1.2]) {
        const tEntry = (4.7 - before) * 1000;
        // Two zone instants at rest (the stop the judge saw) keep the test quick.
        const r = zoneRoadSpeeds(s, tEntry, [5300, 5700], 6000, () => 0);
        errs.push(r.entry / SECOND_VAN.v(tEntry / 1000) - 1);
      }
    }
    const mean = errs.reduce((a, b) => a + b, 0) / errs.length;
    const inside = errs.filter((e) => Math.abs(e) <= 0.1).length;
    assert.ok(Math.abs(mean) < 0.02, `${fps} fps: mean entry error ${(100 * mean).toFixed(1)} %`);
    assert.ok(inside >= within, `${fps} fps: ${inside} of 40 entries within 10 %`);
  }
});

Deno.test("zoneRoadSpeeds: ARRIVAL_FIT leaves rolling stops and drives through to the window fits", () => {
  // Their zone speeds never fall to rest, so the entry is the window fit's, or below it where the
  // steady roll's line caps it (STEADY_ENTRY), never farther from the truth (1.5 m/s).
  const rolling = _legs([[1, 10, 10], [3, 10, 1.5], [3, 1.5, 1.5], [1.5, 1.5, 6]]);
  for (const fps of [2.5, 5, 10, 15]) {
    for (let seed = 1; seed <= 5; seed++) {
      const s = _drive(rolling.y, fps, 8, 0.08, seed);
      const r = _zoneSpeeds(s, 4500, 6500);
      const windowed = roadSpeedAt(s, 4500)!;
      assert.ok(r.entry <= windowed, `${fps} fps seed ${seed}: ${r.entry} above ${windowed}`);
      assert.ok(
        Math.abs(r.entry - 1.5) <= Math.abs(windowed - 1.5) + 1e-9,
        `${fps} fps seed ${seed}: ${r.entry} farther from 1.5 than ${windowed}`,
      );
    }
  }
});

/**
 * Held-out s28_4 (2.5 fps, roadside camera 3.4 m up, 8.7 px/m; the van brakes from 52 km/h to a
 * steady 1.34 m/s roll from 23.5 m and rolls through the zone, 22.5-19.5 m): the road samples of
 * its pass as the judge recorded them ([ts ms, X m, Y m, sigma_m]). The anchors at 4.8 and 5.2 s
 * lie 0.43 and 0.31 m behind the van, the one at 5.6 s 0.21 m ahead of it.
 */
const S28_4_STEADY_ROLL: [number, number, number, number][] = [
  [1200, -1.798, 52.473, 0.987],
  [1600, -1.764, 46.957, 0.798],
  [2000, -1.700, 41.854, 0.641],
  [2400, -1.771, 38.061, 0.535],
  [2800, -1.763, 34.254, 0.439],
  [3200, -1.771, 31.156, 0.368],
  [3600, -1.723, 28.251, 0.306],
  [4000, -1.714, 26.056, 0.264],
  [4400, -1.751, 24.618, 0.238],
  [4800, -1.840, 24.123, 0.229],
  [5200, -1.854, 23.432, 0.218],
  [5600, -1.733, 22.376, 0.200],
  [6000, -1.703, 21.889, 0.192],
  [6400, -1.707, 21.330, 0.183],
  [6800, -1.735, 20.910, 0.177],
  [7200, -1.778, 20.473, 0.170],
  [7600, -1.779, 20.068, 0.164],
  [8000, -1.715, 19.278, 0.153],
  [8400, -1.742, 18.847, 0.147],
  [8800, -1.725, 18.056, 0.136],
  [9200, -1.829, 17.055, 0.123],
  [9600, -1.761, 15.199, 0.101],
  [10000, -1.772, 13.000, 0.078],
];

Deno.test("zoneRoadSpeeds: a steady roll's entry is not above the zone's line by more than its error (STEADY_ENTRY)", () => {
  const fallback = new Map<number, number>([
    [5560.449, 1.855],
    [5600, 1.855],
    [6000, 1.945],
    [6400, 1.702],
    [6800, 1.239],
    [7200, 1.168],
    [7600, 1.058],
    [7884.375, 1.058],
    [7384.375, 1.168],
  ]);
  const r = zoneRoadSpeeds(
    _recorded(S28_4_STEADY_ROLL),
    5560.44921875,
    [5600, 6000, 6400, 6800, 7200, 7600],
    7884.375,
    (t) => fallback.get(t) ?? NaN,
    {
      from: 5200,
      to: 5600,
      zone: [[-3.500, 22.500], [3.500, 22.500], [3.500, 19.500], [-3.500, 19.500]],
    },
  );
  // Before: entry and max 1.71 m/s (+28.4 %), one fit over the two anchors behind and the one
  // ahead around the entry edge.
  const truth = 1.336;
  assert.ok(Math.abs(r.entry / truth - 1) < 0.1, `entry ${r.entry} m/s for ${truth}`);
  assert.ok(Math.abs(r.max / truth - 1) < 0.1, `max ${r.max} m/s for ${truth}`);
  assert.ok(r.min <= r.entry && r.entry <= r.max, `min ${r.min} entry ${r.entry} max ${r.max}`);
});
