import assert from "node:assert/strict";
import { type Box, iou } from "../../shared/geometry.ts";
import {
  type FrameTruth,
  LANE_TOWARD_X_M,
  PERSPECTIVE_CAMERA,
  project,
  type SceneTruth,
} from "../../dev/testing/scenes/mod.ts";
import type { Detection } from "../detector/detection.ts";
import {
  ByteTracker,
  type ByteTrackOptions,
  classGroup,
  perspectivePrediction,
  type TrackView,
} from "./bytetrack.ts";
import { detsAt, type RecordedBox } from "./testing_recorded.ts";
import { HYDE_PARK_TRUCK } from "./recorded_hyde_park_truck.ts";
import { seededRandom } from "../../shared/testing/prng.ts";
import { offPath, pathAt, type PathPoint } from "../real_truth.ts";

/** mulberry32: a tiny seeded PRNG, so every "random" test is reproducible. */
/**
 * A detection of a box centred at (cx, cy), each edge jittered uniformly by +-jitter px
 * (a detector's box edges wobble independently).
 */
function _det(
  label: string,
  cx: number,
  cy: number,
  w: number,
  h: number,
  opts: { conf?: number; jitter?: number; rng?: () => number } = {},
): Detection {
  const j = opts.jitter ?? 0;
  const r = opts.rng ?? Math.random;
  const e = () => (j > 0 ? (r() * 2 - 1) * j : 0);
  const x0 = cx - w / 2 + e(), x1 = cx + w / 2 + e();
  const y0 = cy - h / 2 + e(), y1 = cy + h / 2 + e();
  return { label, conf: opts.conf ?? 0.8, box: [x0, y0, x1 - x0, y1 - y0] as Box };
}

function _only(tracks: TrackView[]): TrackView {
  assert.equal(tracks.length, 1, `expected one track, got ${tracks.length}`);
  return tracks[0];
}

/** Ids seen across a run, from `started` (each confirmation exactly once). */
function _run(
  tr: ByteTracker,
  frames: { ts: number; dets: Detection[] }[],
  each?: (out: ReturnType<ByteTracker["update"]>, ts: number) => void,
): number[] {
  const ids: number[] = [];
  for (const f of frames) {
    const out = tr.update(f.dets, f.ts);
    for (const s of out.started) ids.push(s.id);
    each?.(out, f.ts);
  }
  return ids;
}

/** Recorded detections, [label, conf, box px] each, as the tracker takes them. */
function _dets(rows: readonly (readonly [string, number, Box])[]): Detection[] {
  return rows.map(([label, conf, box]) => ({ label, conf, box: [...box] as Box }));
}

Deno.test("classGroup merges the vehicle classes only", () => {
  for (const l of ["car", "truck", "bus", "motorcycle"]) assert.equal(classGroup(l), "vehicle");
  assert.equal(classGroup("person"), "person");
  assert.equal(classGroup("bicycle"), "bicycle");
});

Deno.test("two vehicles crossing paths keep their ids", () => {
  for (const hideRear of [false, true]) {
    const rng = seededRandom(7);
    const tr = new ByteTracker();
    const frames = [];
    // A drives right at 150 px/s, B drives left at 150 px/s on almost the same line: they overlap
    // fully around t = 2 s. With hideRear, the detector misses B while IoU(A, B) > 0.3.
    for (let i = 0; i <= 40; i++) {
      const t = i / 10;
      const a = _det("car", 100 + 150 * t, 300, 120, 80, { jitter: 2, rng });
      const b = _det("car", 700 - 150 * t, 310, 120, 80, { jitter: 2, rng });
      const overlap = Math.abs(600 - 300 * t) < 70;
      frames.push({ ts: t * 1000, dets: hideRear && overlap ? [a] : [a, b] });
    }
    let last: TrackView[] = [];
    const ids = _run(tr, frames, (out) => {
      if (out.tracks.length === 2) last = out.tracks;
    });
    assert.deepEqual(ids, [1, 2], `hideRear=${hideRear}: ids ${ids}`);
    const a = last.find((t) => t.id === 1)!;
    const b = last.find((t) => t.id === 2)!;
    assert.ok(a.center[0] > 600 && a.velocity[0] > 100, `A went right: ${a.center} ${a.velocity}`);
    assert.ok(b.center[0] < 200 && b.velocity[0] < -100, `B went left: ${b.center} ${b.velocity}`);
  }
});

Deno.test("a vehicle occluded for 0.4 s (4 frames at 10 fps) keeps its id", () => {
  const rng = seededRandom(11);
  const tr = new ByteTracker();
  const frames = [];
  for (let i = 0; i <= 40; i++) {
    const t = i / 10;
    const hidden = i >= 15 && i < 19;
    frames.push({
      ts: t * 1000,
      dets: hidden ? [] : [_det("car", 50 + 100 * t, 200, 100, 60, { jitter: 2, rng })],
    });
  }
  let during = 0;
  const ids = _run(tr, frames, (out, ts) => {
    if (ts >= 1500 && ts < 1900) during += out.tracks.length;
  });
  assert.deepEqual(ids, [1]);
  assert.equal(during, 0, "a lost track is not reported with reportLostMs 0");
  const v = _only(tr.update([_det("car", 50 + 100 * 4.1, 200, 100, 60)], 4100).tracks);
  assert.equal(v.id, 1);
  assert.equal(v.state, "confirmed");
});

Deno.test("a lost track is reported while reportLostMs allows, and coasts on its prediction", () => {
  const tr = new ByteTracker({ reportLostMs: 300 });
  for (let i = 0; i <= 10; i++) tr.update([_det("car", 100 + 10 * i, 200, 100, 60)], i * 100);
  const lost = _only(tr.update([], 1100).tracks);
  assert.equal(lost.state, "lost");
  assert.equal(lost.missed, 1);
  assert.ok(Math.abs(lost.center[0] - 210) < 3, `predicted centre ${lost.center[0]}`);
  tr.update([], 1200);
  tr.update([], 1300);
  assert.equal(tr.update([], 1400).tracks.length, 0, "lost for 400 ms > reportLostMs");
});

Deno.test("predict: the reported tracks moved forward by their filters, nothing changed", () => {
  const run = (peek: boolean) => {
    const tr = new ByteTracker();
    const views: TrackView[] = [];
    for (let i = 0; i <= 10; i++) {
      // 100 px/s to the right; a motion-gated pipeline peeks between detections.
      views.push(...tr.update([_det("car", 100 + 10 * i, 200, 100, 60)], i * 100).tracks);
      if (peek && i === 10) {
        const p = _only(tr.predict(1050));
        const v = views.at(-1)!;
        assert.equal(p.id, v.id);
        assert.ok(Math.abs(p.center[0] - v.center[0] - 5) < 1.5, `predicted ${p.center[0]}`);
        assert.ok(Math.abs(p.box[0] - v.box[0] - 5) < 1.5, "the box moves with it");
        assert.equal(p.lastTs, v.lastTs);
        assert.equal(p.missed, 0);
      }
    }
    views.push(_only(tr.update([_det("car", 220, 200, 100, 60)], 1200).tracks));
    return views.at(-1)!;
  };
  // The next update is exactly what it is without the peek (the judge sees the same track).
  assert.deepEqual(run(true), run(false));
  const tr = new ByteTracker();
  assert.deepEqual(tr.predict(0), [], "no tracks");
  tr.update([_det("car", 100, 200, 100, 60)], 0);
  assert.deepEqual(tr.predict(50), [], "a tentative track has no id to show");
});

Deno.test("detector flicker keeps one id: every 3rd frame missing, or the score dropping to 0.3", () => {
  const rng = seededRandom(3);
  const tr = new ByteTracker();
  const frames = [];
  for (let i = 0; i < 60; i++) {
    const t = i / 10;
    frames.push({
      ts: t * 1000,
      dets: i % 3 === 2 ? [] : [_det("car", 100 + 80 * t, 300, 140, 90, { jitter: 2, rng })],
    });
  }
  assert.deepEqual(_run(tr, frames), [1]);

  const tr2 = new ByteTracker();
  const frames2 = [];
  for (let i = 0; i < 60; i++) {
    const t = i / 10;
    // Low score for 5 frames (e.g. partly occluded): stage 2 keeps the track on them.
    const conf = i >= 20 && i < 25 ? 0.3 : 0.8;
    frames2.push({
      ts: t * 1000,
      dets: [_det("car", 100 + 80 * t, 300, 140, 90, { jitter: 2, rng, conf })],
    });
  }
  let reportedLow = 0;
  const ids = _run(tr2, frames2, (out, ts) => {
    if (ts >= 2000 && ts < 2500) reportedLow += out.tracks.length;
  });
  assert.deepEqual(ids, [1]);
  assert.equal(reportedLow, 5, "matched on low-score detections, so still reported");
});

Deno.test("single-frame false positives never get an id (nor burn one)", () => {
  const rng = seededRandom(5);
  const tr = new ByteTracker();
  for (let i = 0; i < 100; i++) {
    // One spurious box per frame, each somewhere else (consecutive ones never overlap).
    const d = _det("car", 50 + ((i * 373) % 1100), 50 + rng() * 600, 60, 40, { conf: 0.6 });
    const out = tr.update([d], i * 100);
    assert.equal(out.started.length, 0);
    assert.equal(out.tracks.length, 0);
  }
  let started: TrackView[] = [];
  for (let i = 100; i < 103; i++) {
    const out = tr.update([_det("car", 600, 300, 100, 60)], i * 100);
    started = started.concat(out.started);
  }
  assert.equal(started.length, 1);
  assert.equal(started[0].id, 1, "the first real vehicle gets id 1");
});

Deno.test("a parked car for 60 s keeps one id and reads ~0 px/s", () => {
  const rng = seededRandom(9);
  const tr = new ByteTracker();
  let maxSpeed = 0;
  const frames = [];
  for (let i = 0; i <= 600; i++) {
    // 10 % misses and an occasional low score.
    if (rng() < 0.1) {
      frames.push({ ts: i * 100, dets: [] });
      continue;
    }
    const conf = rng() < 0.1 ? 0.3 : 0.7;
    frames.push({
      ts: i * 100,
      dets: [_det("car", 400, 300, 160, 100, { jitter: 2, rng, conf })],
    });
  }
  const ids = _run(tr, frames, (out, ts) => {
    if (ts > 2000) { for (const t of out.tracks) maxSpeed = Math.max(maxSpeed, t.speed_px_s); }
  });
  assert.deepEqual(ids, [1]);
  assert.ok(maxSpeed < 5, `parked max speed ${maxSpeed}`);
});

Deno.test("car/truck label flicker keeps one id and a stable majority label", () => {
  const rng = seededRandom(13);
  const tr = new ByteTracker();
  const labels: string[] = [];
  const frames = [];
  for (let i = 0; i < 50; i++) {
    // 70 % "truck" at 0.7, 30 % "car" at 0.6: the weighted majority is truck.
    const isCar = rng() < 0.3;
    frames.push({
      ts: i * 100,
      dets: [
        _det(isCar ? "car" : "truck", 100 + 5 * i, 300, 200, 150, {
          conf: isCar ? 0.6 : 0.7,
          jitter: 2,
          rng,
        }),
      ],
    });
  }
  const ids = _run(tr, frames, (out, ts) => {
    if (ts >= 1000) { for (const t of out.tracks) labels.push(t.label); }
  });
  assert.deepEqual(ids, [1]);
  assert.ok(labels.length > 30);
  assert.ok(labels.every((l) => l === "truck"), `labels ${[...new Set(labels)]}`);
});

Deno.test("different class groups never associate", () => {
  // A pedestrian in front of a car, IoU 0.375 (over matchIou). (A "person" box as wide as the car
  // and holding it is the detector's box over the car: personOverVehicleShare.)
  const tr = new ByteTracker();
  const frames = [];
  for (let i = 0; i < 10; i++) {
    frames.push({
      ts: i * 100,
      dets: [_det("car", 300, 300, 100, 60), _det("person", 305, 300, 40, 70)],
    });
  }
  const ids = _run(tr, frames);
  assert.deepEqual(ids, [1, 2]);
  const out = tr.update([_det("car", 300, 300, 100, 60), _det("person", 305, 300, 40, 70)], 1000);
  assert.deepEqual(out.tracks.map((t) => t.label).sort(), ["car", "person"]);
});

/**
 * Held-out s30_9 (640x360, dusk 0.41 with H.265, 10 fps), 0.8-2.6 s: NanoDet's boxes of the far
 * first van, [ts ms, [label, conf, box px]]. It boxes the van as a person (0.29-0.47, w/h 0.8-1.0)
 * with car or motorcycle boxes under them (0.13-0.39) until the car boxes reach 0.53 at 2.1 s.
 */
const S30_9_FAR_VAN: [number, [string, number, Box][]][] = [
  [800, [
    ["person", 0.41, [281, 119, 32, 37]],
    ["person", 0.15, [300, 110, 31, 48]],
    ["motorcycle", 0.13, [278, 124, 32, 31]],
    ["person", 0.13, [294, 108, 29, 44]],
    ["truck", 0.12, [49, 112, 556, 244]],
    ["person", 0.11, [305, 143, 21, 47]],
    ["person", 0.10, [304, 131, 23, 40]],
  ]],
  [900, [
    ["person", 0.47, [279, 119, 34, 38]],
    ["person", 0.29, [283, 110, 37, 49]],
    ["motorcycle", 0.19, [277, 123, 34, 34]],
    ["person", 0.16, [301, 107, 30, 52]],
    ["person", 0.15, [295, 107, 27, 45]],
    ["person", 0.10, [306, 145, 21, 48]],
  ]],
  [1000, [
    ["person", 0.41, [276, 124, 35, 35]],
    ["person", 0.27, [282, 109, 39, 49]],
    ["car", 0.17, [276, 126, 34, 33]],
    ["person", 0.16, [295, 107, 38, 51]],
    ["person", 0.13, [305, 144, 22, 49]],
    ["person", 0.10, [299, 129, 29, 45]],
  ]],
  [1100, [
    ["person", 0.40, [279, 114, 36, 45]],
    ["person", 0.34, [276, 127, 34, 33]],
    ["car", 0.24, [275, 127, 33, 33]],
    ["person", 0.16, [292, 107, 41, 51]],
    ["motorcycle", 0.15, [279, 114, 37, 45]],
    ["truck", 0.10, [46, 110, 568, 248]],
  ]],
  [1200, [
    ["person", 0.35, [273, 127, 37, 36]],
    ["car", 0.27, [273, 128, 36, 34]],
    ["person", 0.21, [283, 109, 39, 51]],
    ["motorcycle", 0.18, [277, 115, 38, 47]],
    ["person", 0.13, [293, 107, 40, 51]],
    ["truck", 0.13, [47, 110, 567, 248]],
    ["person", 0.11, [307, 148, 20, 43]],
    ["person", 0.10, [299, 118, 32, 46]],
  ]],
  [1300, [
    ["person", 0.34, [272, 126, 39, 38]],
    ["car", 0.22, [272, 126, 39, 38]],
    ["person", 0.21, [282, 109, 41, 52]],
    ["person", 0.13, [293, 107, 41, 53]],
    ["truck", 0.12, [47, 109, 568, 251]],
    ["person", 0.10, [306, 151, 20, 46]],
  ]],
  [1400, [
    ["person", 0.34, [271, 126, 40, 39]],
    ["person", 0.21, [280, 109, 43, 53]],
    ["car", 0.16, [271, 126, 40, 39]],
    ["person", 0.14, [302, 150, 24, 52]],
    ["truck", 0.13, [49, 109, 560, 250]],
    ["person", 0.13, [293, 109, 39, 53]],
    ["person", 0.12, [49, 109, 560, 250]],
    ["person", 0.11, [278, 130, 46, 39]],
  ]],
  [1500, [
    ["person", 0.36, [272, 127, 37, 39]],
    ["person", 0.27, [276, 112, 38, 52]],
    ["car", 0.22, [270, 132, 37, 34]],
    ["person", 0.16, [282, 120, 40, 47]],
    ["person", 0.15, [303, 150, 23, 52]],
    ["person", 0.13, [295, 110, 39, 53]],
    ["person", 0.13, [287, 132, 39, 41]],
    ["truck", 0.13, [49, 110, 562, 248]],
    ["person", 0.11, [49, 110, 562, 248]],
    ["person", 0.10, [271, 139, 45, 47]],
  ]],
  [1600, [
    ["person", 0.43, [271, 126, 38, 43]],
    ["person", 0.27, [277, 112, 39, 54]],
    ["car", 0.19, [269, 135, 37, 34]],
    ["person", 0.17, [281, 119, 43, 51]],
    ["person", 0.14, [291, 111, 42, 55]],
    ["person", 0.12, [301, 143, 26, 56]],
    ["truck", 0.12, [51, 108, 556, 250]],
    ["person", 0.12, [271, 137, 41, 44]],
    ["person", 0.11, [51, 108, 556, 250]],
    ["person", 0.10, [281, 109, 39, 43]],
  ]],
  [1700, [
    ["person", 0.38, [272, 125, 38, 45]],
    ["car", 0.35, [268, 136, 37, 34]],
    ["person", 0.26, [268, 138, 38, 33]],
    ["person", 0.23, [280, 112, 36, 54]],
    ["person", 0.14, [287, 120, 38, 48]],
    ["person", 0.13, [291, 111, 43, 53]],
    ["truck", 0.12, [50, 108, 563, 250]],
    ["person", 0.11, [283, 109, 37, 39]],
  ]],
  [1800, [
    ["person", 0.36, [270, 125, 40, 46]],
    ["car", 0.27, [267, 135, 40, 36]],
    ["person", 0.22, [279, 111, 39, 56]],
    ["truck", 0.14, [50, 109, 562, 249]],
    ["person", 0.12, [289, 111, 45, 52]],
    ["person", 0.11, [283, 109, 39, 40]],
    ["person", 0.10, [294, 122, 39, 49]],
  ]],
  [1900, [
    ["car", 0.39, [265, 137, 43, 36]],
    ["person", 0.29, [271, 126, 40, 46]],
    ["person", 0.18, [280, 111, 38, 51]],
    ["truck", 0.15, [48, 109, 564, 248]],
    ["person", 0.11, [48, 109, 564, 248]],
    ["person", 0.10, [263, 137, 41, 35]],
    ["person", 0.10, [287, 124, 39, 47]],
    ["person", 0.10, [289, 111, 44, 50]],
  ]],
  [2000, [
    ["car", 0.41, [263, 136, 45, 39]],
    ["car", 0.30, [271, 123, 42, 52]],
    ["person", 0.23, [271, 123, 42, 52]],
    ["person", 0.14, [263, 136, 45, 39]],
    ["person", 0.13, [282, 116, 42, 53]],
    ["motorcycle", 0.12, [282, 116, 42, 53]],
  ]],
  [2100, [["car", 0.53, [263, 137, 44, 40]], ["car", 0.30, [271, 123, 40, 54]], ["person", 0.20, [
    264,
    129,
    45,
    47,
  ]], ["car", 0.11, [284, 117, 40, 52]]]],
  [2200, [
    ["car", 0.54, [260, 136, 48, 43]],
    ["car", 0.27, [275, 124, 36, 53]],
    ["person", 0.22, [265, 129, 44, 48]],
    ["car", 0.10, [283, 116, 41, 55]],
    ["person", 0.10, [280, 111, 36, 48]],
    ["car", 0.10, [292, 129, 35, 51]],
  ]],
  [2300, [
    ["car", 0.56, [258, 137, 49, 44]],
    ["car", 0.26, [275, 125, 35, 52]],
    ["person", 0.16, [266, 129, 43, 50]],
    ["car", 0.12, [283, 118, 39, 52]],
    ["car", 0.11, [290, 128, 35, 52]],
    ["person", 0.11, [259, 141, 45, 40]],
  ]],
  [2400, [
    ["car", 0.50, [258, 135, 49, 48]],
    ["car", 0.33, [275, 125, 36, 53]],
    ["person", 0.17, [275, 125, 36, 53]],
    ["person", 0.16, [258, 133, 48, 50]],
    ["car", 0.13, [284, 127, 41, 55]],
    ["car", 0.13, [281, 116, 41, 55]],
  ]],
  [2500, [
    ["car", 0.37, [257, 144, 45, 40]],
    ["car", 0.31, [264, 129, 44, 51]],
    ["car", 0.30, [276, 127, 33, 41]],
    ["person", 0.23, [257, 138, 47, 46]],
    ["person", 0.22, [270, 128, 38, 51]],
    ["person", 0.12, [280, 112, 36, 44]],
    ["car", 0.12, [47, 110, 569, 245]],
    ["car", 0.11, [281, 126, 43, 52]],
    ["car", 0.11, [280, 115, 42, 49]],
  ]],
  [2600, [
    ["car", 0.34, [256, 144, 46, 40]],
    ["car", 0.29, [263, 129, 45, 52]],
    ["person", 0.25, [269, 128, 39, 53]],
    ["person", 0.25, [256, 133, 49, 51]],
    ["car", 0.23, [274, 126, 35, 43]],
    ["person", 0.13, [280, 112, 36, 45]],
    ["truck", 0.11, [45, 109, 568, 245]],
  ]],
];

