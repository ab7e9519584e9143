/**
 * deno bench -A analyzer/detector/low_light_bench.ts
 * What `detect.low_light: auto` adds to preprocessing one detector input (NanoDet 416, letterbox):
 * on a bright input only the luma histogram (no gain); on a dark one the histogram, the 3x3
 * smoothing and the table-driven resize. Frame sizes of the held-out scenes (640x360, 1280x720),
 * the 768x576 catalog camera and a 416 region crop; pixels from the real vtest frame (tiled), at
 * full brightness and x0.4 (dusk).
 */
import { chooseGain, DEFAULT_LOW_LIGHT, gainTable, lumaHistogram, smooth3 } from "./low_light.ts";
import { NANODET_NORM, planResize, preprocessRgb24 } from "./preprocess.ts";
import { vtestFrame } from "./testing_vtest.ts";

const vt = await vtestFrame(20);

/** A W x H frame cut from vtest (repeated past its edges), scaled by `k`. */
function frameOf(W: number, H: number, k: number) {
  const data = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const s = ((y % vt.height) * vt.width + (x % vt.width)) * 3;
      for (let c = 0; c < 3; c++) data[(y * W + x) * 3 + c] = Math.round(vt.data[s + c] * k);
    }
  }
  return { width: W, height: H, data };
}

const input = new Float32Array(3 * 416 * 416);
const hist = new Uint32Array(256);
const table = new Float32Array(768);
const scratch = { tmp: new Uint16Array(0), out: new Uint8Array(0) };

for (const [W, H] of [[640, 360], [768, 576], [1280, 720], [416, 416]]) {
  const plan = planResize(W, H, 416, 416, "letterbox");
  const bright = frameOf(W, H, 1);
  const dark = frameOf(W, H, 0.4);
  const group = `${W}x${H}`;
  Deno.bench({ name: `${group} off (plain preprocess)`, group, baseline: true }, () => {
    preprocessRgb24(bright, plan, NANODET_NORM, input);
  });
  Deno.bench({ name: `${group} auto, bright input (histogram only)`, group }, () => {
    const g = chooseGain(lumaHistogram(bright, DEFAULT_LOW_LIGHT.step, hist));
    if (g) throw new Error("a bright input was gained");
    preprocessRgb24(bright, plan, NANODET_NORM, input);
  });
  Deno.bench({ name: `${group} auto, dark input (histogram, smooth, table)`, group }, () => {
    const g = chooseGain(lumaHistogram(dark, DEFAULT_LOW_LIGHT.step, hist));
    if (!g) throw new Error("a dark input was not gained");
    preprocessRgb24(
      smooth3(dark, scratch),
      plan,
      NANODET_NORM,
      input,
      gainTable(g, NANODET_NORM, table),
    );
  });
}
