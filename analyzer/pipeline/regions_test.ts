import assert from "node:assert/strict";
import type { Detection } from "../detector/detection.ts";
import { cropRgb, mergeSources, planRegions, regionToFrame } from "./regions.ts";

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