Deno.test("a wide person box over a vehicle box of the same frame starts no track (s30_9)", () => {
  const run = (opts: Partial<ByteTrackOptions>) => {
    // As the pipeline runs it with min_conf 0.4 (analyzer/pipeline/frame_analysis.ts).
    const tr = new ByteTracker({ highThresh: 0.4, newTrackThresh: 0.4, lowThresh: 0.1, ...opts });
    const labels: string[] = [];
    for (const [ts, rows] of S30_9_FAR_VAN) {
      for (const s of tr.update(_dets(rows), ts, { w: 640, h: 360 }).started) labels.push(s.label);
    }
    return labels;
  };
  // One track on the van, a vehicle's, from its first high car box on.
  assert.deepEqual(run({}), ["car"]);
  // Without the rule the person boxes start a person track on the van 1.2 s earlier.
  assert.deepEqual(run({ personOnVehicleBoxIou: 2 }), ["person", "car"]);
});

/** Speed after warm-up for a track driven by `pos(t)` (centre x), 10 fps unless `times` given. */
function _speeds(
  pos: (t: number) => number,
  opts: { seed: number; jitter?: number; times?: number[]; missRate?: number },
): { t: number; speed: number; vx: number }[] {
  const rng = seededRandom(opts.seed);
  const tr = new ByteTracker();
  const times = opts.times ?? Array.from({ length: 101 }, (_, i) => i / 10);
  const out: { t: number; speed: number; vx: number }[] = [];
  for (const t of times) {
    const miss = opts.missRate !== undefined && rng() < opts.missRate;
    const dets = miss
      ? []
      : [_det("car", pos(t), 300, 200, 120, { jitter: opts.jitter ?? 2, rng })];
    const r = tr.update(dets, t * 1000);
    if (r.tracks.length === 1) {
      out.push({ t, speed: r.tracks[0].speed_px_s, vx: r.tracks[0].velocity[0] });
    }
  }
  return out;
}

Deno.test("speed: stationary with +-2 px jitter reads < 5 px/s after warm-up", () => {
  for (let seed = 1; seed <= 20; seed++) {
    const s = _speeds(() => 400, { seed }).filter((x) => x.t >= 1);
    const max = Math.max(...s.map((x) => x.speed));
    assert.ok(max < 5, `seed ${seed}: max ${max}`);
  }
});

Deno.test("speed: constant 100 px/s reads 100 +- 5 px/s, also with dropped frames", () => {
  for (let seed = 1; seed <= 20; seed++) {
    const regular = _speeds((t) => 100 + 100 * t, { seed }).filter((x) => x.t >= 1);
    // Dropped frames: capture times advance by 67..300 ms irregularly.
    const rng = seededRandom(seed + 100);
    const times: number[] = [];
    for (let t = 0; t <= 10; t += 0.067 + rng() * 0.233) times.push(t);
    const dropped = _speeds((t) => 100 + 100 * t, { seed, times }).filter((x) => x.t >= 1);
    for (const s of [...regular, ...dropped]) {
      assert.ok(Math.abs(s.speed - 100) <= 5, `seed ${seed} t ${s.t}: ${s.speed}`);
    }
  }
});

/** Speed profile of "brake from 150 px/s at 75 px/s^2, stand 3 s, pull away at 90 px/s^2". */
function _stopPos(t: number): number {
  if (t < 1) return 100 + 150 * t;
  if (t < 3) return 250 + 150 * (t - 1) - 37.5 * (t - 1) ** 2; // stops at t = 3, x = 400
  if (t < 6) return 400;
  return 400 + 45 * (t - 6) ** 2;
}

Deno.test("speed: a vehicle braking to a stop reads < 10 px/s within 0.5 s of stopping", () => {
  for (let seed = 1; seed <= 20; seed++) {
    const s = _speeds(_stopPos, { seed });
    const firstSlow = s.find((x) => x.t >= 2 && x.speed < 10)!;
    assert.ok(firstSlow.t <= 3.5 && firstSlow.t >= 2.7, `seed ${seed}: slow at ${firstSlow.t}`);
    // ... and stays there until it pulls away.
    const during = s.filter((x) => x.t >= 3.5 && x.t <= 6);
    assert.ok(during.every((x) => x.speed <= 10), `seed ${seed}: a spike while stopped`);
    const moving = s.find((x) => x.t > 6 && x.speed > 10)!;
    assert.ok(moving.t <= 6.4, `seed ${seed}: moving again at ${moving.t}`);
  }
});

Deno.test("ids are unique and increasing; started/ended fire once per confirmed track", () => {
  // The vehicles stand still: they would be kept as parked (maxLostStillMs) without the option.
  const tr = new ByteTracker({ maxLostMs: 500, maxLostStillMs: 500 });
  const started: number[] = [];
  const ended: number[] = [];
  // Five vehicles, one after another, each visible 1 s and then gone.
  for (let i = 0; i < 80; i++) {
    const k = Math.floor(i / 15);
    const dets = i % 15 < 10 && k < 5 ? [_det("car", 100 + 100 * k, 300, 80, 50)] : [];
    const out = tr.update(dets, i * 100);
    started.push(...out.started.map((t) => t.id));
    ended.push(...out.ended.map((t) => t.id));
    for (const e of out.ended) assert.equal(e.state, "lost");
  }
  assert.deepEqual(started, [1, 2, 3, 4, 5]);
  assert.deepEqual(ended, [1, 2, 3, 4, 5]);
  assert.equal(tr.all.length, 0);
  tr.reset();
  for (let i = 0; i < 3; i++) tr.update([_det("car", 100, 100, 80, 50)], 10000 + i * 100);
  assert.deepEqual(tr.all.map((t) => t.id), [6], "ids never repeat, even after reset()");
});

Deno.test("track views expose boxes, timestamps and counters", () => {
  const tr = new ByteTracker();
  tr.update([_det("car", 100, 100, 80, 50, { conf: 0.9 })], 1000);
  const t0 = tr.all[0];
  assert.equal(t0.state, "tentative");
  assert.equal(t0.id, 0);
  const out = tr.update([_det("car", 110, 100, 80, 50, { conf: 0.7 })], 1100);
  const v = _only(out.tracks);
  assert.deepEqual(out.started.map((t) => t.id), [1]);
  assert.equal(v.state, "confirmed");
  assert.equal(v.conf, 0.7);
  assert.deepEqual(v.rawBox, [70, 75, 80, 50]);
  assert.equal(v.hits, 2);
  assert.equal(v.missed, 0);
  assert.equal(v.firstTs, 1000);
  assert.equal(v.lastTs, 1100);
  assert.equal(v.age, 100);
  assert.ok(v.box[0] > 60 && v.box[0] <= 70, `smoothed box ${v.box}`);
  assert.ok(Math.abs(v.center[0] - (v.box[0] + v.box[2] / 2)) < 1e-9);
});

Deno.test("full_stop scene: one id, and the <= 10 px/s interval matches the truth stop", async () => {
  const truth: SceneTruth = JSON.parse(
    await Deno.readTextFile(new URL("../../samples/scenes/full_stop.truth.json", import.meta.url)),
  );
  const veh = truth.vehicles[0];
  const stop = veh.stops[0];
  const thr = truth.stop.stop_speed_px_s;
  const startErr: number[] = [];
  const endErr: number[] = [];
  const durErr: number[] = [];
  const seeds = 20;
  for (let seed = 1; seed <= seeds; seed++) {
    const rng = seededRandom(seed);
    const tr = new ByteTracker();
    const samples: { t: number; speed: number }[] = [];
    const ids = new Set<number>();
    for (const f of veh.frames as FrameTruth[]) {
      const ts = f.t * 1000;
      // The detector sees the vehicle once most of it is in frame, not every frame (10 % misses),
      // with +-2 px edge jitter, and its box is clipped to the frame.
      const seen = f.visible >= 0.5 && rng() >= 0.1;
      const dets: Detection[] = [];
      if (seen) {
        const d = _det(veh.label, f.x, f.y, f.bbox[2], f.bbox[3], { jitter: 2, rng });
        const x0 = Math.max(0, d.box[0]), x1 = Math.min(truth.width, d.box[0] + d.box[2]);
        d.box = [x0, d.box[1], x1 - x0, d.box[3]];
        dets.push(d);
      }
      const out = tr.update(dets, ts);
      for (const t of out.tracks) {
        ids.add(t.id);
        samples.push({ t: f.t, speed: t.speed_px_s });
      }
    }
    assert.deepEqual([...ids], [1], `seed ${seed}: one id for the whole scene`);
    // The longest run of samples at or below the stop threshold.
    let best: [number, number] | null = null;
    let runStart: number | null = null;
    for (const s of samples) {
      if (s.speed <= thr) {
        runStart ??= s.t;
        if (!best || s.t - runStart > best[1] - best[0]) best = [runStart, s.t];
      } else runStart = null;
    }
    assert.ok(best, `seed ${seed}: never slow`);
    startErr.push(best[0] - stop.start);
    endErr.push(best[1] - stop.end);
    durErr.push(best[1] - best[0] - stop.duration);
  }
  const worst = (a: number[]) => Math.max(...a.map(Math.abs));
  const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
  console.log(
    `full_stop over ${seeds} seeds: start err mean ${mean(startErr).toFixed(3)} s worst ` +
      `${worst(startErr).toFixed(2)} s; end err mean ${mean(endErr).toFixed(3)} s worst ` +
      `${worst(endErr).toFixed(2)} s; duration err mean ${mean(durErr).toFixed(3)} s worst ` +
      `${worst(durErr).toFixed(2)} s`,
  );
  // NOT the 0.25 s per end the design asks for: both ends lag by 0.2-0.3 s here. A causal
  // estimate cannot see a start before the jitter allows it (pulling away at 90 px/s^2 moves the
  // van 1.8 px in the first 0.2 s, inside the +-2 px edge jitter), nor read "stopped" before the
  // braking tail leaves its window. The lags are alike at both ends, so the duration (what the
  // stop judge reports) is closer. Asserted: what holds over all seeds, to catch regressions.
  assert.ok(worst(startErr) <= 0.35, `start errors ${startErr}`);
  assert.ok(worst(endErr) <= 0.35, `end errors ${endErr}`);
  assert.ok(worst(durErr) <= 0.3, `duration errors ${durErr}`);
  assert.ok(mean(startErr) >= 0 && mean(startErr) <= 0.25, `mean start lag ${mean(startErr)}`);
  assert.ok(mean(endErr) >= 0 && mean(endErr) <= 0.3, `mean end lag ${mean(endErr)}`);
  assert.ok(Math.abs(mean(durErr)) <= 0.15, `mean duration error ${mean(durErr)}`);
});

Deno.test("setOptions changes thresholds without losing live tracks", () => {
  const tr = new ByteTracker({ highThresh: 0.5, newTrackThresh: 0.5 });
  const det = (x: number, conf: number) => ({ label: "car", conf, box: [x, 100, 40, 30] as Box });
  tr.update([det(0, 0.9)], 0);
  const id = tr.update([det(5, 0.9)], 100).tracks[0].id;
  tr.setOptions({ highThresh: 0.3, newTrackThresh: 0.3 });
  assert.equal(tr.options.highThresh, 0.3);
  assert.equal(tr.update([det(10, 0.9)], 200).tracks[0].id, id);
  // A 0.35 detection can now start a track.
  tr.update([det(10, 0.9), det(400, 0.35)], 300);
  const out = tr.update([det(15, 0.9), det(402, 0.35)], 400);
  assert.equal(out.tracks.length, 2);
});

Deno.test("anchor: bottom centre of the smoothed box by default, its speed measured on that point", () => {
  for (const anchor of ["bottom_center", "center"] as const) {
    const tr = new ByteTracker({ anchor });
    let v: TrackView | undefined;
    for (let k = 0; k < 20; k++) {
      // 100 px/s to the right, box 60x40.
      v = tr.update([_det("car", 100 + 10 * k, 200, 60, 40)], k * 100).tracks[0] ?? v;
    }
    v = v!;
    const want = anchor === "center" ? v.box[1] + v.box[3] / 2 : v.box[1] + v.box[3];
    assert.ok(Math.abs(v.anchor[0] - (v.box[0] + v.box[2] / 2)) < 1e-9, `${anchor} x`);
    assert.ok(Math.abs(v.anchor[1] - want) < 1e-9, `${anchor} y ${v.anchor[1]} vs ${want}`);
    assert.ok(Math.abs(v.speed_px_s - 100) < 2, `${anchor} speed ${v.speed_px_s}`);
  }
  // A box growing downwards (a vehicle coming towards the camera, top edge still): the centre
  // moves at 10 px/s, the bottom centre (where it meets the road) at 20 px/s.
  const speeds: Record<string, number> = {};
  for (const anchor of ["bottom_center", "center"] as const) {
    const tr = new ByteTracker({ anchor });
    let last: TrackView | undefined;
    for (let k = 0; k <= 80; k++) {
      const h = 40 + 2 * k; // +20 px/s at 10 fps
      last = tr.update([{ label: "car", conf: 0.9, box: [300, 100, 60, h] }], k * 100).tracks[0] ??
        last;
    }
    speeds[anchor] = last!.velocity[1];
  }
  assert.ok(Math.abs(speeds.center - 10) < 1, `centre vy ${speeds.center}`);
  assert.ok(Math.abs(speeds.bottom_center - 20) < 2, `bottom centre vy ${speeds.bottom_center}`);
});

// ---- Track quality on real footage (#12 item 5) ----

