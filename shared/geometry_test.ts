import assert from "node:assert/strict";
import {
  anchorPoint,
  boxToRect,
  contentRect,
  intersectionArea,
  iou,
  normalizeBox,
} from "./geometry.ts";

Deno.test("normalizeBox clamps to the frame and rounds", () => {
  assert.deepEqual(normalizeBox([384, 288, 76.8, 57.6], 768, 576), [0.5, 0.5, 0.1, 0.1]);
  assert.deepEqual(normalizeBox([-10, 500, 100, 200], 768, 576), [0, 0.86806, 0.11719, 0.13194]);
});

Deno.test("iou of identical, disjoint and half-overlapping boxes", () => {
  assert.equal(iou([0, 0, 10, 10], [0, 0, 10, 10]), 1);
  assert.equal(iou([0, 0, 10, 10], [20, 20, 5, 5]), 0);
  assert.equal(iou([0, 0, 10, 10], [5, 0, 10, 10]), 50 / 150);
});

Deno.test("intersectionArea of overlapping, touching and disjoint boxes", () => {
  assert.equal(intersectionArea([0, 0, 10, 10], [5, 5, 10, 10]), 25);
  assert.equal(intersectionArea([0, 0, 10, 10], [2, 3, 4, 5]), 20);
  assert.equal(intersectionArea([0, 0, 10, 10], [10, 0, 5, 5]), 0);
  assert.equal(intersectionArea([0, 0, 10, 10], [20, 20, 5, 5]), 0);
});

Deno.test("contentRect letterboxes like object-fit", () => {
  // 4:3 video in a 16:9 element: pillarbox bars left and right.
  assert.deepEqual(contentRect(768, 576, 1600, 900, "contain"), { x: 200, y: 0, w: 1200, h: 900 });
  // 16:9 video in a square element: letterbox bars top and bottom.
  assert.deepEqual(contentRect(1280, 720, 640, 640, "contain"), { x: 0, y: 140, w: 640, h: 360 });
  const cover = contentRect(1280, 720, 640, 640, "cover");
  assert.equal(cover.h, 640);
  assert.ok(cover.x < 0);
  assert.deepEqual(contentRect(100, 100, 30, 40, "fill"), { x: 0, y: 0, w: 30, h: 40 });
});

Deno.test("boxToRect maps a normalized box into the content rect at any pixel ratio", () => {
  const rect = contentRect(768, 576, 1600, 900, "contain");
  assert.deepEqual(boxToRect([0.5, 0.5, 0.1, 0.1], rect), [800, 450, 120, 90]);
  assert.deepEqual(boxToRect([0.5, 0.5, 0.1, 0.1], rect, 2), [1600, 900, 240, 180]);
});

Deno.test("anchorPoint: the bottom centre (where a vehicle meets the road) or the box centre", () => {
  assert.deepEqual(anchorPoint([100, 50, 40, 30], "bottom_center"), [120, 80]);
  assert.deepEqual(anchorPoint([100, 50, 40, 30], "center"), [120, 65]);
  assert.deepEqual(anchorPoint([0.4, 0.2, 0.2, 0.4], "bottom_center"), [0.5, 0.6000000000000001]);
});
