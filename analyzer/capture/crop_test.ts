import assert from "node:assert/strict";
import jpeg from "jpeg-js";
import { cropRect, encodeCrop } from "./crop.ts";

Deno.test("cropRect grows the box by the margin and clamps to the frame", () => {
  assert.deepEqual(cropRect([100, 100, 50, 40], 768, 576, 0.2), [90, 92, 70, 56]);
  assert.deepEqual(cropRect([-5, 550, 50, 40], 768, 576, 0), [0, 550, 45, 26]);
});

Deno.test("encodeCrop produces a JPEG of the crop with the right pixels", () => {
  // A 64x48 frame: left half red, right half blue; crop a box that straddles both halves.
  const w = 64, h = 48;
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 3;
      if (x < 32) data[i] = 220;
      else data[i + 2] = 220;
    }
  }
  const bytes = encodeCrop({ width: w, height: h, data }, [16, 8, 32, 32], 90, 0);
  assert.deepEqual([...bytes.subarray(0, 2)], [0xff, 0xd8]);
  const img = jpeg.decode(bytes, { useTArray: true });
  assert.equal(img.width, 32);
  assert.equal(img.height, 32);
  const px = (
    x: number,
    y: number,
  ) => [...img.data.subarray((y * 32 + x) * 4, (y * 32 + x) * 4 + 3)];
  const left = px(4, 16), right = px(28, 16);
  assert.ok(left[0] > 180 && left[2] < 60, `left is red: ${left}`);
  assert.ok(right[2] > 180 && right[0] < 60, `right is blue: ${right}`);
});

Deno.test("encodeCrop pixelates the blur regions (source px) and nothing else", () => {
  // A 64x48 frame of 1 px black/white stripes; a "person" at [20, 10, 16, 24] inside the crop.
  const w = 64, h = 48;
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) data.fill(x % 2 ? 255 : 0, (y * w + x) * 3, (y * w + x) * 3 + 3);
  }
  const frame = { width: w, height: h, data };
  const box: [number, number, number, number] = [8, 4, 48, 40];
  const plain = jpeg.decode(encodeCrop(frame, box, 95, 0), { useTArray: true });
  const blurred = jpeg.decode(encodeCrop(frame, box, 95, 0, [[20, 10, 16, 24]]), {
    useTArray: true,
  });
  // Horizontal contrast between neighbours, in crop px (the crop starts at 8, 4).
  const contrast = (img: { data: Uint8Array }, x: number, y: number) =>
    Math.abs(img.data[(y * 48 + x) * 4] - img.data[(y * 48 + x + 1) * 4]);
  const inside = (img: { data: Uint8Array }) => {
    let sum = 0;
    for (let y = 8; y < 28; y++) {
      for (let x = 13; x < 26; x++) if ((x - 12) % 8) sum += contrast(img, x, y);
    }
    return sum;
  };
  assert.ok(inside(plain) > 20_000, `stripes visible before: ${inside(plain)}`);
  assert.ok(inside(blurred) < inside(plain) / 20, `stripes gone: ${inside(blurred)}`);
  // Outside the person the stripes stay.
  assert.ok(contrast(blurred, 2, 2) > 150 && contrast(blurred, 40, 30) > 150);
});
