import assert from "node:assert/strict";
import {
  boxToSource,
  NANODET_NORM,
  type Normalization,
  planResize,
  preprocessRgb24,
} from "./preprocess.ts";

const IDENTITY_RGB: Normalization = { order: "rgb", mean: [0, 0, 0], std: [1, 1, 1] };

function frame(w: number, h: number, px: (x: number, y: number) => [number, number, number]) {
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) data.set(px(x, y), (y * w + x) * 3);
  }
  return { width: w, height: h, data };
}

function close(actual: ArrayLike<number>, expected: number[], eps = 1e-4) {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(
      Math.abs(actual[i] - expected[i]) <= eps,
      `index ${i}: ${actual[i]} != ${expected[i]}`,
    );
  }
}

Deno.test("preprocess: same size is a pure planar copy with channel reorder", () => {
  const f = frame(2, 2, (x, y) => [10 * x + y, 100 + x, 200 + y]);
  const plan = planResize(2, 2, 2, 2);
  const rgb = preprocessRgb24(f, plan, IDENTITY_RGB, new Float32Array(12));
  // Planes R, G, B; pixels (0,0), (1,0), (0,1), (1,1).
  close(rgb, [0, 10, 1, 11, 100, 101, 100, 101, 200, 200, 201, 201]);
  const bgr = preprocessRgb24(f, plan, { ...IDENTITY_RGB, order: "bgr" }, new Float32Array(12));
  close(bgr, [200, 200, 201, 201, 100, 101, 100, 101, 0, 10, 1, 11]);
});

Deno.test("preprocess: NanoDet normalization (BGR, mean/std per plane)", () => {
  const f = frame(1, 1, () => [123.675 + 58.395, 116.28, 103.53 - 57.375]);
  // Not exact integers: check the formula with rounding of the input bytes.
  const out = preprocessRgb24(f, planResize(1, 1, 1, 1), NANODET_NORM, new Float32Array(3));
  const [r, g, bl] = f.data;
  close(out, [(bl - 103.53) / 57.375, (g - 116.28) / 57.12, (r - 123.675) / 58.395]);
});

Deno.test("preprocess: 2x upscale uses half-pixel-centre bilinear", () => {
  // One row 0, 100 -> 4 samples at source x = -0.25(clamped 0), 0.25, 0.75, 1.25(clamped 1).
  const f = frame(2, 1, (x) => [x * 100, 0, 0]);
  const out = preprocessRgb24(f, planResize(2, 1, 4, 1), IDENTITY_RGB, new Float32Array(12));
  close(out.subarray(0, 4), [0, 25, 75, 100]);
});

Deno.test("preprocess: 2x downscale averages pixel pairs", () => {
  const f = frame(4, 2, (x, y) => [x * 10 + y * 40, 0, 0]);
  const out = preprocessRgb24(f, planResize(4, 2, 2, 1), IDENTITY_RGB, new Float32Array(6));
  // Sample at (0.5, 0.5) and (2.5, 0.5): mean of a 2x2 block.
  close(out.subarray(0, 2), [(0 + 10 + 40 + 50) / 4, (20 + 30 + 60 + 70) / 4]);
});

Deno.test("preprocess: letterbox centres content and fills borders with black", () => {
  const plan = planResize(768, 576, 416, 416, "letterbox");
  assert.deepEqual([plan.contentW, plan.contentH, plan.padX, plan.padY], [416, 312, 0, 52]);
  const f = frame(4, 2, () => [255, 255, 255]);
  const p2 = planResize(4, 2, 4, 4, "letterbox");
  assert.deepEqual([p2.contentW, p2.contentH, p2.padX, p2.padY], [4, 2, 0, 1]);
  const out = preprocessRgb24(f, p2, IDENTITY_RGB, new Float32Array(48).fill(7));
  close(out.subarray(0, 16), [0, 0, 0, 0, 255, 255, 255, 255, 255, 255, 255, 255, 0, 0, 0, 0]);
  const nd = preprocessRgb24(f, p2, NANODET_NORM, new Float32Array(48));
  close([nd[0], nd[16], nd[32]], [-103.53 / 57.375, -116.28 / 57.12, -123.675 / 58.395]);
});

Deno.test("boxToSource: inverts stretch and letterbox, clamps to frame", () => {
  const s = planResize(800, 400, 400, 400);
  assert.deepEqual(boxToSource(100, 100, 200, 300, s), [200, 100, 200, 200]);
  const l = planResize(768, 576, 416, 416, "letterbox");
  const k = 768 / 416;
  const [x, y, w, h] = boxToSource(52, 52 + 26, 104, 52 + 52, l);
  close([x, y, w, h], [52 * k, 26 * k, 52 * k, 26 * k]);
  // Box partly in the top border and past the right edge is clamped.
  assert.deepEqual(boxToSource(400, 0, 500, 60, l).map((v) => Math.round(v)), [738, 0, 30, 15]);
});

Deno.test("preprocess: rejects mismatched geometry", () => {
  const f = frame(2, 2, () => [0, 0, 0]);
  assert.throws(
    () => preprocessRgb24(f, planResize(3, 2, 2, 2), IDENTITY_RGB, new Float32Array(12)),
    /does not match/,
  );
  assert.throws(
    () => preprocessRgb24(f, planResize(2, 2, 2, 2), IDENTITY_RGB, new Float32Array(5)),
    /output length/,
  );
  assert.throws(() => planResize(0, 2, 2, 2), /bad resize/);
});
