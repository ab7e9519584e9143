import assert from "node:assert/strict";
import type { Box } from "../../shared/geometry.ts";
import type { Detection } from "../detector/detection.ts";
import {
  approachBox,
  chooseRegions,
  cropRgb,
  DEFAULT_REGION_POLICY,
  fullFrameScale,
  fullFrameTracks,
  mergeSources,
  planRegions,
  type RegionNeed,
  regionNeeds,
  regionToFrame,
  type RegionTrack,
} from "./regions.ts";

const ZONES = {
  stop_zone: [[0.4, 0.5], [0.6, 0.5], [0.6, 0.7], [0.4, 0.7]] as [number, number][],
  pre_stop_line: [[0.1, 0.45], [0.1, 0.75]] as [[number, number], [number, number]],
};

Deno.test("planRegions: no zones, no regions", () => {
  assert.deepEqual(planRegions(undefined, 768, 576, 416), []);
});

Deno.test("planRegions: squares at the input size cover the approach path with margin", () => {
  const regions = planRegions(ZONES, 768, 576, 416);
  // Path 0.1..0.6 of 768 px wide (+-31 px margin) is ~446 px: two squares side by side.
  assert.deepEqual(regions.length, 2);
  for (const r of regions) {
    assert.deepEqual(r.size, 416);
    assert.deepEqual(r.x >= 0 && r.x + r.size <= 768, true);
    assert.deepEqual(r.y >= 0 && r.y + r.size <= 576, true);
  }
  const left = Math.min(...regions.map((r) => r.x));
  const right = Math.max(...regions.map((r) => r.x + r.size));
  assert.deepEqual(left <= 0.1 * 768, true);
  assert.deepEqual(right >= 0.6 * 768, true);
});

Deno.test("planRegions: a small frame gets squares of its smaller side", () => {
  const regions = planRegions(ZONES, 320, 240, 416);
  assert.deepEqual(regions.every((r) => r.size === 240 && r.y === 0), true);
});

Deno.test("cropRgb copies the region's pixels", () => {
  const frame = { width: 4, height: 3, data: new Uint8Array(4 * 3 * 3) };
  for (let i = 0; i < frame.data.length; i++) frame.data[i] = i;
  const crop = cropRgb(frame, { x: 1, y: 1, size: 2 });
  // Row 1, column 1 starts at byte (1 * 4 + 1) * 3 = 15.
  assert.deepEqual([...crop.data], [15, 16, 17, 18, 19, 20, 27, 28, 29, 30, 31, 32]);
});

Deno.test("regionToFrame offsets boxes and drops boxes cut by an inner crop edge", () => {
  const r = { x: 100, y: 50, size: 416 };
  const dets: Detection[] = [
    { label: "car", conf: 0.8, box: [10, 20, 40, 30] },
    { label: "car", conf: 0.7, box: [0, 100, 30, 30] }, // cut by the left edge (frame continues)
    { label: "car", conf: 0.6, box: [380, 100, 36, 30] }, // cut by the right edge
  ];
  assert.deepEqual(regionToFrame(dets, r, 768, 576), [
    { label: "car", conf: 0.8, box: [110, 70, 40, 30] },
  ]);
  // At the frame's own edge a box is not cut: nothing else sees more of it.
  const atEdge = regionToFrame(dets, { x: 0, y: 0, size: 416 }, 416, 416);
  assert.deepEqual(atEdge.length, 3);
});

Deno.test("mergeSources keeps one box per vehicle across sources, the most confident", () => {
  const full: Detection[] = [{ label: "car", conf: 0.4, box: [100, 100, 42, 30] }];
  const region: Detection[] = [
    { label: "truck", conf: 0.7, box: [101, 101, 40, 29] },
    { label: "car", conf: 0.6, box: [300, 100, 40, 30] },
  ];
  const merged = mergeSources([full, region]);
  assert.deepEqual(merged.map((d) => d.conf), [0.7, 0.6]);
  assert.deepEqual(merged[0].label, "truck");
});

