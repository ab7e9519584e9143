import assert from "node:assert/strict";
import { iou, nms, type NmsBox } from "./nms.ts";

const b = (label: string, conf: number, x: number, y: number, w: number, h: number): NmsBox => ({
  label,
  conf,
  box: [x, y, w, h],
});

Deno.test("iou: identical, disjoint, half overlap, touching, empty", () => {
  assert.equal(iou([0, 0, 10, 10], [0, 0, 10, 10]), 1);
  assert.equal(iou([0, 0, 10, 10], [20, 20, 5, 5]), 0);
  // Overlap 5x10 = 50, union 150.
  assert.equal(iou([0, 0, 10, 10], [5, 0, 10, 10]), 50 / 150);
  assert.equal(iou([0, 0, 10, 10], [10, 0, 10, 10]), 0);
  assert.equal(iou([0, 0, 0, 0], [0, 0, 0, 0]), 0);
});

Deno.test("nms: suppresses overlapping boxes of one class, keeps the best first", () => {
  const out = nms([
    b("person", 0.6, 1, 1, 10, 20),
    b("person", 0.9, 0, 0, 10, 20),
    b("person", 0.8, 100, 100, 10, 20),
  ]);
  assert.deepEqual(out.map((d) => d.conf), [0.9, 0.8]);
});

Deno.test("nms: different classes do not suppress each other", () => {
  const out = nms([b("person", 0.9, 0, 0, 10, 10), b("dog", 0.5, 0, 0, 10, 10)]);
  assert.deepEqual(out.map((d) => d.label), ["person", "dog"]);
});

Deno.test("nms: car/truck/bus merge into one group and the winner keeps its label", () => {
  const out = nms([
    b("car", 0.5, 650, 45, 70, 50),
    b("truck", 0.55, 652, 44, 72, 52),
    b("bus", 0.3, 651, 46, 70, 50),
    b("car", 0.7, 10, 10, 40, 30),
  ]);
  assert.deepEqual(out.map((d) => [d.label, d.conf]), [["car", 0.7], ["truck", 0.55]]);
});

Deno.test("nms: merging can be turned off and custom groups used", () => {
  const items = [b("car", 0.5, 0, 0, 10, 10), b("truck", 0.55, 0, 0, 10, 10)];
  assert.equal(nms(items, { mergeGroups: [] }).length, 2);
  assert.equal(
    nms([b("cat", 0.5, 0, 0, 9, 9), b("dog", 0.4, 0, 0, 9, 9)], { mergeGroups: [["cat", "dog"]] })
      .length,
    1,
  );
});

Deno.test("nms: threshold is strict, maxDetections caps, input untouched, degenerate dropped", () => {
  // IoU exactly 1/3 (overlap 5x10 of two 10x10 boxes = 50/150) is not above 1/3.
  const pair = [b("person", 0.9, 0, 0, 10, 10), b("person", 0.8, 5, 0, 10, 10)];
  assert.equal(nms(pair, { iouThreshold: 1 / 3 }).length, 2);
  assert.equal(nms(pair, { iouThreshold: 0.3 }).length, 1);
  const many = Array.from({ length: 10 }, (_, i) => b("person", i / 10, i * 20, 0, 10, 10));
  const copy = structuredClone(many);
  assert.deepEqual(nms(many, { maxDetections: 3 }).map((d) => d.conf), [0.9, 0.8, 0.7]);
  assert.deepEqual(many, copy);
  assert.equal(nms([b("person", 0.9, 0, 0, 0, 10)]).length, 0);
});

Deno.test("nms: equal scores keep input order (deterministic)", () => {
  const out = nms([
    b("a", 0.5, 0, 0, 10, 10),
    b("b", 0.5, 0, 0, 10, 10),
    b("a", 0.5, 0, 0, 10, 10),
  ]);
  assert.deepEqual(out.map((d) => d.label), ["a", "b"]);
});
