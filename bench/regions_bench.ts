/**
 * deno run -A bench/regions_bench.ts [frames]
 * What detection regions (issue #12 item 3) cost per frame: NanoDet on a real 768x576 vtest frame,
 * full frame only vs full frame + the approach-path squares of two zone layouts (one square and
 * two squares), detector in-process with 2 threads as the analyzer's worker runs it. Prints a
 * markdown table for docs/PERFORMANCE.md.
 */
import { ensureNanodetOnnx } from "../analyzer/model/nanodet_model.ts";
import { loadDetector } from "../analyzer/detector/load_detector.ts";
import type { Detection } from "../analyzer/detector/detection.ts";
import { cropRgb, mergeSources, planRegions, regionToFrame } from "../analyzer/pipeline/regions.ts";
import type { Zones } from "../shared/config.ts";
import { vtestFrame } from "../analyzer/detector/testing_vtest.ts";

const FRAMES = Number(Deno.args[0] ?? 30);
const W = 768, H = 576;

const frame = await vtestFrame(20);
const detector = await loadDetector(await ensureNanodetOnnx(), { threads: 2, kind: "nanodet" });
const side_px = Math.min(detector.inputSize.width, detector.inputSize.height);
const opts = { minConf: 0.1 };

const layouts: { name: string; zones: Zones | undefined }[] = [
  { name: "full frame only", zones: undefined },
  {
    name: "+ approach path, 1 square",
    zones: {
      stop_zone: [[0.55, 0.5], [0.7, 0.5], [0.7, 0.7], [0.55, 0.7]],
      pre_stop_line: [[0.35, 0.45], [0.35, 0.75]],
    },
  },
  {
    name: "+ approach path, 2 squares",
    zones: {
      stop_zone: [[0.55, 0.4], [0.8, 0.4], [0.8, 0.7], [0.55, 0.7]],
      pre_stop_line: [[0.1, 0.35], [0.1, 0.75]],
    },
  },
];

async function _frame(zones: Zones | undefined): Promise<Detection[]> {
  const sources: Detection[][] = [await detector.detect(frame, opts)];
  for (const r of planRegions(zones, W, H, side_px)) {
    sources.push(regionToFrame(await detector.detect(cropRgb(frame, r), opts), r, W, H));
  }
  return sources.length > 1 ? mergeSources(sources) : sources[0];
}

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];

for (let i = 0; i < 5; i++) await _frame(layouts[2].zones); // warm-up
const cpus = navigator.hardwareConcurrency;
console.log(
  `${FRAMES} frames each, ${W}x${H}, NanoDet ${side_px}, 2 threads, ${cpus} cores, ${
    new Date().toISOString().slice(0, 10)
  }\n`,
);
console.log("| detection | inferences/frame | median ms/frame | p95 ms/frame | vs full frame |");
console.log("|---|---:|---:|---:|---:|");
let base = 0;
for (const { name, zones } of layouts) {
  const ms: number[] = [];
  for (let i = 0; i < FRAMES; i++) {
    const t0 = performance.now();
    await _frame(zones);
    ms.push(performance.now() - t0);
  }
  const med = pct(ms, 0.5);
  if (!base) base = med;
  const n = 1 + planRegions(zones, W, H, side_px).length;
  console.log(
    `| ${name} | ${n} | ${med.toFixed(1)} | ${pct(ms, 0.95).toFixed(1)} | ${
      (med / base).toFixed(2)
    }x |`,
  );
}
await detector.close();