Deno.test("mergeSources: a vehicle a region saw too keeps the region's box when the full frame's scores higher", () => {
  // Recorded (bench/held_out_scenes.ts s4_6, 2.5 fps, 10.5 px of road per metre): NanoDet's boxes
  // of the van braking to rest in the zone, full frame and the zone's region. While it braked the
  // region's scored higher (4.4 s: 0.603 against 0.427); at rest the full frame's did by a hair
  // (5.6 s: 0.517 against 0.489), its bottom edge 2 px above the region's (0.30 m behind the wheels
  // on the road: the entry read -12.8 %).
  const braking = mergeSources([
    [{ label: "car", conf: 0.427, box: [524.7, 254.3, 79.9, 66.9] }],
    [{ label: "truck", conf: 0.603, box: [525.7, 255, 82, 66.8] }],
  ]);
  const atRest = mergeSources([
    [{ label: "car", conf: 0.517, box: [509.6, 274.4, 95.3, 66.6] }],
    [{ label: "truck", conf: 0.489, box: [511.8, 270.7, 93.7, 72.3] }],
  ]);
  assert.deepEqual(braking, [
    { label: "truck", conf: 0.603, box: [525.7, 255, 82, 66.8], region: true },
  ]);
  // One box, the NMS winner's label and score on the region's box: the anchor stays on one scale.
  assert.deepEqual(atRest, [
    { label: "car", conf: 0.517, box: [511.8, 270.7, 93.7, 72.3], region: true },
  ]);
  // A full-frame box no region overlaps is kept as it is; another class is not a vehicle's.
  const other = mergeSources([
    [
      { label: "car", conf: 0.5, box: [100, 100, 40, 30] },
      { label: "person", conf: 0.6, box: [300, 100, 10, 30] },
    ],
    [{ label: "car", conf: 0.4, box: [302, 101, 10, 28] }],
  ]);
  assert.deepEqual(other.map((d) => [d.label, d.box]), [
    ["person", [300, 100, 10, 30]],
    ["car", [100, 100, 40, 30]],
    ["car", [302, 101, 10, 28]],
  ]);
});

const POLICY = DEFAULT_REGION_POLICY;
/** 768x576 into a 416 input: 0.54. */
const SCALE = fullFrameScale(768, 576, 416);
const NEAR = approachBox(ZONES, 768, 576, POLICY.nearShare);

Deno.test("regionNeeds: small things near the path ask for regions, large or parked ones do not", () => {
  const tracks = [
    { box: [300, 300, 40, 30] as Box, speed_px_s: 0, phase: "stopped" }, // judged, small
    { box: [200, 300, 40, 30] as Box, speed_px_s: 60, phase: null }, // moving, small
    { box: [250, 330, 40, 30] as Box, speed_px_s: 2, phase: null }, // parked, small
    { box: [260, 300, 40, 30] as Box, speed_px_s: 2, phase: "approach" }, // parked by the path
    { box: [350, 300, 140, 90] as Box, speed_px_s: 80, phase: "approach" }, // large: full frame
    { box: [700, 20, 40, 30] as Box, speed_px_s: 60, phase: null }, // far from the path
  ];
  // Small motion, the whole frame (a re-seed), and a piece of the large track's box.
  const motion: Box[] = [[150, 320, 50, 40], [0, 0, 768, 576], [400, 320, 30, 30]];
  const needs = regionNeeds(tracks, motion, NEAR, SCALE, POLICY, 10);
  assert.deepEqual(needs.map((n) => [n.rank, n.box[0]]), [[0, 300], [1, 200], [2, 150]]);
});