const FRAME = { w: 768, h: 576 };

Deno.test("implausible boxes never start a track: frame-sized, or no vehicle's aspect ratio", () => {
  const tr = new ByteTracker({ maxBoxArea: 0.5 });
  for (let k = 0; k < 10; k++) {
    const out = tr.update(
      [
        // 92 % x 90 % of the frame (a real NanoDet false positive on a street).
        { label: "car", conf: 0.6, box: [30, 28, 707, 518] },
        // A 10:1 "car" in the middle of the frame.
        { label: "car", conf: 0.9, box: [200, 300, 400, 40] },
        // A 1:8 "truck" (a pole).
        { label: "truck", conf: 0.9, box: [600, 100, 20, 160] },
      ],
      k * 100,
      FRAME,
    );
    assert.equal(out.tracks.length, 0, `frame ${k}: ${JSON.stringify(out.tracks)}`);
  }
  assert.equal(tr.all.length, 0, "not even a tentative track");
  // A plausible car, a tall person, and a vehicle cut by the frame edge (a partial view) do.
  const ok = new ByteTracker();
  let out = ok.update([], 0, FRAME);
  for (let k = 0; k < 3; k++) {
    out = ok.update(
      [
        { label: "car", conf: 0.9, box: [300, 300, 120, 70] },
        { label: "person", conf: 0.9, box: [100, 100, 20, 80] },
        { label: "car", conf: 0.9, box: [0, 200, 15, 90] },
      ],
      k * 100,
      FRAME,
    );
  }
  assert.equal(out.tracks.length, 3);
  // The share is configurable: at 0.9 the big box may start a track.
  const lax = new ByteTracker({ maxBoxArea: 0.95 });
  for (let k = 0; k < 3; k++) {
    out = lax.update([{ label: "car", conf: 0.6, box: [30, 28, 707, 518] }], k * 100, FRAME);
  }
  assert.equal(out.tracks.length, 1);
});

Deno.test("a parked car keeps its id through confidence flicker and missed stretches", () => {
  const rng = seededRandom(3);
  const tr = new ByteTracker({ highThresh: 0.4, newTrackThresh: 0.4, lowThresh: 0.1 });
  const ids = new Set<number>();
  // 60 s at 10 fps. Confidence wanders 0.05-0.6 around the 0.4 threshold; twice the detector
  // misses the car entirely for 4 s (longer than maxLostMs).
  for (let k = 0; k < 600; k++) {
    const ts = k * 100;
    const gap = (ts >= 10_000 && ts < 14_000) || (ts >= 30_000 && ts < 34_000);
    const conf = 0.05 + 0.55 * rng();
    const dets = gap ? [] : [_det("car", 500, 300, 120, 70, { conf, jitter: 1.5, rng })];
    for (const t of tr.update(dets, ts, FRAME).tracks) ids.add(t.id);
  }
  assert.deepEqual([...ids], [1], `one id for the parked car, got ${[...ids]}`);
  // Without the still rule (maxLostStillMs = maxLostMs) the same car is re-born after each gap.
  const plain = new ByteTracker({
    highThresh: 0.4,
    newTrackThresh: 0.4,
    lowThresh: 0.1,
    maxLostStillMs: 1500,
  });
  const rng2 = seededRandom(3);
  const ids2 = new Set<number>();
  for (let k = 0; k < 600; k++) {
    const ts = k * 100;
    const gap = (ts >= 10_000 && ts < 14_000) || (ts >= 30_000 && ts < 34_000);
    const conf = 0.05 + 0.55 * rng2();
    const dets = gap ? [] : [_det("car", 500, 300, 120, 70, { conf, jitter: 1.5, rng: rng2 })];
    for (const t of plain.update(dets, ts, FRAME).tracks) ids2.add(t.id);
  }
  assert.ok(ids2.size >= 3, `the control re-births it: ${[...ids2]}`);
});

Deno.test("a moving track does not jump onto a parked car's box", () => {
  // The parked car scores 0.3: below the 0.5 that starts a track, so nothing tracks it, but a
  // lost track may take it in the low-score stage (IoU >= 0.5).
  const parked = () => _det("car", 560, 300, 120, 70, { conf: 0.3 });
  const run = (opts: Partial<ByteTrackOptions>) => {
    // As the pipeline runs it with min_conf 0.4 (analyzer/pipeline/frame_analysis.ts).
    const tr = new ByteTracker({ highThresh: 0.4, newTrackThresh: 0.4, lowThresh: 0.1, ...opts });
    let movingId = 0;
    const stolen: number[] = [];
    // A car drives right at 250 px/s along the same row and is hidden from x 480 on (just
    // before the parked car); its prediction runs onto the parked car's box.
    for (let k = 0; k < 30; k++) {
      const ts = k * 100;
      const x = 130 + 25 * k;
      const dets = [parked()];
      if (x <= 480) dets.push(_det("car", x, 300, 120, 70));
      for (const t of tr.update(dets, ts, FRAME).tracks) {
        movingId ||= t.id;
        if (x > 480 && t.id === movingId) stolen.push(ts);
      }
    }
    assert.ok(movingId > 0);
    return stolen;
  };
  assert.deepEqual(run({}), [], "the moving track never takes the standing box");
  // Control: without the gate (nothing counts as moving) the track takes it.
  assert.ok(run({ movingSpeedPxS: Infinity }).length > 5, "control: stolen without the gate");
});

Deno.test("a lost parked track is not re-found by a car emerging over its place", () => {
  const run = (opts: Partial<ByteTrackOptions>) => {
    // As the pipeline runs it with min_conf 0.4 (analyzer/pipeline/frame_analysis.ts).
    const tr = new ByteTracker({ highThresh: 0.4, newTrackThresh: 0.4, lowThresh: 0.1, ...opts });
    let pid = 0;
    for (let k = 0; k <= 20; k++) {
      pid = tr.update([_det("car", 560, 300, 120, 70)], k * 100, FRAME).tracks[0]?.id ?? pid;
    }
    // The parked car is no longer detected (hidden); a car appears from behind a van right over
    // its place (30 px lower, IoU ~0.27 with it) and drives on at 250 px/s.
    const seen = new Set<number>();
    for (let k = 0; k < 8; k++) {
      const box = _det("car", 530 + 25 * k, 330, 120, 70);
      for (const t of tr.update([box], 2100 + k * 100, FRAME).tracks) seen.add(t.id);
    }
    return seen.has(pid);
  };
  assert.equal(run({}), false, "the emerging car gets its own id");
  assert.equal(run({ lowMatchIou: 0.2 }), true, "control: with a loose IoU it takes the parked id");
});

Deno.test("a van that parks where a lost parked van stood keeps its own id", () => {
  // A van stands at P for 3 s and vanishes (its still track is kept lost for maxLostStillMs);
  // 2 s later another van drives in along the row at 150 px/s, brakes to 0 over 2 s and parks at
  // P, seen at 3 fps (the boxes of the looped parked scene: 218x169 px). While it brakes its box
  // overlaps P at IoU >= 0.5 before it is still; the lost track must not take it (it did, in
  // stage 0, and the arriving van's track ended: 2 ids on every later play of the scene).
  const rng = seededRandom(7);
  const tr = new ByteTracker();
  const P = 381, W = 218, H = 169, Y = 224;
  const ids: number[] = [];
  const reported = new Set<number>();
  for (let ts = 0; ts < 5000; ts += 333) {
    const dets = ts <= 3000 ? [_det("truck", P, Y, W, H, { jitter: 1, rng })] : [];
    ids.push(...tr.update(dets, ts, FRAME).started.map((s) => s.id));
  }
  assert.deepEqual(ids, [1]);
  // From 5.0 s: 150 px/s from x 81 for 2 s, then braking to 0 over 2 s (150 px), parked from 9 s.
  for (let ts = 5000; ts <= 12000; ts += 333) {
    const t = (ts - 5000) / 1000;
    const x = t < 2 ? P - 450 + 150 * t : P - 37.5 * Math.max(0, 4 - t) ** 2;
    const out = tr.update([_det("truck", x, Y, W, H, { jitter: 1, rng })], ts, FRAME);
    ids.push(...out.started.map((s) => s.id));
    for (const v of out.tracks) reported.add(v.id);
  }
  assert.deepEqual(ids, [1, 2], "the arriving van got one id of its own");
  assert.deepEqual([...reported], [2], "the lost track never took its boxes");
});

Deno.test("a parked car keeps its id over a 1.6 s gap between updates (motion gating)", () => {
  // With motion gating the detector runs on a still scene only every stationary_interval_s (1 s);
  // at 3 fps under load the next update came 1.6 s after the last, over maxLostMs (1.5 s), and
  // every parked track ended there though none had been missed.
  const tr = new ByteTracker();
  const rng = seededRandom(9);
  const ids: number[] = [];
  const ended: number[] = [];
  for (const ts of [0, 333, 667, 1000, 1333, 2333, 3333, 4933, 5933, 7533]) {
    const out = tr.update([_det("car", 560, 300, 120, 70, { jitter: 1, rng })], ts, FRAME);
    ids.push(...out.started.map((s) => s.id));
    ended.push(...out.ended.map((e) => e.id));
  }
  assert.deepEqual(ids, [1]);
  assert.deepEqual(ended, []);
  // A moving car is not kept over such a gap: its prediction is 1.6 s old.
  const mover = new ByteTracker();
  const gone: number[] = [];
  for (const ts of [0, 333, 667, 1000, 2600]) {
    gone.push(
      ...mover.update([_det("car", 100 + 0.15 * ts, 300, 120, 70)], ts, FRAME).ended.map((e) =>
        e.id
      ),
    );
  }
  assert.deepEqual(gone, [1]);
});

/**
 * brief_occlusion (dev/testing/scenes) at 3 processed fps, regular frames: NanoDet's boxes on the
 * van (768x576, min_conf 0.4) entering from the left edge at 150 px/s, hidden by the occluder at
 * 2.1 s, and the weak boxes around it, [ts ms, label, conf, box] (2026-11-30). Until 1.8 s its
 * box is cut by the frame edge, so its bottom centre moves at half the van's speed; at 2.4 s a
 * 0.14 box spans the occluder from the frame edge to the van.
 */
const _EDGE_OCCLUSION: RecordedBox[] = [
  [600, "truck", 0.43, [0.4, 146.7, 69.2, 159.6]],
  [900, "truck", 0.45, [0, 140.9, 114.5, 170.8]],
  [900, "truck", 0.1, [42.8, 203.7, 71.8, 99.5]],
  [1200, "truck", 0.42, [0.5, 126.5, 163.5, 184.6]],
  [1200, "car", 0.14, [140.0, 171.5, 177.6, 44.5]],
  [1200, "car", 0.11, [220.8, 182.3, 91.4, 33.3]],
  [1500, "bus", 0.52, [2.9, 138.3, 200.7, 170.7]],
  [1500, "car", 0.13, [219.6, 185.3, 88.0, 31.3]],
  [1500, "car", 0.12, [168.5, 164.5, 154.6, 50.9]],
  [1800, "truck", 0.52, [34.6, 143.0, 216.4, 168.6]],
  [1800, "car", 0.11, [221.4, 183.9, 87.5, 32.7]],
  [1800, "car", 0.11, [218.8, 168.1, 104.3, 47.6]],
  [2400, "truck", 0.52, [119.4, 139.7, 218.8, 169.5]],
  [2400, "car", 0.15, [314.1, 165.9, 136.5, 49.9]],
  [2400, "truck", 0.14, [0, 131.4, 333.3, 171.6]],
  [2400, "car", 0.11, [355.9, 154.7, 104.9, 54.7]],
  [2700, "bus", 0.52, [161.6, 142.2, 218.8, 164.8]],
  [2700, "car", 0.29, [349.3, 165.3, 75.8, 46.7]],
  [2700, "car", 0.22, [354.0, 158.1, 96.0, 50.1]],
  [2700, "car", 0.16, [380.4, 148.8, 75.7, 46.3]],
  [3000, "bus", 0.57, [197.0, 141.4, 219.3, 166.4]],
  [3000, "truck", 0.22, [12.8, 136.7, 412.3, 171.2]],
  [3300, "bus", 0.48, [228.0, 140.5, 217.8, 167.2]],
  [3300, "truck", 0.16, [21.9, 137.0, 421.5, 169.5]],
  [3600, "truck", 0.52, [246.5, 141.1, 217.0, 169.6]],
];

Deno.test("a van entering from the frame edge and hidden for one frame at 3 fps keeps its id", () => {
  // Its cut box's anchor points of the last second lay within a quarter of its side of their
  // mean, so it read as standing, and a lost standing track is found again only where it stood
  // (IoU 0.42 with the van's next box): it took the spanning box and ended at the frame edge.
  const tr = new ByteTracker({ highThresh: 0.4, newTrackThresh: 0.4, lowThresh: 0.1 });
  const ids: number[] = [];
  for (let ts = 600; ts <= 3600; ts += 300) {
    const dets = detsAt(_EDGE_OCCLUSION, ts);
    const out = tr.update(dets, ts, FRAME);
    ids.push(...out.started.map((s) => s.id));
    if (ts >= 2400) assert.deepEqual(out.tracks.map((t) => t.id), [1], `ts ${ts}`);
  }
  assert.deepEqual(ids, [1]);
  // It is found again on its own box (moving on), not on the box spanning the occluder.
  assert.deepEqual(tr.all.map((t) => t.rawBox), [[246.5, 141.1, 217.0, 169.6]]);
});

/**
 * brief_occlusion at 5 fps with irregular timing (bench/irregular_frames.ts seed 10, first play,
 * 2026-11-30): NanoDet's boxes on the van (768x576) entering from the left edge and the weak
 * boxes around it, left of x 480, [ts ms, label, conf, box]. At 2.0 s (an update with none of
 * them) the occluder appears; at 2.19 s a 0.12 box covers van and occluder (338x240 px, the van
 * 216x169); at 2.5 s the van's 0.52 box has moved on beside a 0.13 box spanning the occluder
 * from the frame edge.
 */
const _OCCLUDER_BOX: RecordedBox[] = [
  [1034, "truck", 0.6, [0.0, 142.1, 128.7, 170.5]],
  [1034, "car", 0.17, [162.9, 187.9, 15.4, 18.7]],
  [1034, "car", 0.14, [103.8, 202.4, 28.4, 15.1]],
  [1034, "car", 0.12, [162.2, 185.7, 26.7, 20.2]],
  [1034, "truck", 0.12, [42.0, 167.2, 90.2, 139.8]],
  [1034, "car", 0.11, [244.5, 189.5, 54.7, 26.5]],
  [1034, "car", 0.11, [163.4, 183.3, 119.4, 31.2]],
  [1391, "bus", 0.54, [3.6, 136.7, 187.6, 172.5]],
  [1391, "car", 0.17, [161.0, 183.9, 30.2, 30.7]],
  [1391, "car", 0.11, [240.8, 188.2, 64.1, 28.3]],
  [1391, "car", 0.11, [158.8, 167.0, 157.7, 48.1]],
  [1583, "bus", 0.5, [6.5, 139.4, 214.3, 172.3]],
  [1583, "car", 0.13, [228.3, 185.6, 79.1, 30.9]],
  [1583, "car", 0.12, [187.9, 166.0, 130.5, 49.5]],
  [1583, "car", 0.1, [2.0, 237.7, 39.0, 87.4]],
  [1583, "car", 0.1, [188.9, 183.6, 94.7, 32.3]],
  [1773, "truck", 0.52, [34.6, 143.0, 216.4, 168.6]],
  [1773, "car", 0.11, [221.4, 183.9, 87.5, 32.7]],
  [1773, "car", 0.11, [218.8, 168.1, 104.3, 47.6]],
  [2187, "car", 0.12, [34.3, 110.8, 338.4, 239.5]],
  [2501, "truck", 0.52, [132.2, 140.1, 220.6, 167.6]],
  [2501, "car", 0.2, [324.3, 166.3, 113.7, 48.0]],
  [2501, "car", 0.14, [344.6, 156.4, 115.0, 50.9]],
  [2501, "truck", 0.13, [3.5, 132.6, 349.0, 176.3]],
  [2501, "car", 0.1, [381.3, 147.7, 78.7, 47.6]],
  [2776, "truck", 0.55, [171.2, 141.1, 221.2, 166.9]],
  [2776, "car", 0.26, [361.1, 166.3, 62.4, 46.9]],
  [2776, "car", 0.18, [411.1, 202.0, 36.4, 44.4]],
  [2776, "car", 0.17, [368.4, 170.5, 77.5, 49.3]],
  [2776, "car", 0.17, [386.4, 150.4, 64.7, 39.3]],
  [3071, "bus", 0.56, [209.7, 142.9, 217.4, 168.3]],
  [3071, "truck", 0.2, [10.7, 136.2, 424.3, 167.7]],
  [3071, "car", 0.17, [161.9, 251.4, 29.7, 25.3]],
  [3071, "car", 0.16, [396.8, 167.9, 35.9, 40.2]],
  [3071, "car", 0.15, [162.7, 186.9, 26.5, 20.4]],
];

