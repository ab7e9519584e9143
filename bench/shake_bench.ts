/**
 * deno run -A bench/shake_bench.ts [frames]
 * What the camera-shake estimate costs per frame, on the real background plate tiled to each
 * size (the same texture density). Was a timed unit test with a 60 ms bound; speed is measured
 * here instead. Prints a markdown table for docs/PERFORMANCE.md.
 */
import { backgroundPlate } from "../analyzer/pipeline/testing_plate.ts";
import { ShakeEstimator } from "../analyzer/pipeline/shake.ts";

const FRAMES = Number(Deno.args[0] ?? 30);
const W = 768, H = 576;

const plate = await backgroundPlate(W, H);
console.log("| frame | ms per frame (mean of " + FRAMES + ") |");
console.log("| --- | --- |");
for (const [w, h] of [[768, 576], [1280, 720], [1920, 1080]]) {
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const s = ((y % H) * W + (x % W)) * 3, d = (y * w + x) * 3;
      data[d] = plate.data[s];
      data[d + 1] = plate.data[s + 1];
      data[d + 2] = plate.data[s + 2];
    }
  }
  const est = new ShakeEstimator();
  const frame = { width: w, height: h, data };
  for (let i = 0; i < 6; i++) est.update(frame); // the rest position, then warm-up
  const t0 = performance.now();
  for (let i = 0; i < FRAMES; i++) est.update(frame);
  console.log(`| ${w}x${h} | ${((performance.now() - t0) / FRAMES).toFixed(2)} |`);
}