Deno.test("regionNeeds: a large track boxed by a region keeps it while judged or moving, not when parked", () => {
  // regions.ts mergeSources: its box keeps coming from one source.
  const big = (x: number, speed_px_s: number, phase: string | null, regionBoxed = true) => ({
    box: [x, 320, 140, 90] as Box,
    speed_px_s,
    phase,
    regionBoxed,
  });
  const tracks: RegionTrack[] = [
    big(300, 0, "stopped"), // judged, boxed by a region: keeps it
    big(320, 80, "approach"), // moving on the path, boxed by a region: keeps it
    big(340, 1, "approach"), // parked by the path: nothing
    big(360, 0, null), // not on the path: nothing
    big(350, 0, "stopped", false), // boxed by the full frame: keeps that
  ];
  const needs = regionNeeds(tracks, [], NEAR, SCALE, POLICY, 10);
  assert.deepEqual(needs.map((n) => [n.rank, n.box[0]]), [[0, 300], [0, 320]]);
  // The full frame's large tracks keep its boxes; small ones and region-boxed ones do not.
  const small = { box: [100, 300, 40, 30] as Box, speed_px_s: 50, phase: "approach" };
  assert.deepEqual(fullFrameTracks([...tracks, small], SCALE, POLICY), [[350, 320, 140, 90]]);
});

Deno.test("mergeSources: a vehicle whose track kept the full frame's box keeps it when a region sees it", () => {
  const full = [{ label: "truck", conf: 0.59, box: [219, 304, 142, 110] as Box }];
  const region = [{ label: "truck", conf: 0.53, box: [221.5, 302.7, 146, 104] as Box }];
  // s32_2's first van: its track's box was the full frame's; a region run for the van queued
  // behind it sees it too (2.5 px left of and 1.3 px above the full frame's bottom centre).
  const kept = mergeSources([full, region], [[219, 304, 142, 111]]);
  assert.deepEqual(kept.map((d) => [d.box, d.region]), [[[219, 304, 142, 110], undefined]]);
  // Without a track boxed by the full frame there, the region's (finer) box, marked.
  const merged = mergeSources([full, region]);
  assert.deepEqual(merged.map((d) => [d.box, d.region]), [[[221.5, 302.7, 146, 104], true]]);
});

Deno.test("chooseRegions: an approach square that holds the need, else one centred on it, capped", () => {
  const planned = planRegions(ZONES, 768, 576, 416);
  // Inside the left planned square: that square, and the second need is already covered.
  const inLeft: RegionNeed[] = [
    { box: [100, 300, 40, 30], rank: 0 },
    { box: [150, 310, 40, 30], rank: 2 },
  ];
  assert.deepEqual(chooseRegions(inLeft, planned, 768, 576, 416, POLICY), [planned[0]]);
  // Off every planned square (top right corner): a square centred on it, clamped to the frame.
  const corner: RegionNeed[] = [{ box: [700, 10, 40, 30], rank: 2 }];
  assert.deepEqual(chooseRegions(corner, planned, 768, 576, 416, POLICY), [
    { x: 352, y: 0, size: 416 },
  ]);
  // Three needs far apart: capped at maxPerFrame, most important first.
  const three: RegionNeed[] = [
    { box: [20, 20, 30, 20], rank: 0 },
    { box: [700, 20, 30, 20], rank: 1 },
    { box: [380, 540, 30, 20], rank: 2 },
  ];
  const chosen = chooseRegions(three, [], 768, 576, 416, POLICY);
  assert.deepEqual(chosen.length, POLICY.maxPerFrame);
  assert.deepEqual(chosen[0], { x: 0, y: 0, size: 416 });
  // Nothing to look at: no region.
  assert.deepEqual(chooseRegions([], planned, 768, 576, 416, POLICY), []);
});

Deno.test("chooseRegions: no region when the full frame already reaches the model at ~1:1", () => {
  const need: RegionNeed[] = [{ box: [100, 100, 20, 15], rank: 0 }];
  // 576x432 into 416: 0.72 scale, a crop gains 1.38x < 1.5x: not worth an inference.
  assert.deepEqual(chooseRegions(need, [], 576, 432, 416, POLICY), []);
  // 640x480: 1.54x, worth it.
  assert.deepEqual(chooseRegions(need, [], 640, 480, 416, POLICY).length, 1);
});