Deno.test("a van's track does not take a low-score box twice its size drawn over the occluder", () => {
  // It did (IoU 0.51 with its prediction): that box made it "stand" (its spread limit grew with
  // the box), so it was found again only where it stood, took the box spanning the occluder at
  // 2.5 s and followed such boxes: its pass entered at 5.18 s for 3.0 s.
  const tr = new ByteTracker({ highThresh: 0.4, newTrackThresh: 0.4, lowThresh: 0.1 });
  const ids: number[] = [];
  for (const ts of [1034, 1391, 1583, 1773, 2002, 2187, 2501, 2776, 3071]) {
    const dets = detsAt(_OCCLUDER_BOX, ts);
    const out = tr.update(dets, ts, FRAME);
    ids.push(...out.started.map((s) => s.id));
    if (ts === 2187) assert.deepEqual(out.tracks, [], "lost: the large box is not the van");
    if (ts >= 2501) {
      // Found again on the van's own box, moving on, each time.
      const van = _OCCLUDER_BOX.find((r) => r[0] === ts && r[2] >= 0.4)!;
      assert.deepEqual(out.tracks.map((t) => [t.id, t.rawBox]), [[1, van[3]]], `ts ${ts}`);
    }
  }
  assert.deepEqual(ids, [1]);
});

/**
 * bench/camera_sweep.ts's oblique_near full stop (a roadside camera, the van driving toward it
 * and across) at 2.5 processed fps: the real NanoDet boxes of 2026-11-30, [ts ms, conf, box].
 * The van stands from 2.8 s; at 6.0 s its box (9-12 px too wide) overlaps where it stood at
 * IoU 0.42, its bottom centre 30 px on; at 6.4 s it has moved on as far again.
 */
const _ROADSIDE_PULL_AWAY: [number, number, Box][] = [
  [2000, 0.65, [260.8, 297.1, 77.5, 61.7]],
  [2400, 0.61, [271, 305.4, 82.5, 67.4]],
  [2800, 0.63, [274.6, 310.5, 84.4, 66.1]],
  [3200, 0.63, [274, 310, 85.4, 67]],
  [3600, 0.63, [274, 310, 85.4, 67]],
  [4000, 0.63, [274, 310.1, 85.4, 66.9]],
  [4400, 0.63, [274, 310.1, 85.4, 66.9]],
  [4800, 0.63, [274, 310.1, 85.4, 66.9]],
  [5200, 0.63, [274.2, 309.9, 85.3, 66.9]],
  [5600, 0.61, [279, 311.8, 82.7, 67.6]],
  [6000, 0.55, [289.2, 323.8, 111.5, 72.8]],
  [6400, 0.68, [311.9, 340.1, 99.4, 80.5]],
  [6800, 0.68, [347.6, 371.8, 121.7, 96.1]],
  [7200, 0.65, [417.1, 427.9, 158.6, 121.4]],
];

Deno.test("a van pulling away from a stop, seen at 2.5 fps, keeps its id; a car over its place driving the other way does not take it", () => {
  const opts = { highThresh: 0.4, newTrackThresh: 0.4 };
  const run = (frames: [number, number, Box][]) => {
    const tr = new ByteTracker(opts);
    const ids = new Set<number>();
    const outs = frames.map(([ts, conf, box]) => {
      const out = tr.update([{ label: "truck", conf, box }], ts, FRAME);
      for (const t of out.tracks) ids.add(t.id);
      return out;
    });
    return { ids: [...ids], outs };
  };
  const { ids, outs } = run(_ROADSIDE_PULL_AWAY);
  assert.deepEqual(ids, [1], "one id");
  const at = (ts: number) => outs[_ROADSIDE_PULL_AWAY.findIndex(([t]) => t === ts)];
  assert.deepEqual(at(6000).tracks, [], "at 6.0 s undecided: the van's track is missed");
  const [t] = at(6400).tracks;
  assert.equal(t.id, 1, "at 6.4 s the van's track takes its box");
  // The 6.0 s box is handed over for the judge to replay (its bottom centre).
  const b6 = _ROADSIDE_PULL_AWAY[10][2];
  assert.deepEqual(t.refound, [{ ts: 6000, point: [b6[0] + b6[2] / 2, b6[1] + b6[3]], box: b6 }]);
  assert.equal(at(6800).tracks[0].refound, undefined, "only on the update that re-found it");
  assert.deepEqual(at(6800).tracks.map((t) => t.id), [1]);
  assert.deepEqual(at(7200).tracks.map((t) => t.id), [1]);

  // The same 6.0 s box, then one that drives the other way (left, toward where the van stood):
  // a car that came out over the place, not the van leaving it; it gets its own id.
  const left = (dx: number): Box => [b6[0] - dx, b6[1], b6[2], b6[3]];
  const passing = run([
    ..._ROADSIDE_PULL_AWAY.slice(0, 11),
    [6400, 0.68, left(60)], // 0.62 inside the van's box: a part box of it, starts no track
    [6800, 0.68, left(120)],
    [7200, 0.68, left(180)],
  ]);
  assert.deepEqual(passing.ids, [1, 2], "a second id for the other car");
  assert.equal(passing.outs[11].tracks.length, 0, "the van's track is not re-found");
});

Deno.test("a track that leaves the frame ends within a second", () => {
  for (const speed of [250, 60]) {
    const tr = new ByteTracker();
    let lastSeenTs = 0, endedTs = -1;
    for (let k = 0; k < 100; k++) {
      const ts = k * 100;
      const x = 300 + (speed / 10) * k; // centre
      // The detector sees it while at least 60 % of its 120 px width is in the frame.
      const visible = Math.min(768, x + 60) - (x - 60);
      const dets: Detection[] = [];
      if (visible >= 72) {
        const x0 = x - 60;
        dets.push({ label: "car", conf: 0.8, box: [x0, 300, Math.min(768, x0 + 120) - x0, 70] });
        lastSeenTs = ts;
      }
      const out = tr.update(dets, ts, FRAME);
      if (out.ended.length) endedTs = ts;
      if (endedTs >= 0) break;
    }
    assert.ok(endedTs > 0, `${speed} px/s: ended`);
    assert.ok(
      endedTs - lastSeenTs <= 1000,
      `${speed} px/s: ended ${endedTs - lastSeenTs} ms after`,
    );
  }
});

Deno.test("a confirmed track hands over the anchor points of its tentative detections once", () => {
  const tr = new ByteTracker({ minHits: 3 });
  const outs = [0, 1, 2, 3].map((k) =>
    tr.update([{ label: "car", conf: 0.9, box: [100 + 10 * k, 200, 60, 40] }], k * 100, FRAME)
  );
  assert.equal(outs[1].started.length, 0);
  const [s] = outs[2].started;
  assert.deepEqual(s.birth, [
    { ts: 0, point: [130, 240] },
    { ts: 100, point: [140, 240] },
    { ts: 200, point: [150, 240] },
  ]);
  assert.equal(outs[3].tracks[0].birth, undefined, "only in started");
});

Deno.test("a fast car's second detection confirms its tentative track (its speed is unknown, not still)", () => {
  // 5 fps, approaching: the box grows and moves a third of itself per frame (IoU ~0.49 with the
  // first, as the 36 km/h van of perspective_test at half rate), above tentativeMatchIou 0.3.
  const boxes: Box[] = [[305, 266, 58, 42], [295, 274, 64, 49], [286, 286, 70, 56]];
  const tr = new ByteTracker({ highThresh: 0.4, newTrackThresh: 0.4 });
  const ids = _run(
    tr,
    boxes.map((box, k) => ({ ts: k * 200, dets: [{ label: "car", conf: 0.45, box }] })),
  );
  assert.deepEqual(ids, [1], "confirmed on the second frame, one id");
});

Deno.test("a far car scoring under min_conf is confirmed by a low-score sighting after a high one, never by low ones alone", () => {
  // persp_far_no_stop's far van in the region crops (2026-11-30): 0.35, 0.37, 0.30, 0.44, 0.35
  // at 10 fps, ~31-35 px wide. min_conf 0.4 is highThresh (analyzer/pipeline/frame_analysis.ts).
  const opts = { highThresh: 0.4, newTrackThresh: 0.4, lowThresh: 0.1 };
  const seen: [number, Box][] = [
    [0.35, [343, 214, 28, 22]],
    [0.37, [342, 215, 30, 24]],
    [0.30, [341, 217, 31, 22]],
    [0.44, [338, 221, 33, 26]],
    [0.35, [335, 222, 35, 28]],
  ];
  const tr = new ByteTracker(opts);
  const started = seen.map(([conf, box], k) =>
    tr.update([{ label: "car", conf, box }], k * 100, FRAME).started.length
  );
  assert.deepEqual(started, [0, 0, 0, 0, 1], "confirmed on the low-score sighting after 0.44");

  // People keep the stricter rule (crowds): the same sightings never confirm a person track.
  const person = new ByteTracker(opts);
  const personStarts = seen.map(([conf, box], k) =>
    person.update([{ label: "person", conf, box }], k * 100, FRAME).started.length
  );
  assert.deepEqual(personStarts, [0, 0, 0, 0, 0]);

  const lowOnly = new ByteTracker(opts);
  for (let k = 0; k < 20; k++) {
    const out = lowOnly.update([{ label: "car", conf: 0.35, box: [340, 220, 32, 24] }], k * 100);
    // (A chain of low-score boxes that moves like a vehicle may start one: #lowStarts.)
    assert.equal(out.started.length, 0, "a static low-score box starts no track");
  }
});

Deno.test("at 2.5 fps a car moving more than its box per frame is confirmed by the motion gate", () => {
  // persp_no_stop at 2.5 fps (36 km/h toward the camera), the detections measured on 2026-11-30:
  // IoU 0.27 then 0.16 between consecutive boxes, so IoU alone never confirmed it.
  const opts = { highThresh: 0.4, newTrackThresh: 0.4 };
  const seen: [number, Box][] = [
    [0.53, [321, 240, 46, 35]],
    [0.36, [310, 255, 50, 41]],
    [0.62, [297, 275, 61, 49]],
    [0.60, [273, 304, 77, 63]],
    [0.65, [230, 356, 108, 87]],
  ];
  const tr = new ByteTracker(opts);
  const outs = seen.map(([conf, box], k) =>
    tr.update([{ label: "car", conf, box }], k * 400, FRAME)
  );
  assert.deepEqual(outs.map((o) => o.started.length), [0, 1, 0, 0, 0]);
  assert.deepEqual(outs.map((o) => o.tracks.map((t) => t.id)), [[], [1], [1], [1], [1]]);

  // Outside the gate: 100 px in 0.4 s for a 50 px box (4 sides/s allows 80 px), or twice the size.
  for (const next of [[440, 240, 50, 35], [350, 255, 92, 70]] as Box[]) {
    const g = new ByteTracker(opts);
    g.update([{ label: "car", conf: 0.6, box: [340, 240, 46, 35] }], 0, FRAME);
    const out = g.update([{ label: "car", conf: 0.6, box: next }], 400, FRAME);
    assert.equal(out.started.length, 0, `not the same vehicle: ${next}`);
  }
});

// samples/london_street.mp4 (352x288, 25 fps): on a row of parked cars NanoDet-g returns a car's
// own box and a box spanning it and the car behind, IoU ~0.55 apart, scores flickering 0.35-0.48
// across min_conf 0.4 (the highThresh the pipeline uses).
const _PARKED: Box = [270, 152, 40, 36];
const _SPANNING: Box = [268, 155, 47, 49];
const _LONDON = { w: 352, h: 288 };

/**
 * A standing vehicle seen by box `first` alone at 0.45 for 1 s, then by `first` at `firstConf` and
 * `second` at 0.45 (highThresh 0.4, as the pipeline runs it): the ids started and track 1's last view.
 */
function _twoBoxes(first: Box, firstConf: number, second: Box, label: string, frames: number) {
  const tr = new ByteTracker({ highThresh: 0.4, newTrackThresh: 0.4 });
  let last: TrackView | undefined;
  const ids = _run(
    tr,
    Array.from({ length: frames }, (_, k) => ({
      ts: k * 40,
      dets: k < 25
        ? [{ label, conf: 0.45, box: first }]
        : [{ label, conf: firstConf, box: first }, { label, conf: 0.45, box: second }],
    })),
    (out) => (last = out.tracks.find((t) => t.id === 1) ?? last),
  );
  return { ids, last };
}

Deno.test("a parked car keeps its own box when a box spanning it and the car behind outscores it", () => {
  // Its own box then scores under min_conf, the spanning one over it.
  const { ids, last } = _twoBoxes(_PARKED, 0.36, _SPANNING, "car", 100);
  assert.deepEqual(ids, [1], "one id");
  assert.deepEqual(last!.rawBox, _PARKED, "the track stays on the car's own box");
  assert.ok(last!.speed_px_s <= 8, `still: ${last!.speed_px_s} px/s`);
});

Deno.test("a standing bus held by a weak part box takes its strong whole box on the same ground", () => {
  // london_street's far double-decker: boxed whole (taller) and by its lower part, the two sharing
  // their bottom edge; held by the part while it scored higher, the track must move to the whole
  // box once that one is the strong one (it keeps the ground point, unlike a box spanning a parked
  // car and the one behind, above). Held on the weak part, that track's box drifted off the bus
  // and its whole box started a second track (real_footage_test: bus 11/13).
  const whole: Box = [140, 38, 26, 36], part: Box = [140, 52, 26, 22];
  const { ids, last } = _twoBoxes(part, 0.3, whole, "bus", 60);
  assert.deepEqual(ids, [1], "one id");
  assert.deepEqual(last!.rawBox, whole, "the track holds the strong box");
});

Deno.test("a second box over a parked car starts no track", () => {
  const tr = new ByteTracker({ highThresh: 0.4, newTrackThresh: 0.4 });
  const ids = _run(
    tr,
    Array.from({ length: 100 }, (_, k) => ({
      ts: k * 40,
      dets: [
        { label: "car", conf: 0.47, box: _PARKED },
        ...(k >= 25 ? [{ label: "truck", conf: 0.43, box: _SPANNING }] : []),
      ],
    })),
  );
  assert.deepEqual(ids, [1]);
});

Deno.test("a stopped car whose cut box jitters 20 px at the frame edge keeps its id", () => {
  // It stopped there (one steady box for 1.6 s); then its left side alternates between two places
  // (the box is cut by the bottom edge), so its speed reads 5-108 px/s, and a weaker box of the
  // other shape comes and goes beside the strong one.
  const a: Box = [216, 239, 56, 45], b: Box = [196, 237, 72, 41];
  const rng = seededRandom(3);
  const tr = new ByteTracker({ highThresh: 0.4, newTrackThresh: 0.4 });
  const ids: number[] = [];
  for (let k = 0; k < 250; k++) {
    const [strong, weak] = k < 40 ? [a, null] : rng() < 0.5 ? [a, b] : [b, a];
    const dets: Detection[] = [{ label: "car", conf: 0.44, box: [...strong] as Box }];
    if (weak && rng() < 0.5) dets.push({ label: "car", conf: 0.24, box: [...weak] as Box });
    const out = tr.update(dets, k * 40, _LONDON);
    ids.push(...out.started.map((s) => s.id));
  }
  assert.deepEqual(ids, [1]);
});

Deno.test("a box over part of a standing bus starts no track", () => {
  // london_street: the far double-decker is seen whole at 0.34-0.47 and by its lower part at
  // 0.22-0.39 (IoU 0.43, the part 94 % inside the whole); whichever scores higher takes the track.
  const whole: Box = [140, 38, 26, 36], part: Box = [140, 58, 26, 17];
  const tr = new ByteTracker({ highThresh: 0.4, newTrackThresh: 0.4 });
  const ids = _run(
    tr,
    Array.from({ length: 100 }, (_, k) => ({
      ts: k * 40,
      dets: k < 40 ? [{ label: "bus", conf: 0.45, box: whole }] : [
        { label: "bus", conf: k % 4 < 2 ? 0.45 : 0.3, box: whole },
        { label: "bus", conf: k % 4 < 2 ? 0.3 : 0.42, box: part },
      ],
    })),
  );
  assert.deepEqual(ids, [1]);
});

Deno.test("a lost standing vehicle is found again where it stood, not where its filter coasted", () => {
  // london_street_2 (352x288, 25 fps): a track stood 0.7 s on a box under the truck, the box's
  // top edge then fell 9 px in 2 frames, and it went unseen for 0.84 s; its filter, coasting on
  // that velocity, predicted it onto the truck's lower box 11 px below (IoU 0.07 with where it
  // stood), which it took and drove into the stop zone on: a second pass for the truck.
  const tr = new ByteTracker({ highThresh: 0.4, newTrackThresh: 0.4 });
  const rng = seededRandom(5);
  const frames: { ts: number; dets: Detection[] }[] = [];
  for (let k = 0; k < 40; k++) {
    const e = () => (rng() * 2 - 1) * 1.5;
    frames.push({
      ts: k * 40,
      dets: [{ label: "car", conf: 0.45, box: [285 + e(), 174 + e(), 40, 22] }],
    });
  }
  frames.push({ ts: 1600, dets: [{ label: "car", conf: 0.2, box: [286, 178, 39, 18] }] });
  frames.push({ ts: 1640, dets: [{ label: "car", conf: 0.2, box: [287, 183, 37, 14] }] });
  // Unseen until 2480 ms, then a weak box lower down (the truck's front).
  for (let ts = 1680; ts < 2480; ts += 40) frames.push({ ts, dets: [] });
  const below: Box = [291, 194, 39, 25];
  let onBelow: TrackView | undefined;
  _run(
    tr,
    [...frames, { ts: 2480, dets: [{ label: "car", conf: 0.17, box: below }] }],
    (out, ts) => ts === 2480 && (onBelow = out.tracks.find((t) => t.id === 1)),
  );
  assert.equal(onBelow, undefined, "the standing track does not take the box below its place");
});

