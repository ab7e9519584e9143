import assert from "node:assert/strict";
import { blockSizeFor, pixelateRegions } from "./privacy_blur.ts";

/** A 40x30 RGBA checkerboard of 1 px squares (black/white): the worst case for a mosaic. */
function checkerboard(w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = (x + y) % 2 ? 255 : 0;
      out.set([v, v, v, 255], (y * w + x) * 4);
    }
  }
  return out;
}

Deno.test("privacy blur: the region becomes uniform blocks of the mean; outside is untouched", () => {
  const w = 40, h = 30;
  const img = checkerboard(w, h);
  const before = img.slice();
  pixelateRegions(img, w, h, [[8, 4, 16, 16]]);
  assert.equal(blockSizeFor([8, 4, 16, 16]), 8); // 16/6 -> at least 8 px
  const px = (x: number, y: number) => [...img.subarray((y * w + x) * 4, (y * w + x) * 4 + 4)];
  // Each 8x8 block of a checkerboard averages to 127.5 -> 128 (rounded); alpha kept.
  for (const [x, y] of [[8, 4], [15, 11], [16, 12], [23, 19]]) {
    assert.deepEqual(px(x, y), [128, 128, 128, 255], `${x},${y}`);
  }
  // Outside the region: exactly as before.
  for (const [x, y] of [[7, 4], [24, 4], [8, 3], [8, 20], [0, 0], [39, 29]]) {
    const i = (y * w + x) * 4;
    assert.deepEqual(px(x, y), [...before.subarray(i, i + 4)], `${x},${y}`);
  }
});

Deno.test("privacy blur: regions are clamped to the image; blocks grow with the region", () => {
  const w = 20, h = 10;
  const img = checkerboard(w, h);
  pixelateRegions(img, w, h, [[-5, -5, 10, 10], [30, 30, 5, 5]]); // partly and wholly outside
  const px = (x: number, y: number) => img[(y * w + x) * 4];
  // [0,5) x [0,5) is one clamped block (8 px wanted, 5 left): white where x+y is odd, 12 of 25.
  assert.equal(px(0, 0), Math.round((12 * 255) / 25));
  assert.equal(px(4, 4), Math.round((12 * 255) / 25));
  assert.equal(px(5, 0), 255); // (5+0) odd: untouched white
  assert.equal(blockSizeFor([0, 0, 120, 300]), 50);
});
