/**
 * low_light.ts on synthetic pixels: which inputs are dark, the gain chosen, the table that folds it
 * into the model's normalization, the smoothing, and preprocessRgb24 reading the table.
 */
import assert from "node:assert/strict";
import { chooseGain, DEFAULT_LOW_LIGHT, gainTable, lumaHistogram, smooth3 } from "./low_light.ts";
import { NANODET_NORM, planResize, preprocessRgb24 } from "./preprocess.ts";

/** A W x H RGB24 image from a per-pixel function. */
function image(w: number, h: number, px: (x: number, y: number) => [number, number, number]) {
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set(px(x, y), (y * w + x) * 3);
  return { width: w, height: h, data };
}

/** A daylight-like scene: a grey road ramp (40..220) with a darker box on it. */
const day = (x: number, y: number): [number, number, number] => {
  const v = 40 + Math.round((180 * (x + y)) / 126);
  return x >= 20 && x < 30 && y >= 20 && y < 26 ? [v >> 2, v >> 2, v >> 1] : [v, v, v];
};
/** The same scene at dusk: every channel x0.4 (the scene generator's dusk is x0.3-0.5). */
const dusk = (x: number, y: number): [number, number, number] =>
  day(x, y).map((c) => Math.round(c * 0.4)) as [number, number, number];

Deno.test("low light: the luma histogram counts every step-th pixel (BT.601 weights)", () => {
  const img = image(4, 4, (x) => (x < 2 ? [255, 0, 0] : [0, 0, 255]));
  const all = lumaHistogram(img, 1);
  assert.equal(all.reduce((a, b) => a + b, 0), 16);
  assert.equal(all[(77 * 255) >> 8], 8); // red: luma 76
  assert.equal(all[(29 * 255) >> 8], 8); // blue: luma 28
  const quarter = lumaHistogram(img, 2);
  assert.equal(quarter.reduce((a, b) => a + b, 0), 4);
});

Deno.test("low light: a bright input gets no gain; the same input at dusk gets ~1/0.4", () => {
  assert.equal(chooseGain(lumaHistogram(image(64, 64, day), 1)), null);
  const g = chooseGain(lumaHistogram(image(64, 64, dusk), 1));
  assert.ok(g, "a x0.4 input is dark");
  // Mean luma of the dusk ramp ~52 (< 70); its 99th percentile ~85 (0.4 x ~212) would go to 255 but
  // the gain is capped at 2.5.
  assert.ok(g.meanLuma > 45 && g.meanLuma < 60, `mean ${g.meanLuma}`);
  assert.equal(g.gain, DEFAULT_LOW_LIGHT.maxGain);
  // Uncapped, the 99th percentile (~85) lands at 255.
  const open = chooseGain(lumaHistogram(image(64, 64, dusk), 1), {
    ...DEFAULT_LOW_LIGHT,
    maxGain: 10,
  });
  assert.ok(open!.gain > 2.8 && open!.gain < 3.1, `gain ${open!.gain}`);
});

Deno.test("low light: a dark input that already spans the range is left alone", () => {
  // Mostly black with a few full-white pixels (a night scene with lights): dark mean, but its 99th
  // percentile is 255, so a gain would only clip the lights.
  const img = image(20, 20, (x, y) => (x < 4 && y < 2 ? [255, 255, 255] : [10, 10, 10]));
  const h = lumaHistogram(img, 1);
  assert.equal(chooseGain(h), null);
  // An almost black input gets at most the cap, not 255 / 3.
  const g = chooseGain(lumaHistogram(image(8, 8, () => [3, 3, 3]), 1));
  assert.equal(g?.gain, DEFAULT_LOW_LIGHT.maxGain);
});

Deno.test("low light: the table is gain, clip at 255, then the model's mean/std per plane", () => {
  const t = gainTable({ gain: 2, meanLuma: 30 }, NANODET_NORM);
  for (let p = 0; p < 3; p++) {
    const m = NANODET_NORM.mean[p], s = NANODET_NORM.std[p];
    assert.ok(Math.abs(t[p * 256 + 0] - (0 - m) / s) < 1e-5);
    assert.ok(Math.abs(t[p * 256 + 50] - (100 - m) / s) < 1e-5);
    assert.ok(Math.abs(t[p * 256 + 200] - (255 - m) / s) < 1e-5, "clipped");
  }
});

Deno.test("low light: preprocess through the table equals preprocess of the gained pixels", () => {
  const src = image(40, 30, dusk);
  const gained = { ...src, data: src.data.map((v) => Math.min(255, v * 2)) };
  for (const [w, h] of [[40, 30], [24, 24], [64, 64]]) {
    const plan = planResize(40, 30, w, h, "letterbox");
    const a = preprocessRgb24(gained, plan, NANODET_NORM, new Float32Array(3 * w * h));
    const table = gainTable({ gain: 2, meanLuma: 0 }, NANODET_NORM);
    const b = preprocessRgb24(src, plan, NANODET_NORM, new Float32Array(3 * w * h), table);
    // The table is read before the bilinear blend, the plain path after: equal where no sample
    // clips (none here: dusk x2 stays under 255).
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
    assert.ok(worst < 1e-4, `${w}x${h}: max difference ${worst}`);
  }
  // Interleaved layout too.
  const nhwc = { ...NANODET_NORM, layout: "nhwc" as const };
  const plan = planResize(40, 30, 20, 20);
  const a = preprocessRgb24(gained, plan, nhwc, new Float32Array(1200));
  const b = preprocessRgb24(
    src,
    plan,
    nhwc,
    new Float32Array(1200),
    gainTable(
      { gain: 2, meanLuma: 0 },
      nhwc,
    ),
  );
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-4, `nhwc ${i}`);
});

Deno.test("low light: smoothing keeps flat areas and edges' levels, spreads a lone noisy pixel", () => {
  const flat = image(9, 7, () => [40, 80, 120]);
  const scratch = { tmp: new Uint16Array(0), out: new Uint8Array(0) };
  assert.deepEqual(smooth3(flat, scratch).data, flat.data);
  // A single +64 pixel (sensor noise) becomes +16 at its centre, +8 beside, +4 diagonally.
  const spike = image(5, 5, (x, y) => (x === 2 && y === 2 ? [104, 104, 104] : [40, 40, 40]));
  const s = smooth3(spike, scratch).data;
  const at = (x: number, y: number) => s[(y * 5 + x) * 3];
  assert.equal(at(2, 2), 56);
  assert.equal(at(1, 2), 48);
  assert.equal(at(1, 1), 44);
  assert.equal(at(0, 0), 40);
  // A vertical edge 20 | 100 stays 20 and 100 one pixel away from it.
  const edge = image(6, 3, (x) => (x < 3 ? [20, 20, 20] : [100, 100, 100]));
  const e = smooth3(edge, scratch).data;
  assert.equal(e[(1 * 6 + 0) * 3], 20);
  assert.equal(e[(1 * 6 + 5) * 3], 100);
  assert.equal(e[(1 * 6 + 2) * 3], 40); // (20 + 40 + 100) / 4
});