Deno.test("a moving truck boxed whole and by its front gets one track", () => {
  // london_street_2 (352x288, 25 fps): the truck driving down at ~30 px/s, boxed by its front
  // (55x36, 0.43-0.51) and, from 8.96 s, whole (83x109, 0.26-0.34; the front 100 % inside it):
  // the whole box started a second track. Here the whole box scores over min_conf.
  const tr = new ByteTracker({ highThresh: 0.4, newTrackThresh: 0.4 });
  const ids = _run(
    tr,
    Array.from({ length: 60 }, (_, k) => {
      const x = 240 + 20 * k * 0.04, y = 120 + 30 * k * 0.04;
      const front: Box = [x, y, 55, 36], whole: Box = [x - 24, y - 72, 83, 109];
      return {
        ts: k * 40,
        dets: [
          { label: "truck", conf: 0.5, box: front },
          ...(k >= 30 ? [{ label: "truck", conf: 0.45, box: whole }] : []),
        ],
      };
    }),
  );
  assert.deepEqual(ids, [1]);
});

Deno.test("a slow far van with an untaken part box on it stays tracked in every frame", () => {
  // far_vehicle_test's 40 px van at 59 px/s, 10 fps (6 px a frame, consecutive boxes IoU 0.74):
  // one frame also boxed it by a part at 0.14 that no track took. That box, "standing" in the
  // next frame's motion gate (IoU >= 0.7 with the van's next box), barred the van from its own
  // box; the box it missed was left standing in turn, and the van stayed lost while boxed at 0.66.
  const tr = new ByteTracker();
  const reported: number[] = [];
  const ids = _run(
    tr,
    Array.from({ length: 30 }, (_, k) => {
      const x = 100 + 6 * k;
      const van: Box = [x, 300, 41, 30];
      const part: Box = [x + 6, 302, 38, 27]; // 92 % inside the van's box, IoU 0.83 with its next
      return {
        ts: k * 100,
        dets: [
          { label: "truck", conf: 0.66, box: van },
          ...(k === 10 ? [{ label: "truck", conf: 0.14, box: part }] : []),
        ],
      };
    }),
    (out, ts) => {
      if (out.tracks.some((t) => t.state === "confirmed")) reported.push(ts);
    },
  );
  assert.deepEqual(ids, [1]);
  const missing = Array.from({ length: 28 }, (_, k) => (k + 2) * 100).filter((ts) =>
    !reported.includes(ts)
  );
  assert.deepEqual(missing, [], "frames without the van's confirmed track");
});

Deno.test("a car beside a moving one, boxes overlapping, gets its own track", () => {
  // The part-box rule needs the smaller box >= partCoverShare (0.6) inside the other: a car in
  // the next lane whose box overlaps 42 % of it is another vehicle.
  const tr = new ByteTracker({ highThresh: 0.4, newTrackThresh: 0.4 });
  const ids = _run(
    tr,
    Array.from({ length: 50 }, (_, k) => {
      const x = 100 + 60 * k * 0.04;
      return {
        ts: k * 40,
        dets: [
          { label: "car", conf: 0.6, box: [x, 100, 40, 30] as Box },
          ...(k >= 20 ? [{ label: "car", conf: 0.6, box: [x + 20, 105, 40, 30] as Box }] : []),
        ],
      };
    }),
  );
  assert.deepEqual(ids, [1, 2]);
});

Deno.test("a box born beside a moving truck that its whole box then covers gets no id", () => {
  // london_street_2: a car's track drifted onto a larger box for a frame; a box of the same car
  // started a tentative track beside it, and by its confirming frame it lay inside the track's
  // box: two tracks on car_s_3 for 1.1 s. Here the truck's upper body is boxed once beside its
  // tracked front, then the truck is boxed whole, the upper box inside it.
  const tr = new ByteTracker({ highThresh: 0.4, newTrackThresh: 0.4 });
  const ids = _run(
    tr,
    Array.from({ length: 60 }, (_, k) => {
      const x = 240 + 20 * k * 0.04, y = 120 + 30 * k * 0.04;
      const front: Box = [x, y, 55, 36], whole: Box = [x - 24, y - 72, 83, 109];
      const upper: Box = [x - 10, y - 60, 60, 50];
      return {
        ts: k * 40,
        dets: k < 30
          ? [{ label: "truck", conf: 0.5, box: front }]
          : k === 30
          ? [{ label: "truck", conf: 0.5, box: front }, { label: "truck", conf: 0.5, box: upper }]
          : [{ label: "truck", conf: 0.5, box: whole }, { label: "truck", conf: 0.45, box: upper }],
      };
    }),
  );
  assert.deepEqual(ids, [1]);
});

/**
 * The box of a 2 m wide van (0.75 as high as wide, as NanoDet's boxes on the perspective van:
 * 84 x 63 px) whose ground contact point is (X, Y) m on the road of PERSPECTIVE_CAMERA (5 m up,
 * pitched down 12°, 600 px focal length, 768x576): bottom centre on the projected point.
 */
function _pinholeVan(X: number, Y: number): Box {
  const p = project(PERSPECTIVE_CAMERA, FRAME.w, FRAME.h, X, Y)!;
  const w = (PERSPECTIVE_CAMERA.focal_px * 2) / p.depth_m, h = 0.75 * w;
  return [p.u - w / 2, p.v - h, w, h];
}

Deno.test("perspectivePrediction: size and anchor of a constant-speed approach, none side-on", () => {
  // 50 km/h from 24.4 m at 2.5 fps: the next box from the two before it, exact under the model.
  const at = (k: number) => {
    const box = _pinholeVan(LANE_TOWARD_X_M, 24.44 - (50 / 3.6) * 0.4 * k);
    return { ts: k * 400, box, point: [box[0] + box[2] / 2, box[1] + box[3]] as [number, number] };
  };
  const [a, b, c] = [at(0), at(1), at(2)];
  const pred = perspectivePrediction(a, b, c.ts, 1.1)!;
  assert.ok(Math.abs(pred.size_px / Math.sqrt(c.box[2] * c.box[3]) - 1) < 0.01, `${pred.size_px}`);
  assert.ok(Math.hypot(pred.point[0] - c.point[0], pred.point[1] - c.point[1]) < 1);
  // Side-on (the size unchanged) or past the camera by then: no prediction.
  const side = { ...a, ts: 400, point: [a.point[0] + 60, a.point[1]] as [number, number] };
  assert.equal(perspectivePrediction(a, side, 800, 1.1), null);
  assert.equal(perspectivePrediction(a, b, 40_000, 1.1), null);
});

Deno.test("a van driving at the camera at 50 km/h, seen at 2.5 fps, keeps one id (perspective prediction)", () => {
  // perspective_sweep's through_50kmh at 2.5 fps (2026-11-30): the van was tracked at 18.9 and
  // 13.3 m, then its box at 7.8 m (1.6x larger, 0.17 of the frame lower) had IoU ~0 with the
  // constant-velocity Kalman prediction and was over the motion gate's 1.5 size ratio: a second
  // track, and the first ended in the zone after two samples (no pass).
  const v_mps = 50 / 3.6, dt_s = 0.4;
  const rng = seededRandom(12);
  const frames: { ts: number; dets: Detection[] }[] = [];
  for (let k = 0;; k++) {
    const box = _pinholeVan(LANE_TOWARD_X_M, 24.44 - v_mps * dt_s * k);
    if (box[1] + box[3] > FRAME.h) break;
    const d = _det("car", box[0] + box[2] / 2, box[1] + box[3] / 2, box[2], box[3], {
      jitter: 2,
      rng,
    });
    frames.push({ ts: k * dt_s * 1000, dets: [d] });
  }
  assert.equal(frames.length, 4, "24.4, 18.9, 13.3 and 7.8 m");
  const tr = new ByteTracker({ highThresh: 0.4, newTrackThresh: 0.4 });
  const seen: number[][] = [];
  const ids = _run(tr, frames, (out) => seen.push(out.tracks.map((t) => t.id)));
  assert.deepEqual(ids, [1], "one id");
  assert.deepEqual(seen, [[], [1], [1], [1]], "tracked in every frame from its second");

  // Not another vehicle: the same frames with the last box half as large, or 80 px aside.
  for (const [scale, dx] of [[0.5, 0], [1, 80]]) {
    const g = new ByteTracker({ highThresh: 0.4, newTrackThresh: 0.4 });
    const last = frames[3].dets[0].box;
    const w = last[2] * scale, h = last[3] * scale;
    const moved: Box = [last[0] + (last[2] - w) / 2 + dx, last[1] + last[3] - h, w, h];
    const out = _run(g, [...frames.slice(0, 3), {
      ts: frames[3].ts,
      dets: [{ ...frames[3].dets[0], box: moved }],
    }]);
    assert.deepEqual(out, [1], `scale ${scale}, dx ${dx}: no second id`);
    assert.equal(g.all.find((t) => t.id === 1)?.missed, 1, `scale ${scale}, dx ${dx}: not taken`);
  }
});

Deno.test("a car driving out of the frame does not stay on a weak box back inside the edge", () => {
  // london_street_2 (replayed NanoDet boxes): car_s_2 left by the right edge at ~48 px/s, its box
  // cut by it (the left side at 323-326 px); the next frame offered only a 0.16 box whose left
  // side was 13 px back inside, IoU ~0.6 with the prediction, then more weak boxes drifting into
  // the picture. Its track took them, stood on them for 2 s and then took car_s_3's boxes.
  const tr = new ByteTracker({ highThresh: 0.4, newTrackThresh: 0.4 });
  const junk: Box = [313, 160, 39, 30];
  let lastSeen = 0, ended = -1, onJunk = false;
  for (let k = 0; k < 100 && ended < 0; k++) {
    const ts = k * 40;
    const x0 = 200 + 2 * k; // left side, 50 px/s to the right; 40 px long
    const dets: Detection[] = [];
    if (x0 <= 326) {
      dets.push({ label: "car", conf: 0.6, box: [x0, 160, Math.min(352, x0 + 40) - x0, 30] });
      lastSeen = ts;
    } else dets.push({ label: "car", conf: 0.2, box: [...junk] as Box });
    const out = tr.update(dets, ts, _LONDON);
    if (out.tracks.some((t) => t.rawBox[0] === junk[0])) onJunk = true;
    if (out.ended.length) ended = ts;
  }
  assert.ok(!onJunk, "the leaving car's track never takes the box back inside the edge");
  assert.ok(ended > 0 && ended - lastSeen <= 1000, `ended ${ended - lastSeen} ms after`);
});

Deno.test("a van entering at the frame edge keeps its id on a weak cut box 1.5x its predicted one", () => {
  // The stage-2 size limit spares cut boxes when the track's last box was cut too: a vehicle
  // driving into the picture grows there (brief_occlusion's van: 1.47x the area in 0.36 s).
  // Here at 5 fps, seen 6 times (past the perspective prediction's perspMaxHits), missed once
  // (edgeLostMs 500 keeps it), then a 0.2 box 440 px wide: 1.57x the prediction (~280 px wide,
  // its size frozen when lost), IoU 0.64 with it.
  const tr = new ByteTracker({ highThresh: 0.4, newTrackThresh: 0.4, lowThresh: 0.1 });
  const ids: number[] = [];
  const frames: [number, number, number][] = [
    ...[40, 80, 120, 160, 200, 240].map((w, i): [number, number, number] => [i * 200, 0.6, w]),
    [1200, 0, 0],
    [1400, 0.2, 440],
  ];
  for (const [ts, conf, w] of frames) {
    const dets: Detection[] = conf > 0 ? [{ label: "truck", conf, box: [0, 140, w, 170] }] : [];
    ids.push(...tr.update(dets, ts, FRAME).started.map((s) => s.id));
  }
  assert.deepEqual(ids, [1]);
  assert.deepEqual(tr.all.map((t) => [t.id, t.rawBox]), [[1, [0, 140, 440, 170]]]);
});

// Held-out s7_3 (a queue of two vans, 1024x576, 3.8 m camera, 2.5 fps; NanoDet detections
// recorded through the CLI on 2026-11-30, [capture ms, [label, conf, box px]]): the first van
// brakes to a stop (truck 0.41-0.61); NanoDet also boxes it, or it and the second van queued
// just above it, as a person (0.12-0.40, the van's box 0.93-1.00 inside, w/h 0.86-0.99); at 7.2
// s that box reached min_conf 0.4 and started a person track on the van (two tracks on it).
const _S7_3: [number, [string, number, Box][]][] = [
  [4000, [
    ["truck", 0.406, [455.1, 247.1, 41.9, 38.6]],
    ["person", 0.295, [453, 228.7, 61.2, 59.8]],
    ["truck", 0.227, [461.6, 224.9, 39.2, 56.2]],
    ["person", 0.174, [465.1, 238.6, 53.8, 74.1]],
  ]],
  [4400, [["truck", 0.497, [451.1, 253.1, 43.9, 37.8]], ["person", 0.385, [
    454.2,
    223.7,
    59.3,
    68.4,
  ]], ["truck", 0.2, [466.5, 242.4, 33.4, 30.1]]]],
  [4800, [
    ["truck", 0.538, [446.8, 251.1, 47.4, 46.2]],
    ["truck", 0.348, [460.4, 244.6, 38.1, 41.7]],
    ["person", 0.287, [447.3, 223.4, 66, 76.7]],
    ["person", 0.152, [467.7, 217.1, 64.6, 79.9]],
  ]],
  [5200, [
    ["truck", 0.54, [443, 254.4, 50, 47.6]],
    ["truck", 0.388, [458.3, 247.7, 40.4, 29.3]],
    ["person", 0.322, [443.1, 243.2, 59.3, 60.3]],
    ["person", 0.147, [464, 217.4, 68.3, 79]],
    ["car", 0.147, [481.8, 251, 15.8, 25.4]],
  ]],
  [5600, [
    ["truck", 0.526, [439.9, 256.2, 52.7, 50]],
    ["truck", 0.356, [458.6, 248.9, 39.3, 30.5]],
    ["person", 0.309, [443.4, 240.8, 59.2, 67.9]],
    ["person", 0.148, [463.9, 216.6, 68.7, 80.7]],
  ]],
  [6000, [
    ["truck", 0.597, [437.2, 258.3, 54.6, 50.8]],
    ["truck", 0.445, [445.7, 250.4, 52.6, 33.9]],
    ["person", 0.371, [437.7, 241.7, 65.6, 70.2]],
    ["person", 0.173, [451.7, 218.4, 67.9, 86.9]],
  ]],
  [6400, [
    ["truck", 0.584, [435.8, 254.2, 56.5, 56]],
    ["truck", 0.535, [447.2, 251.2, 49.6, 31.4]],
    ["person", 0.33, [436.2, 251.2, 60.2, 60.8]],
    ["person", 0.209, [445.3, 224.1, 70.2, 86.3]],
  ]],
  [6800, [["truck", 0.59, [436, 264.9, 54.2, 45.1]], ["truck", 0.513, [451, 251.4, 44.7, 31.2]], [
    "person",
    0.359,
    [439.2, 239, 65.3, 71.9],
  ]]],
  [7200, [
    ["truck", 0.605, [436.2, 257.6, 55.5, 52.3]],
    ["person", 0.404, [439.4, 239.8, 63.4, 70.5]],
    ["truck", 0.34, [455.3, 251.6, 40.3, 31.1]],
    ["truck", 0.151, [477, 258.8, 19.3, 25]],
    ["person", 0.118, [468.4, 225, 62, 85.5]],
  ]],
  [7600, [
    ["truck", 0.605, [436.2, 257.6, 55.5, 52.3]],
    ["person", 0.404, [439.4, 239.8, 63.4, 70.5]],
    ["truck", 0.34, [455.3, 251.6, 40.3, 31.1]],
    ["truck", 0.151, [477, 258.8, 19.3, 25]],
    ["person", 0.118, [468.4, 225, 62, 85.5]],
  ]],
  [8000, [
    ["truck", 0.61, [436.2, 261.8, 55.3, 48.2]],
    ["truck", 0.48, [446.7, 251.7, 49.9, 37.6]],
    ["person", 0.383, [439.6, 240.6, 63.3, 70.1]],
    ["truck", 0.159, [472.3, 257.5, 24.2, 26.3]],
    ["person", 0.116, [470, 226.1, 59.9, 85.3]],
  ]],
  [8400, [
    ["truck", 0.609, [436.2, 262.1, 55.3, 47.8]],
    ["truck", 0.481, [447, 251.7, 49.5, 37.2]],
    ["person", 0.384, [439.5, 240.5, 63.3, 70.1]],
    ["truck", 0.159, [472.5, 257.6, 24, 26.2]],
    ["person", 0.116, [470, 226, 59.9, 85.3]],
  ]],
];

function _s7_3Frames(extra: (ts: number) => Detection[] = () => []) {
  return _S7_3.map(([ts, dets]) => ({
    ts,
    dets: [..._dets(dets), ...extra(ts)],
  }));
}

