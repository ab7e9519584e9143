import assert from "node:assert/strict";
import { ANNOTATE_COLORS, annotateFrame, drawText, type RgbImage, strokeBox } from "./draw.ts";

function _image(width: number, height: number): RgbImage {
  return { width, height, data: new Uint8Array(width * height * 3) };
}

function _at(img: RgbImage, x: number, y: number): number[] {
  const i = (y * img.width + x) * 3;
  return [...img.data.subarray(i, i + 3)];
}

Deno.test("strokeBox: draws the outline inside the box, leaves the inside and clips at the frame", () => {
  const img = _image(40, 30);
  strokeBox(img, [5, 5, 20, 10], [255, 0, 0], 2);
  assert.deepEqual(_at(img, 5, 10), [255, 0, 0]);
  assert.deepEqual(_at(img, 6, 10), [255, 0, 0]);
  assert.deepEqual(_at(img, 24, 14), [255, 0, 0]);
  assert.deepEqual(_at(img, 15, 10), [0, 0, 0]);
  assert.deepEqual(_at(img, 4, 10), [0, 0, 0]);
  strokeBox(img, [30, 20, 50, 50], [0, 255, 0], 2); // past the edges: no throw, no wrap
  assert.deepEqual(_at(img, 30, 25), [0, 255, 0]);
  assert.deepEqual(_at(img, 0, 21), [0, 0, 0]);
});

Deno.test("drawText: digits in the 3x5 font on a black plate", () => {
  const img = _image(20, 10);
  img.data.fill(100);
  drawText(img, 2, 2, "1", [255, 255, 255], 1);
  // "1" = rows 010 110 010 010 111: the top row lights only its middle column.
  assert.deepEqual(_at(img, 3, 2), [255, 255, 255]);
  assert.deepEqual(_at(img, 2, 2), [0, 0, 0]);
  assert.deepEqual(_at(img, 2, 6), [255, 255, 255]);
  assert.deepEqual(_at(img, 19, 9), [100, 100, 100]);
});

Deno.test("annotateFrame: zone in yellow, a stopped track green with its timer, tentative tracks hidden", () => {
  const img = _image(200, 120);
  annotateFrame(img, {
    stopZone: [[0.5, 0.5], [0.9, 0.5], [0.9, 0.9], [0.5, 0.9]],
    tracks: [
      { id: 3, box: [20, 40, 40, 30], phase: "stopped", stop_s: 1.5 },
      { id: 0, box: [150, 10, 20, 20], phase: null, stop_s: null },
    ],
  });
  assert.deepEqual(_at(img, 140, 60), [...ANNOTATE_COLORS.zone]);
  assert.deepEqual(_at(img, 20, 55), [...ANNOTATE_COLORS.stopped]);
  // The label plate sits above the box.
  assert.ok(img.data.subarray((35 * 200 + 22) * 3, (35 * 200 + 60) * 3).some((v) => v === 230));
  assert.deepEqual(_at(img, 150, 20), [0, 0, 0]);
});