Deno.test("a person box over a stopped van (and the van queued behind it) starts no track", () => {
  const tr = new ByteTracker({ highThresh: 0.4, newTrackThresh: 0.4 });
  const labels: string[] = [];
  const ids = _run(tr, _s7_3Frames(), (out) => labels.push(...out.started.map((s) => s.label)));
  assert.deepEqual(ids, [1], `one track: ${labels}`);
  assert.equal(labels[0], "truck");
});

Deno.test("pedestrians in front of a stopped van get their tracks", () => {
  // Beside the recorded s7_3 boxes from 6.8 s: one waiting in front of the van (a small box
  // inside the van's), one near the camera whose tall box (w/h 0.4) holds the whole van's box.
  const tr = new ByteTracker({ highThresh: 0.4, newTrackThresh: 0.4 });
  const labels: string[] = [];
  const ids = _run(
    tr,
    _s7_3Frames((ts) =>
      ts < 6800 ? [] : [
        { label: "person", conf: 0.7, box: [450, 262, 14, 36] },
        { label: "person", conf: 0.7, box: [430, 160, 68, 170] },
      ]
    ),
    (out) => labels.push(...out.started.map((s) => s.label)),
  );
  assert.deepEqual(ids, [1, 2, 3]);
  assert.deepEqual(labels, ["truck", "person", "person"]);
});

// Held-out s7_3 (a queue of two vans from a 3.8 m camera, 1024x576 at 2.5 fps; NanoDet boxes
// recorded through the CLI on 2026-12-01, rounded to px, [capture ms, [label, conf, box px]]):
// the first van stands at [436,261,57,50] with the second queued just above it ([446,252,51,36]);
// at 9.6 s NanoDet boxes both as one (0.52), at 10.0 s, the first van pulling away, it gives
// its own box (0.63, [417,286,70,55]) and a 0.22 box spanning both vans ([421,243,78,96]).
const _S7_3_PULL: [number, [string, number, Box][]][] = [
  [7600, [
    ["truck", 0.63, [436, 266, 56, 46]],
    ["truck", 0.52, [450, 252, 47, 32]],
    ["person", 0.35, [437, 241, 70, 71]],
    ["truck", 0.18, [470, 257, 28, 27]],
    ["car", 0.13, [482, 262, 15, 24]],
    ["person", 0.10, [470, 226, 60, 85]],
  ]],
  [8000, [
    ["truck", 0.63, [436, 261, 57, 50]],
    ["truck", 0.52, [446, 252, 51, 36]],
    ["person", 0.34, [437, 242, 69, 70]],
    ["truck", 0.15, [470, 256, 27, 27]],
    ["truck", 0.12, [482, 261, 15, 26]],
    ["person", 0.10, [470, 227, 60, 83]],
  ]],
  [8400, [
    ["truck", 0.63, [436, 261, 57, 50]],
    ["truck", 0.52, [446, 252, 51, 36]],
    ["person", 0.34, [437, 242, 69, 70]],
    ["truck", 0.15, [470, 256, 27, 27]],
    ["truck", 0.12, [482, 261, 15, 26]],
    ["person", 0.10, [470, 227, 60, 84]],
  ]],
  [8800, [
    ["truck", 0.53, [435, 268, 56, 44]],
    ["truck", 0.51, [453, 252, 44, 30]],
    ["person", 0.28, [439, 244, 66, 68]],
    ["person", 0.13, [452, 217, 67, 92]],
    ["car", 0.13, [481, 261, 16, 25]],
    ["person", 0.10, [475, 230, 55, 82]],
  ]],
  [9200, [
    ["truck", 0.56, [431, 260, 59, 58]],
    ["truck", 0.52, [452, 252, 44, 32]],
    ["person", 0.29, [432, 253, 65, 64]],
    ["person", 0.20, [445, 225, 72, 88]],
    ["truck", 0.18, [476, 256, 21, 30]],
    ["motorcycle", 0.11, [440, 238, 64, 77]],
  ]],
  [9600, [
    ["truck", 0.52, [426, 251, 68, 75]],
    ["truck", 0.42, [444, 251, 52, 35]],
    ["person", 0.26, [424, 264, 70, 63]],
    ["person", 0.23, [440, 231, 69, 91]],
  ]],
  [10000, [
    ["truck", 0.63, [417, 286, 70, 55]],
    ["truck", 0.45, [456, 253, 40, 32]],
    ["motorcycle", 0.22, [421, 243, 78, 96]],
    ["person", 0.21, [427, 244, 73, 88]],
    ["person", 0.20, [441, 230, 61, 69]],
    ["truck", 0.16, [441, 230, 61, 69]],
  ]],
  [10400, [
    ["car", 0.37, [404, 297, 80, 60]],
    ["person", 0.29, [403, 278, 83, 80]],
    ["motorcycle", 0.27, [403, 264, 86, 94]],
    ["person", 0.19, [410, 245, 86, 108]],
    ["motorcycle", 0.16, [427, 243, 74, 89]],
    ["person", 0.15, [430, 229, 71, 83]],
    ["car", 0.13, [438, 231, 66, 65]],
    ["person", 0.12, [446, 221, 67, 70]],
  ]],
  [10800, [
    ["car", 0.50, [386, 312, 93, 70]],
    ["car", 0.26, [451, 252, 45, 36]],
    ["person", 0.23, [448, 246, 49, 46]],
    ["person", 0.20, [453, 223, 56, 67]],
    ["person", 0.18, [422, 233, 73, 77]],
    ["person", 0.13, [402, 243, 89, 79]],
    ["motorcycle", 0.12, [417, 244, 78, 67]],
    ["person", 0.12, [386, 306, 95, 76]],
    ["car", 0.10, [398, 258, 92, 97]],
  ]],
  [11200, [
    ["truck", 0.54, [364, 331, 107, 83]],
    ["car", 0.49, [452, 257, 42, 34]],
    ["person", 0.18, [463, 378, 8, 23]],
    ["person", 0.17, [454, 261, 41, 32]],
    ["person", 0.16, [454, 223, 54, 67]],
    ["person", 0.15, [375, 351, 19, 18]],
    ["person", 0.14, [421, 377, 9, 21]],
    ["car", 0.10, [439, 261, 61, 49]],
  ]],
  [11600, [
    ["truck", 0.69, [327, 358, 139, 106]],
    ["truck", 0.54, [449, 258, 46, 38]],
    ["person", 0.19, [345, 383, 21, 22]],
    ["person", 0.17, [448, 261, 43, 35]],
    ["person", 0.17, [450, 222, 61, 70]],
    ["person", 0.15, [370, 383, 22, 23]],
    ["person", 0.14, [412, 431, 12, 30]],
    ["person", 0.13, [401, 417, 10, 20]],
    ["person", 0.12, [380, 383, 19, 22]],
    ["car", 0.11, [451, 235, 67, 61]],
    ["truck", 0.11, [571, 451, 68, 49]],
    ["person", 0.10, [327, 411, 8, 34]],
  ]],
  [12000, [
    ["truck", 0.68, [275, 399, 172, 136]],
    ["truck", 0.61, [446, 261, 49, 37]],
    ["car", 0.13, [446, 233, 70, 69]],
    ["person", 0.12, [448, 223, 62, 76]],
    ["person", 0.11, [446, 260, 47, 40]],
    ["person", 0.10, [370, 479, 11, 19]],
  ]],
];

Deno.test("a queued van pulling away takes its own box, not one spanning it and the van behind", () => {
  const tr = new ByteTracker({ highThresh: 0.4, newTrackThresh: 0.4 });
  const frame = { w: 1024, h: 576 };
  const ids: number[] = [];
  let near: TrackView | undefined;
  let last: TrackView[] = [];
  for (const [ts, dets] of _S7_3_PULL) {
    const out = tr.update(_dets(dets), ts, frame);
    ids.push(...out.started.map((s) => s.id));
    last = out.tracks;
    // The first van, driving at the camera, is the track lowest in the picture.
    near = out.tracks.reduce<TrackView | undefined>(
      (a, t) => (!a || t.rawBox[1] > a.rawBox[1] ? t : a),
      undefined,
    );
  }
  // Before: the first van's track took the spanning boxes from 10.0 s and slid onto the second
  // van's place with them, and the first van's own boxes started id 2 at 11.2 s (in the CLI run,
  // where the second van was tracked from 7.6 s, id 3).
  assert.deepEqual(ids, [1, 2], "one track per van");
  assert.equal(near?.id, 1, "the first van keeps the id it stood with");
  assert.ok(near!.rawBox[1] > 350, `on the near van's box: ${near!.rawBox}`);
  assert.ok(
    last.some((t) => t.id === 2 && Math.abs(t.rawBox[1] - 261) < 10),
    "id 2: the second van",
  );
});

/**
 * london_street_2's motorbike (samples/london_street_2.truth.json, replayed NanoDet-g boxes,
 * 2026-12-01): every vehicle box at most 30 px wide (1.5x the motorbike) whose bottom centre lies
 * within half the motorbike's width of its labelled path, 4.76-7.1 s at 25 fps, as [capture ms, c(ar) / m(otorcycle), conf, box px, 1 when a
 * bicycle box scores half as much on it (doubtful, two_wheelers.ts)]. None reaches min_conf 0.4.
 */
const _MOTORBIKE: [number, string, number, Box, number?][] = [
  [4760, "c", 0.27, [280, 135, 29, 32]],
  [4760, "c", 0.19, [274, 135, 18, 33]],
  [4760, "c", 0.19, [276, 141, 24, 32]],
  [4800, "c", 0.31, [279, 135, 29, 33]],
  [4800, "c", 0.29, [273, 126, 25, 37]],
  [4800, "c", 0.25, [275, 135, 18, 35]],
  [4800, "c", 0.19, [282, 142, 29, 30]],
  [4840, "c", 0.35, [279, 136, 28, 30]],
  [4840, "c", 0.26, [277, 142, 27, 32]],
  [4840, "c", 0.23, [276, 138, 18, 32]],
  [4880, "c", 0.21, [278, 142, 24, 31]],
  [4880, "c", 0.2, [276, 137, 18, 33]],
  [4920, "c", 0.21, [270, 135, 29, 35]],
  [4920, "c", 0.21, [276, 141, 29, 32]],
  [5040, "c", 0.21, [277, 143, 27, 35]],
  [5040, "c", 0.16, [271, 143, 24, 38]],
  [5080, "c", 0.24, [278, 144, 23, 35]],
  [5080, "c", 0.19, [271, 143, 22, 37]],
  [5080, "c", 0.16, [279, 149, 14, 33]],
  [5120, "c", 0.15, [270, 142, 28, 41]],
  [5120, "c", 0.15, [280, 147, 17, 35]],
  [5240, "c", 0.15, [280, 149, 22, 38]],
  [5320, "c", 0.21, [283, 151, 23, 38]],
  [5360, "c", 0.22, [284, 149, 30, 39]],
  [5360, "c", 0.21, [284, 152, 20, 39]],
  [5400, "c", 0.18, [284, 153, 22, 39]],
  [5440, "c", 0.17, [286, 155, 18, 40]],
  [5480, "c", 0.23, [285, 155, 22, 42]],
  [5520, "c", 0.22, [284, 159, 25, 41]],
  [5560, "c", 0.24, [285, 160, 20, 39]],
  [5560, "c", 0.15, [284, 168, 25, 37]],
  [5600, "c", 0.2, [287, 163, 20, 39]],
  [5640, "c", 0.25, [287, 168, 23, 35]],
  [5640, "c", 0.18, [285, 169, 17, 32]],
  [5680, "c", 0.26, [297, 174, 29, 37]],
  [5680, "c", 0.26, [288, 166, 21, 38]],
  [5680, "c", 0.16, [289, 178, 27, 31]],
  [5720, "c", 0.29, [286, 171, 30, 36]],
  [5720, "m", 0.21, [286, 166, 21, 39]],
  [5760, "m", 0.19, [286, 173, 21, 36]],
  [5800, "c", 0.23, [287, 172, 28, 38]],
  [5840, "c", 0.18, [285, 173, 29, 39]],
  [5880, "c", 0.17, [297, 185, 22, 33]],
  [5920, "c", 0.23, [289, 175, 25, 40]],
  [5960, "c", 0.25, [298, 180, 20, 40]],
  [5960, "c", 0.24, [301, 181, 27, 38]],
  [5960, "c", 0.21, [291, 176, 24, 39]],
  [6000, "c", 0.22, [297, 183, 23, 41]],
  [6000, "c", 0.17, [294, 177, 23, 39]],
  [6000, "c", 0.17, [304, 184, 22, 38]],
  [6000, "c", 0.16, [299, 191, 17, 33]],
  [6040, "c", 0.18, [299, 185, 23, 41]],
  [6120, "c", 0.19, [307, 189, 18, 42]],
  [6160, "m", 0.21, [308, 191, 16, 43]],
  [6160, "c", 0.19, [308, 196, 25, 39]],
  [6160, "m", 0.15, [302, 190, 16, 40]],
  [6200, "m", 0.29, [303, 192, 21, 45], 1],
  [6240, "c", 0.24, [303, 194, 22, 47]],
  [6240, "c", 0.17, [313, 202, 23, 38]],
  [6280, "m", 0.33, [306, 199, 22, 45]],
  [6280, "m", 0.16, [310, 214, 17, 31], 1],
  [6280, "m", 0.16, [313, 205, 20, 39]],
  [6320, "m", 0.26, [308, 201, 19, 44], 1],
  [6360, "m", 0.28, [309, 198, 21, 52], 1],
  [6400, "c", 0.2, [312, 202, 19, 51]],
  [6440, "m", 0.21, [314, 204, 20, 52], 1],
  [6480, "m", 0.3, [313, 212, 22, 49], 1],
  [6480, "m", 0.16, [316, 229, 19, 32], 1],
  [6520, "m", 0.29, [316, 210, 21, 53], 1],
  [6640, "c", 0.17, [320, 218, 22, 54]],
  [6920, "c", 0.2, [333, 234, 19, 53]],
  [6960, "c", 0.22, [336, 241, 16, 46]],
  [7000, "c", 0.31, [338, 243, 14, 45]],
  [7040, "c", 0.29, [340, 248, 12, 40]],
  [7080, "c", 0.21, [343, 252, 9, 35]],
];
/** Its labelled path: [t_s, bottom-centre x, bottom y, width], normalized to 352x288. */
const _MOTORBIKE_PATH: PathPoint[] = [
  [4.76, 0.815, 0.595, 0.057],
  [5.0, 0.816, 0.621, 0.057],
  [6.0, 0.877, 0.779, 0.058],
  [7.0, 0.982, 0.999, 0.036],
  [7.44, 0.985, 1.0, 0.029],
];

Deno.test("a motorbike boxed only under min_conf starts a track as it moves; the same boxes standing still do not", () => {
  const run = (still: boolean, opts: Partial<ByteTrackOptions> = {}) => {
    const tr = new ByteTracker({ highThresh: 0.4, newTrackThresh: 0.4, ...opts });
    const seen: { ts: number; id: number; off: number }[] = [];
    let startedTs = -1;
    for (let ts = _MOTORBIKE[0][0]; ts <= _MOTORBIKE.at(-1)![0]; ts += 40) {
      const dets: Detection[] = _MOTORBIKE.filter((r) => r[0] === ts).map(([, l, conf, b, d]) => {
        // Still: each box moved back by the path's travel since the first frame (same jitter).
        const [dx, dy] = still ? _pathShift(ts) : [0, 0];
        return {
          label: l === "m" ? "motorcycle" : "car",
          conf,
          box: [b[0] - dx, b[1] - dy, b[2], b[3]] as Box,
          ...(d ? { doubtful: true as const } : {}),
        };
      });
      const out = tr.update(dets, ts, _LONDON);
      if (out.started.length && startedTs < 0) startedTs = ts;
      for (const t of out.tracks) {
        const [ax, ay] = t.anchor;
        seen.push({
          ts,
          id: t.id,
          off: offPath(_MOTORBIKE_PATH, ts / 1000, ax / 352, ay / 288, 352 / 288),
        });
      }
    }
    return { startedTs, seen };
  };
  const moving = run(false);
  const ids = new Set(moving.seen.map((s) => s.id));
  assert.equal(ids.size, 1, `one track on the motorbike, got ids ${[...ids]}`);
  // After a chain of 0.9 lowStartMs (800 ms) at least: 5.48 s.
  assert.ok(moving.startedTs >= _MOTORBIKE[0][0] + 720, `started at ${moving.startedTs} ms`);
  const meanOff = moving.seen.reduce((a, s) => a + s.off, 0) / moving.seen.length;
  assert.ok(
    meanOff < 0.5,
    `its anchor stays on the motorbike's path: ${meanOff.toFixed(2)} widths`,
  );
  assert.equal(run(true).seen.length, 0, "the same boxes standing still start no track");
  assert.equal(run(false, { lowStartConf: 0 }).seen.length, 0, "off: no track, as before");
});

/** How far the motorbike's labelled path has moved (px) from its first point by capture ms `ts`. */
function _pathShift(ts: number): [number, number] {
  const [x0, y0] = pathAt(_MOTORBIKE_PATH, _MOTORBIKE[0][0] / 1000);
  const [x, y] = pathAt(_MOTORBIKE_PATH, ts / 1000);
  return [(x - x0) * 352, (y - y0) * 288];
}

// Held-out s8_8 (a queue of two vans from a 4.8 m camera, 854x480 at 10 fps, H.265), rendered with
// the van sprite of before c1de8a1 (a 4-row halo under the wheels): NanoDet boxes recorded through
// the CLI on 2026-12-01 (rounded to px; the frame-sized false positives left out). The first van
// comes down the picture from [369,110,41,33]; the second, 7 m behind, stands just above it from
// 0.5 s. At 0.5 s a box over both (0.37, the first van's bottom edge) confirms the first van's
// track; at 0.6 s the second van's box ([367,94,47,43], 0.412, its bottom 9 px higher) and the
// first van's own ([366,115,44,34], 0.474) overlap that track's prediction alike.
/**
 * Recorded queue frames ([ts ms, [label, conf, box]]) through a tracker at min_conf 0.4: the ids
 * started and the tracks after the last frame.
 */
function _queueRun(
  frames: readonly [number, [string, number, Box][]][],
  frame: { w: number; h: number },
): { ids: number[]; last: TrackView[] } {
  const tr = new ByteTracker({ highThresh: 0.4, newTrackThresh: 0.4 });
  const ids: number[] = [];
  let last: TrackView[] = [];
  for (const [ts, dets] of frames) {
    const out = tr.update(_dets(dets), ts, frame);
    ids.push(...out.started.map((s) => s.id));
    last = out.tracks;
  }
  return { ids, last };
}

const _S8_8_QUEUE: [number, [string, number, Box][]][] = [
  [400, [
    ["car", 0.505, [369, 110, 41, 33]],
    ["person", 0.128, [371, 112, 38, 32]],
  ]],
  [500, [
    ["truck", 0.37, [368, 99, 43, 47]],
    ["truck", 0.186, [378, 92, 37, 27]],
    ["person", 0.134, [367, 92, 50, 53]],
  ]],
  [600, [
    ["car", 0.474, [366, 115, 44, 34]],
    ["truck", 0.412, [367, 94, 47, 43]],
    ["person", 0.129, [366, 92, 50, 56]],
    ["car", 0.129, [391, 95, 24, 25]],
  ]],
  [700, [
    ["truck", 0.367, [364, 115, 45, 37]],
    ["truck", 0.332, [366, 94, 49, 40]],
    ["person", 0.117, [366, 104, 45, 47]],
  ]],
  [800, [
    ["car", 0.446, [362, 118, 47, 37]],
    ["truck", 0.362, [375, 96, 40, 27]],
    ["person", 0.133, [366, 102, 45, 52]],
  ]],
  [900, [
    ["truck", 0.422, [361, 109, 50, 48]],
    ["truck", 0.343, [375, 97, 39, 29]],
    ["person", 0.149, [363, 118, 46, 42]],
  ]],
  [1000, [
    ["car", 0.431, [358, 120, 51, 41]],
    ["truck", 0.326, [378, 99, 35, 27]],
    ["truck", 0.207, [364, 100, 49, 37]],
    ["person", 0.107, [364, 104, 47, 56]],
  ]],
  [1100, [
    ["car", 0.463, [358, 125, 51, 40]],
    ["car", 0.413, [377, 101, 36, 27]],
    ["person", 0.131, [359, 101, 54, 62]],
  ]],
  [1200, [
    ["truck", 0.483, [355, 127, 52, 42]],
    ["car", 0.392, [376, 102, 37, 28]],
    ["person", 0.115, [361, 103, 51, 63]],
  ]],
  [1300, [
    ["truck", 0.522, [354, 132, 52, 40]],
    ["car", 0.425, [376, 103, 36, 29]],
    ["car", 0.209, [358, 105, 53, 64]],
    ["person", 0.103, [360, 104, 52, 64]],
  ]],
  [1400, [
    ["truck", 0.542, [353, 134, 53, 42]],
    ["truck", 0.349, [376, 103, 36, 31]],
    ["car", 0.178, [356, 104, 55, 64]],
    ["person", 0.123, [353, 120, 54, 55]],
  ]],
  [1500, [
    ["truck", 0.496, [350, 136, 56, 44]],
    ["truck", 0.38, [375, 105, 37, 31]],
    ["car", 0.209, [361, 105, 49, 57]],
  ]],
];

Deno.test("a young track on a queue's near van keeps to its ground edge, not the van queued above it", () => {
  const { ids, last } = _queueRun(_S8_8_QUEUE, { w: 854, h: 480 });
  // Before: track 1 took the second van's box at 0.6 s and slid onto it, and the first van's own
  // boxes started track 2 at 0.9 s (in the CLI run, the second van got track 3 at 2.2 s).
  const first = last.find((t) => t.id === 1);
  assert.ok(first, "track 1 still held at 1.5 s");
  // The first van's true box at 1.5 s is [350,137,56,43]: its bottom at 180 px.
  assert.ok(
    Math.abs(first.rawBox[1] + first.rawBox[3] - 180) < 6,
    `track 1 on the first van: ${first.rawBox}`,
  );
  assert.ok(
    last.every((t) => t.id === 1 || t.rawBox[1] + t.rawBox[3] < 150),
    `no other track on the first van: ${JSON.stringify(last.map((t) => [t.id, t.rawBox]))}`,
  );
  assert.ok(ids.length <= 2, `one track per van: ids ${ids}`);
});

/**
 * Held-out s13_2 (854x480, 5 fps processed at 2.5, dusk noise 0.35/6; camera 4.2 m up): NanoDet's
 * vehicle boxes, [ts ms, label, conf, box px]. Two vans: one drives toward the camera on the left
 * (x 255-340) and stops; the other ("away") drives away from the camera on the right at 5.7 m/s
 * from 10 m, first boxed at 0.8 s. Its box at 1.6 s, [472, 154, 74, 91], is cut short: the true
 * box is [473, 157, 122, 94].
 */
const _S13_2: RecordedBox[] = [
  [0, "car", 0.478, [337, 74, 66, 52]],
  [0, "car", 0.203, [336, 23, 74, 105]],
  [0, "car", 0.115, [26, 6, 823, 472]],
  [400, "truck", 0.456, [329, 86, 71, 55]],
  [400, "car", 0.159, [14, 6, 837, 471]],
  [800, "truck", 0.609, [315, 97, 80, 64]],
  [800, "bus", 0.539, [489, 219, 170, 136]],
  [800, "truck", 0.12, [498, 232, 47, 100]],
  [800, "bus", 0.103, [139, 57, 320, 344]],
  [1200, "truck", 0.504, [302, 113, 91, 69]],
  [1200, "car", 0.499, [481, 183, 146, 111]],
  [1600, "truck", 0.659, [288, 128, 97, 75]],
  [1600, "truck", 0.582, [472, 154, 74, 91]],
  [1600, "truck", 0.205, [286, 8, 307, 213]],
  [1600, "car", 0.125, [379, 173, 8, 19]],
  [2000, "truck", 0.646, [273, 141, 114, 82]],
  [2000, "truck", 0.533, [466, 136, 103, 81]],
  [2000, "truck", 0.28, [279, 8, 299, 203]],
  [2000, "car", 0.132, [363, 175, 23, 37]],
  [2000, "bus", 0.101, [469, 142, 32, 60]],
  [2400, "truck", 0.646, [263, 151, 118, 91]],
  [2400, "truck", 0.59, [461, 119, 93, 71]],
  [2400, "truck", 0.167, [264, 8, 305, 189]],
  [2800, "bus", 0.638, [257, 157, 123, 96]],
  [2800, "car", 0.548, [459, 104, 86, 68]],
  [2800, "truck", 0.15, [256, 7, 269, 220]],
  [2800, "car", 0.143, [31, 10, 804, 470]],
  [2800, "car", 0.119, [523, 132, 23, 36]],
  [3200, "bus", 0.624, [255, 159, 125, 95]],
  [3200, "car", 0.553, [456, 93, 80, 62]],
  [3200, "car", 0.138, [27, 7, 816, 473]],
  [3200, "car", 0.106, [521, 100, 23, 42]],
  [3200, "truck", 0.1, [257, 6, 259, 232]],
];

Deno.test("a young track whose box was cut short keeps its vehicle (young-track motion gate)", () => {
  const tr = new ByteTracker({ highThresh: 0.4, newTrackThresh: 0.4 });
  const frame = { w: 854, h: 480 };
  const ids: number[] = [];
  const awayIds = new Set<number>();
  const awaySeen: number[] = [];
  for (const ts of [...new Set(_S13_2.map((r) => r[0]))]) {
    const out = tr.update(detsAt(_S13_2, ts), ts, frame);
    ids.push(...out.started.map((s) => s.id));
    const away = out.tracks.filter((t) => t.rawBox[0] > 420);
    for (const t of away) awayIds.add(t.id);
    if (away.length > 0) awaySeen.push(ts);
  }
  // Before: the cut box (IoU 0.5 with the prediction, taken) set the filter's width rate to about
  // -180 px/s, so the box predicted at 2.0 s was 12 px wide (IoU 0 with the van's [466, 136, 103,
  // 81]); the track was lost and the van's boxes from 2.4 s started a second one at 2.8 s.
  assert.deepEqual([...awayIds], [2], "one id on the away van");
  assert.deepEqual(awaySeen, [1200, 1600, 2000, 2400, 2800, 3200], "held in every update");
  assert.deepEqual(ids, [1, 2], "one id per van");

  // Not a box the van could not have reached: the 2.0 s box 200 px to the left (out of the gate's
  // reach, 4 sides/s x 0.4 s of the larger side) is not taken, and the track is missed there.
  const far = new ByteTracker({ highThresh: 0.4, newTrackThresh: 0.4 });
  for (const ts of [0, 400, 800, 1200, 1600, 2000]) {
    const dets = detsAt(_S13_2, ts).map((d) =>
      ts === 2000 && d.box[0] === 466 ? { ...d, box: [266, 300, 103, 81] as Box } : d
    );
    far.update(dets, ts, frame);
  }
  assert.equal(far.all.find((t) => t.id === 2)?.missed, 1, "the moved box is not the van's");
});

/**
 * Held-out s3_5 (a queue of two vans driving at a 7.4 m camera, 1024x576 at 2.5 fps, 5.5 px of road
 * per metre at the zone; NanoDet boxes recorded through the CLI on 2026-12-01, rounded to px): the
 * first van approaches at 45 km/h, ~25 px/s in the image, with the second 7.5 m behind it (higher in
 * the image). At 2.8 s NanoDet's one box on the first van spans both vans ([449,182,47,57], 0.49),
 * the second van's own box (0.21) inside its top.
 */
const _S3_5_APPROACH: RecordedBox[] = [
  [800, "car", 0.41, [467, 152, 34, 39]],
  [800, "car", 0.1, [466, 167, 28, 23]],
  [1200, "car", 0.47, [464, 157, 36, 43]],
  [1200, "car", 0.21, [463, 174, 32, 25]],
  [1600, "car", 0.4, [460, 173, 37, 36]],
  [1600, "truck", 0.24, [465, 161, 35, 39]],
  [2000, "car", 0.46, [457, 184, 40, 35]],
  [2000, "car", 0.2, [464, 168, 36, 31]],
  [2400, "car", 0.48, [453, 194, 43, 35]],
  [2400, "car", 0.39, [456, 177, 42, 43]],
  [2400, "person", 0.16, [453, 182, 43, 48]],
  [2800, "truck", 0.49, [449, 182, 47, 57]],
  [2800, "truck", 0.21, [458, 181, 38, 27]],
  [2800, "person", 0.11, [450, 183, 50, 56]],
  [3200, "truck", 0.54, [446, 210, 49, 38]],
  [3200, "truck", 0.52, [457, 187, 40, 29]],
  [3200, "car", 0.13, [446, 215, 29, 31]],
  [3600, "truck", 0.56, [443, 217, 51, 41]],
  [3600, "truck", 0.53, [454, 194, 42, 29]],
  [3600, "person", 0.14, [444, 199, 47, 58]],
  [4000, "truck", 0.53, [440, 224, 54, 41]],
  [4000, "truck", 0.47, [448, 198, 48, 32]],
  [4000, "person", 0.15, [442, 212, 48, 52]],
  [4400, "truck", 0.62, [436, 232, 56, 40]],
  [4400, "truck", 0.58, [442, 203, 52, 34]],
  [4400, "truck", 0.2, [472, 206, 22, 30]],
  [4400, "person", 0.13, [438, 214, 52, 58]],
];

Deno.test("ByteTracker: at 2.5 fps a far van driving at the camera does not stand, and keeps its id over a span box", () => {
  const frame = { w: 1024, h: 576 };
  const tr = new ByteTracker({ highThresh: 0.4, newTrackThresh: 0.4, lowThresh: 0.1 });
  const ids: number[] = [];
  for (let ts = 800; ts <= 4400; ts += 400) {
    const dets = detsAt(_S3_5_APPROACH, ts);
    const out = tr.update(dets, ts, frame);
    ids.push(...out.started.map((s) => s.id));
    if (ts < 1200) continue;
    // Track 1 is the first van all along: the lowest vehicle box of each frame.
    const bottom = Math.max(
      ...dets.filter((d) => d.label !== "person" && d.conf >= 0.4).map((d) => d.box[1] + d.box[3]),
    );
    const first = out.tracks.find((t) => t.id === 1);
    assert.ok(first, `ts ${ts}: the first van's track`);
    assert.equal(first.rawBox[1] + first.rawBox[3], bottom, `ts ${ts}: on the first van`);
    // Its anchor moved 19 px in the last second: a standing track only takes boxes where it stood.
    if (ts === 3200) assert.ok(first.speed_px_s > 8, `ts ${ts}: ${first.speed_px_s} px/s`);
  }
  // The second van gets its own track (2) once its own boxes score >= 0.4.
  assert.deepEqual(ids, [1, 2]);
});

Deno.test("ByteTracker: a crawling truck boxed whole (weak) and by a part (strong) keeps one id", () => {
  // london_hyde_park's queued truck (recorded_hyde_park_truck.ts). As a still track it took the
  // box that best overlapped where it stood, whatever its score: the weak whole boxes, which
  // drifted up and right of the truck while the strong part box stayed on it, until the part box
  // overlapped the track's box too little to be a part (IoU 0.42, 51 % inside) and started a
  // second track at 2.56 s, beside the first for 0.7 s (real_footage_test: truck_queue_17 12/14).
  const tr = new ByteTracker({ highThresh: 0.4, newTrackThresh: 0.4, lowThresh: 0.1 });
  const ids: number[] = [];
  for (let ts = 1000; ts <= 3600; ts += 40) {
    const dets = detsAt(HYDE_PARK_TRUCK, ts);
    const out = tr.update(dets, ts, { w: 352, h: 288 });
    ids.push(...out.started.map((s) => s.id));
    if (ts < 2400) continue;
    // From 2.4 s a strong box lies on the truck in every frame: the track holds one.
    const strong = dets.filter((d) => d.conf >= 0.4);
    const held = out.tracks.find((t) => t.id === 1)?.rawBox;
    assert.ok(
      strong.some((d) => held && iou(d.box, held) > 0.99),
      `${ts} ms: holds ${held}, strong ${strong.map((d) => d.box)}`,
    );
  }
  assert.deepEqual(ids, [1]);
});

/**
 * Held-out s24_7 (768x432, 10 fps processed at 5; camera 4.4 m up, 7.8 px/m): NanoDet's boxes on
 * a queue of two vans driving at the camera, the second 8.4 m behind, overlapping in the image.
 * The first van's own boxes: bottoms 194 (4.0 s), 199, 205, 209, 213, 220, 225, 229 (5.4 s); the
 * second van's from 4.6 s at 166-181; the rest are boxes over both.
 */
const _S24_7_QUEUE: [number, [string, number, Box][]][] = [
  [3800, [
    ["truck", 0.31, [316, 133, 53, 57]],
    ["car", 0.19, [314, 151, 47, 37]],
    ["truck", 0.17, [319, 107, 52, 78]],
    ["person", 0.16, [317, 127, 53, 61]],
  ]],
  [4000, [
    ["truck", 0.40, [312, 140, 53, 54]],
    ["truck", 0.19, [321, 125, 48, 59]],
    ["person", 0.16, [315, 133, 53, 62]],
  ]],
  [4200, [
    ["truck", 0.37, [308, 132, 58, 68]],
    ["car", 0.27, [308, 157, 53, 42]],
    ["person", 0.13, [308, 128, 60, 72]],
    ["truck", 0.11, [317, 109, 53, 79]],
  ]],
  [4400, [
    ["car", 0.50, [305, 151, 59, 54]],
    ["truck", 0.44, [313, 133, 54, 66]],
    ["car", 0.29, [321, 135, 46, 46]],
  ]],
  [4600, [
    ["truck", 0.48, [301, 157, 61, 52]],
    ["truck", 0.36, [324, 135, 45, 31]],
    ["truck", 0.30, [306, 136, 62, 48]],
    ["person", 0.13, [303, 136, 64, 75]],
    ["truck", 0.11, [308, 97, 62, 106]],
  ]],
  [4800, [
    ["truck", 0.47, [299, 152, 64, 61]],
    ["truck", 0.41, [324, 139, 43, 33]],
    ["person", 0.15, [302, 139, 66, 75]],
  ]],
  [5000, [
    ["truck", 0.59, [297, 169, 63, 51]],
    ["truck", 0.45, [320, 141, 47, 33]],
    ["car", 0.28, [297, 141, 69, 68]],
    ["person", 0.17, [299, 140, 67, 79]],
  ]],
  [5200, [
    ["truck", 0.58, [293, 171, 67, 54]],
    ["truck", 0.45, [318, 142, 49, 37]],
    ["truck", 0.34, [292, 145, 70, 77]],
    ["person", 0.10, [296, 140, 71, 81]],
  ]],
  [5400, [
    ["truck", 0.59, [290, 173, 69, 56]],
    ["truck", 0.47, [318, 144, 47, 37]],
    ["truck", 0.18, [293, 145, 71, 47]],
    ["person", 0.12, [296, 142, 68, 78]],
  ]],
];

Deno.test("a queue's near van whose track was born on a box over both keeps its track (a young track's speed does not make it still)", () => {
  const { ids, last } = _queueRun(_S24_7_QUEUE, { w: 768, h: 432 });
  // Before: track 1, 3 sightings old, read ~0 px/s from the span box's lagging bottom, counted as
  // still at 4.6 s and so took only boxes overlapping it >= 0.5: a 0.30 box 15 px higher, not
  // the van's own 0.48 box (IoU 0.40), then the second van's; the first van got track 2.
  const first = last.find((t) => t.id === 1);
  assert.ok(first, "track 1 still held at 5.4 s");
  assert.ok(
    Math.abs(first.rawBox[1] + first.rawBox[3] - 229) < 6,
    `track 1 on the first van: ${first.rawBox}`,
  );
  assert.ok(
    last.every((t) => t.id === 1 || t.rawBox[1] + t.rawBox[3] < 200),
    `no other track on the first van: ${JSON.stringify(last.map((t) => [t.id, t.rawBox]))}`,
  );
  assert.ok(ids.length <= 2, `one track per van: ids ${ids}`);
});

/**
 * Held-out s45_8 (1280x720, 15 fps; camera 4.9 m up, 8.2 px/m, 2 px shake): NanoDet's boxes on a
 * queue of two vans driving at the camera, the second 8.2 m behind and hidden below its roof by the
 * first. The first van's boxes are the 0.43-0.64 ones from [568,252,58,60]; the second van's are
 * the 0.19-0.47 part boxes from [574,252,51,32], 30-49 px tall as the first van covers more or less
 * of it (boxes within 500-700 px across, frame-sized ones left out).
 */
const _S45_8_QUEUE: [number, [string, number, Box][]][] = [
  [1400, [
    ["truck", 0.48, [568, 252, 58, 60]],
    ["truck", 0.35, [574, 252, 51, 32]],
    ["car", 0.16, [601, 255, 25, 27]],
    ["person", 0.15, [570, 217, 66, 96]],
  ]],
  [1467, [
    ["truck", 0.46, [567, 254, 54, 60]],
    ["truck", 0.31, [575, 254, 51, 30]],
    ["person", 0.15, [570, 251, 62, 63]],
    ["car", 0.12, [602, 255, 23, 30]],
  ]],
  [1533, [
    ["truck", 0.46, [566, 255, 55, 62]],
    ["truck", 0.26, [584, 254, 40, 31]],
    ["person", 0.16, [569, 250, 60, 65]],
    ["person", 0.12, [565, 211, 74, 105]],
    ["person", 0.10, [636, 337, 8, 17]],
  ]],
  [1600, [
    ["truck", 0.44, [566, 255, 57, 62]],
    ["truck", 0.44, [576, 254, 49, 35]],
    ["person", 0.17, [571, 254, 54, 63]],
  ]],
  [1667, [
    ["truck", 0.46, [563, 258, 59, 64]],
    ["person", 0.23, [565, 257, 58, 65]],
    ["truck", 0.19, [585, 256, 40, 33]],
    ["person", 0.12, [637, 298, 7, 22]],
    ["person", 0.12, [567, 218, 69, 104]],
  ]],
  [1733, [
    ["truck", 0.46, [562, 262, 60, 63]],
    ["truck", 0.35, [572, 256, 52, 49]],
    ["person", 0.17, [566, 252, 66, 72]],
  ]],
  [1800, [
    ["truck", 0.46, [561, 279, 58, 48]],
    ["truck", 0.37, [568, 259, 57, 47]],
    ["person", 0.15, [563, 258, 64, 67]],
    ["person", 0.15, [637, 338, 7, 15]],
    ["person", 0.11, [637, 313, 6, 12]],
  ]],
  [1867, [
    ["truck", 0.48, [559, 277, 59, 52]],
    ["truck", 0.41, [566, 260, 59, 49]],
    ["person", 0.18, [563, 274, 57, 52]],
  ]],
  [1933, [
    ["truck", 0.45, [560, 276, 59, 55]],
    ["truck", 0.35, [576, 260, 50, 34]],
    ["person", 0.13, [560, 276, 58, 54]],
  ]],
  [2000, [
    ["truck", 0.49, [558, 281, 59, 53]],
    ["truck", 0.36, [571, 261, 55, 35]],
    ["person", 0.13, [557, 281, 61, 51]],
  ]],
  [2067, [
    ["truck", 0.48, [558, 287, 60, 49]],
    ["truck", 0.31, [576, 261, 47, 35]],
    ["person", 0.18, [557, 265, 70, 73]],
    ["truck", 0.11, [553, 202, 82, 132]],
  ]],
  [2133, [
    ["truck", 0.51, [555, 290, 62, 49]],
    ["truck", 0.37, [576, 264, 48, 35]],
    ["truck", 0.34, [561, 263, 63, 59]],
    ["person", 0.20, [555, 274, 64, 64]],
    ["person", 0.16, [570, 259, 71, 80]],
  ]],
  [2200, [
    ["truck", 0.54, [553, 290, 64, 51]],
    ["truck", 0.40, [577, 264, 47, 35]],
    ["person", 0.20, [558, 264, 65, 76]],
    ["person", 0.14, [596, 267, 44, 73]],
  ]],
  [2267, [
    ["truck", 0.52, [552, 291, 64, 52]],
    ["truck", 0.40, [576, 264, 48, 37]],
    ["person", 0.24, [558, 265, 66, 78]],
    ["person", 0.15, [591, 271, 49, 70]],
    ["truck", 0.10, [545, 202, 90, 138]],
  ]],
  [2333, [
    ["truck", 0.56, [552, 288, 65, 58]],
    ["truck", 0.45, [556, 267, 67, 46]],
    ["person", 0.14, [550, 276, 70, 69]],
    ["car", 0.11, [600, 271, 22, 33]],
  ]],
  [2400, [
    ["truck", 0.63, [549, 296, 66, 51]],
    ["truck", 0.45, [565, 267, 57, 35]],
    ["person", 0.23, [550, 270, 75, 76]],
    ["person", 0.12, [555, 227, 90, 119]],
    ["truck", 0.10, [546, 211, 88, 134]],
  ]],
  [2467, [
    ["truck", 0.55, [548, 272, 68, 76]],
    ["truck", 0.43, [552, 268, 69, 48]],
    ["person", 0.13, [550, 285, 70, 63]],
    ["truck", 0.12, [544, 225, 85, 123]],
  ]],
  [2533, [
    ["truck", 0.56, [546, 270, 71, 81]],
    ["truck", 0.40, [569, 270, 52, 37]],
    ["person", 0.17, [550, 274, 69, 74]],
    ["truck", 0.11, [604, 273, 18, 33]],
  ]],
  [2600, [
    ["truck", 0.53, [545, 294, 70, 62]],
    ["truck", 0.42, [566, 271, 54, 41]],
    ["truck", 0.20, [541, 209, 88, 145]],
    ["person", 0.17, [549, 276, 68, 76]],
    ["truck", 0.11, [604, 274, 17, 34]],
    ["truck", 0.10, [588, 304, 27, 50]],
  ]],
  [2667, [
    ["truck", 0.64, [544, 296, 71, 61]],
    ["truck", 0.44, [567, 272, 52, 38]],
    ["truck", 0.22, [540, 234, 83, 124]],
    ["person", 0.21, [549, 277, 69, 78]],
    ["truck", 0.17, [552, 273, 68, 60]],
    ["person", 0.12, [574, 266, 70, 90]],
  ]],
  [2733, [
    ["truck", 0.58, [543, 294, 72, 64]],
    ["truck", 0.43, [564, 274, 56, 35]],
    ["truck", 0.23, [538, 227, 85, 134]],
    ["person", 0.18, [547, 278, 69, 78]],
  ]],
  [2800, [
    ["truck", 0.59, [543, 293, 72, 67]],
    ["truck", 0.46, [566, 275, 53, 38]],
    ["truck", 0.23, [538, 233, 84, 130]],
    ["truck", 0.20, [554, 276, 65, 63]],
    ["person", 0.18, [548, 281, 67, 77]],
    ["truck", 0.10, [603, 280, 18, 32]],
  ]],
];

Deno.test("a young track confirmed on a part box takes its vehicle's next low-score box (the young-track motion gate in stage 2)", () => {
  const { ids, last } = _queueRun(_S45_8_QUEUE, { w: 1280, h: 720 });
  // Before: the second van's track was confirmed at 1.93 s on a 0.415 box 49 px tall and a 0.351
  // one 34 px tall, so its filter read the box shrinking and rising (147 px/s) and predicted the
  // 2.0 s box (0.361, 2 px from the last) at IoU 0.48, under lowMatchIou: lost, and the van got a
  // third id at 2.73 s.
  assert.deepEqual(ids, [1, 2], `one track per van: ids ${ids}`);
  const second = last.find((t) => t.id === 2);
  assert.ok(
    second && second.lastTs === 2800 && Math.abs(second.rawBox[1] + second.rawBox[3] - 313) < 4,
    `track 2 on the second van at 2.8 s: ${second?.rawBox}`,
  );
});

/**
 * Held-out s27_7 (640x360, 10 fps processed at 5; camera 9.7 m up at the roadside, yawed 19.7°):
 * NanoDet's boxes (>= 0.1) as the van drives down from the top edge toward the stop line while a
 * van drives away on the other lane (the "truck" from [358,175,60,49]). The near van's own boxes
 * are the 0.32-0.60 "car" ones from [150,4,31,24]; at 0.8 and 1.0 s a tall weak box over it
 * ([162,9,34,48], [159,8,43,57]) reaches the top edge.
 */
const _S27_7_DOWN: [number, [string, number, Box][]][] = [
  [0, [["car", 0.42, [150, 4, 31, 24]], ["person", 0.19, [150, 4, 31, 24]], ["person", 0.10, [
    420,
    350,
    16,
    10,
  ]]]],
  [600, [["truck", 0.61, [358, 175, 60, 49]], ["car", 0.41, [158, 15, 35, 34]], ["car", 0.20, [
    147,
    2,
    48,
    47,
  ]], ["person", 0.12, [420, 350, 15, 10]]]],
  [800, [["truck", 0.57, [344, 160, 56, 47]], ["car", 0.37, [164, 31, 30, 27]], ["car", 0.12, [
    162,
    9,
    34,
    48,
  ]], ["person", 0.12, [420, 350, 15, 10]]]],
  [1000, [
    ["truck", 0.55, [327, 143, 56, 44]],
    ["car", 0.32, [167, 41, 36, 25]],
    ["car", 0.21, [167, 25, 39, 41]],
    ["person", 0.13, [420, 350, 15, 10]],
    ["truck", 0.12, [159, 8, 43, 57]],
    ["car", 0.11, [244, 105, 20, 25]],
  ]],
  [1200, [["truck", 0.53, [316, 130, 51, 42]], ["car", 0.47, [173, 49, 38, 28]], ["person", 0.15, [
    420,
    350,
    15,
    10,
  ]], ["car", 0.13, [244, 105, 20, 26]]]],
  [1400, [
    ["truck", 0.54, [303, 117, 49, 40]],
    ["car", 0.38, [177, 57, 35, 28]],
    ["person", 0.14, [419, 350, 15, 10]],
    ["car", 0.12, [243, 104, 22, 27]],
    ["person", 0.10, [305, 117, 49, 42]],
  ]],
  [1600, [
    ["car", 0.56, [182, 64, 40, 31]],
    ["truck", 0.52, [294, 108, 47, 39]],
    ["car", 0.16, [198, 65, 37, 26]],
    ["car", 0.14, [243, 103, 22, 27]],
    ["person", 0.14, [419, 350, 15, 10]],
  ]],
  [1800, [["car", 0.58, [186, 73, 47, 35]], ["car", 0.54, [285, 97, 44, 38]], ["person", 0.12, [
    419,
    350,
    16,
    10,
  ]]]],
  [2000, [
    ["car", 0.50, [191, 80, 45, 37]],
    ["car", 0.42, [276, 88, 41, 35]],
    ["person", 0.11, [419, 350, 16, 10]],
    ["truck", 0.11, [110, 5, 490, 351]],
    ["car", 0.10, [208, 71, 27, 38]],
  ]],
  [2200, [
    ["car", 0.60, [268, 81, 41, 33]],
    ["car", 0.55, [195, 91, 43, 37]],
    ["car", 0.12, [204, 98, 59, 30]],
    ["car", 0.12, [201, 75, 37, 50]],
    ["person", 0.11, [419, 350, 16, 10]],
  ]],
  [2400, [
    ["car", 0.51, [261, 73, 40, 32]],
    ["car", 0.49, [201, 100, 55, 36]],
    ["car", 0.15, [215, 101, 49, 31]],
    ["truck", 0.11, [111, 5, 485, 351]],
    ["person", 0.10, [419, 350, 16, 10]],
  ]],
  [2600, [["car", 0.60, [205, 104, 56, 42]], ["car", 0.54, [254, 65, 39, 32]], ["person", 0.11, [
    419,
    350,
    16,
    10,
  ]]]],
];

Deno.test("a vehicle whose box height jumps keeps its track at a low rate (its anchor velocity predicts it)", () => {
  const { ids, last } = _queueRun(_S27_7_DOWN, { w: 640, h: 360 });
  // Before: the van's track (1) took the tall weak box at 0.8 and 1.0 s, its own again at 1.2 s
  // (centre 30 px lower, bottom steady), and its filter then predicted boxes the van's next ones
  // overlapped at IoU 0.27 (1.4 s) and 0.01 (1.6 s): lost, and the van got track 3 at 1.8 s.
  const van = last.find((t) => t.id === 1);
  assert.ok(
    van,
    `track 1 still held at 2.6 s: ${JSON.stringify(last.map((t) => [t.id, t.rawBox]))}`,
  );
  assert.deepEqual(van.rawBox, [205, 104, 56, 42]);
  assert.deepEqual(ids, [1, 2], "one track per van");
});

/**
 * Held-out s27_6 (854x480 at 15 fps, dusk; camera 6.2 m up, 6.6 px/m): the first van of a queue
 * stands at the line, its NanoDet box [350,189,56,43]; the second waits just above it,
 * [366,163,44,32] (the boxes recorded at 4.4-4.9 s, held steady here). From 5.0 s the recorded
 * boxes: the first van's grows up over the second (top 189 -> 175) and the second's down (bottom
 * 195 -> 214), so the first van's box overlaps the second's >= stillClaimIou.
 */
function _s27_6Queue(): [number, [string, number, Box][]][] {
  const frames: [number, [string, number, Box][]][] = [];
  const dt = 1000 / 15;
  for (let i = 0; i < 45; i++) {
    frames.push([i * dt, [["truck", 0.55, [350, 189, 56, 43]], ["truck", 0.46, [
      366,
      163,
      44,
      32,
    ]]]]);
  }
  const recorded: [[string, number, Box], [string, number, Box]][] = [
    [["truck", 0.56, [350, 178, 56, 55]], ["truck", 0.52, [355, 163, 55, 47]]],
    [["truck", 0.57, [350, 177, 56, 57]], ["truck", 0.53, [355, 163, 55, 48]]],
    [["truck", 0.58, [350, 175, 56, 58]], ["truck", 0.51, [355, 163, 55, 51]]],
    [["truck", 0.58, [350, 175, 56, 58]], ["truck", 0.50, [355, 163, 55, 51]]],
    [["truck", 0.59, [350, 178, 56, 56]], ["truck", 0.50, [354, 163, 55, 51]]],
    [["truck", 0.59, [350, 178, 56, 55]], ["truck", 0.49, [355, 164, 55, 49]]],
    [["truck", 0.59, [350, 178, 56, 56]], ["truck", 0.49, [355, 164, 55, 51]]],
  ];
  recorded.forEach((dets, k) => frames.push([(45 + k) * dt, dets]));
  return frames;
}

Deno.test("a queued vehicle whose box jumps keeps it when the standing vehicle ahead's box grows over it (the better overlap wins the claim)", () => {
  const { ids, last } = _queueRun(_s27_6Queue(), { w: 854, h: 480 });
  // Before: the second van's track, its anchor's 15 px jump read as 54 px/s (moving), was barred
  // from its own box because the first van's still track claimed it (IoU >= 0.5 with its grown
  // box) though its own prediction overlapped it more (0.73); lost, it coasted off, and the
  // second van got a third track when it stood still again.
  assert.deepEqual(ids, [1, 2], "one track per van");
  const second = last.find((t) => t.id === 2);
  assert.ok(second && second.state === "confirmed", `track 2 held: ${JSON.stringify(last)}`);
  assert.deepEqual(second.rawBox, [355, 164, 55, 51]);
});
