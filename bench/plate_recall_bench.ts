/**
 * deno run -A bench/plate_recall_bench.ts [every]
 * How well the plate (text) detector finds the sample van's plate (issue #13 §6): PP-OCRv4 det
 * (analyzer/capture/plate_text_detector.ts) on samples/scenes/full_stop.mp4, given the van's true
 * box, with the search variants tried as cheap fixes (bigger input, the vehicle's lower half
 * only, bilinear upscaling, lower thresholds). Labels: the plate's rectangle in the sprite
 * (samples/sprites/van.png: the yellow plate at x 20-48, y 112-120 of 216x167, about 29x9 px with
 * 3-4 px character blobs) placed at the van's true box of every `every`-th frame where the van is
 * wholly in the frame. A frame is a hit when the regions found cover >= 80% of the plate;
 * precision is the share of regions that touch the plate. Prints a table for PERFORMANCE.md.
 */
import { ensureTextDetOnnx } from "../analyzer/model/text_det_model.ts";
import { type PlateSearch, PlateTextDetector } from "../analyzer/capture/plate_text_detector.ts";
import type { Box } from "../shared/geometry.ts";
import { machine, table } from "./_util.ts";

const EVERY = Number(Deno.args[0] ?? 4);
const W = 768, H = 576, FRAME = W * H * 3;
const PLATE_IN_SPRITE: Box = [20, 112, 29, 9];
const root = new URL("..", import.meta.url).pathname;
const truth = JSON.parse(await Deno.readTextFile(`${root}samples/scenes/full_stop.truth.json`));
const raw = (await new Deno.Command("ffmpeg", {
  args: ["-v", "error", "-i", `${root}samples/scenes/full_stop.mp4`, "-f", "rawvideo"]
    .concat(["-pix_fmt", "rgb24", "-"]),
  stdout: "piped",
}).output()).stdout;

const labelled: { i: number; van: Box; plate: Box }[] = [];
for (const f of truth.vehicles[0].frames as { i: number; bbox: Box }[]) {
  const b = f.bbox;
  if (b[0] < 0 || b[1] < 0 || b[0] + b[2] > W || b[1] + b[3] > H || f.i % EVERY) continue;
  const p = PLATE_IN_SPRITE;
  labelled.push({ i: f.i, van: b, plate: [b[0] + p[0], b[1] + p[1], p[2], p[3]] });
}

const covered = (plate: Box, found: Box[]) => {
  let inside = 0, n = 0;
  for (let y = Math.floor(plate[1]); y < plate[1] + plate[3]; y++) {
    for (let x = Math.floor(plate[0]); x < plate[0] + plate[2]; x++) {
      n++;
      if (found.some((r) => x >= r[0] && x < r[0] + r[2] && y >= r[1] && y < r[1] + r[3])) inside++;
    }
  }
  return inside / n;
};
const touches = (a: Box, b: Box) =>
  a[0] < b[0] + b[2] && b[0] < a[0] + a[2] && a[1] < b[1] + b[3] && b[1] < a[1] + a[3];

const variants: { name: string; search: PlateSearch }[] = [
  {
    name: "before: vehicle, 480 px, nearest, 0.3/0.6",
    search: { inputSide_px: 480, bilinear: false },
  },
  { name: "vehicle, 960 px, nearest", search: { inputSide_px: 960, bilinear: false } },
  { name: "default: vehicle, 960 px, bilinear, 0.3/0.6", search: {} },
  {
    name: "lower half, 960 px, bilinear",
    search: { inputSide_px: 960, lowerHalf: true },
  },
  {
    name: "lower half, 960 px, bilinear, 0.2/0.4",
    search: {
      inputSide_px: 960,
      lowerHalf: true,
      bilinear: true,
      binThreshold: 0.2,
      boxThreshold: 0.4,
    },
  },
  {
    name: "lower half, 1440 px, bilinear, 0.15/0.3",
    search: {
      inputSide_px: 1440,
      lowerHalf: true,
      bilinear: true,
      binThreshold: 0.15,
      boxThreshold: 0.3,
    },
  },
];

const detector = await PlateTextDetector.open(await ensureTextDetOnnx(`${root}.data/models`));
const rows: (string | number)[][] = [];
for (const v of variants) {
  let hits = 0, regions = 0, onPlate = 0, ms = 0;
  for (const l of labelled) {
    const frame = { width: W, height: H, data: raw.subarray(l.i * FRAME, (l.i + 1) * FRAME) };
    const t0 = performance.now();
    const found = await detector.detect(frame, l.van, v.search);
    ms += performance.now() - t0;
    if (covered(l.plate, found) >= 0.8) hits++;
    regions += found.length;
    onPlate += found.filter((r) => touches(r, l.plate)).length;
  }
  rows.push([
    v.name,
    `${hits}/${labelled.length}`,
    regions ? `${onPlate}/${regions}` : "-",
    (ms / labelled.length).toFixed(0),
  ]);
  console.error(`${v.name}: ${rows.at(-1)!.slice(1).join(" ")}`);
}
await detector.release();
console.log(
  table(
    `Plate on the sample van (full_stop.mp4, ${labelled.length} labelled frames), ${machine()}`,
    ["search", "plate found (>= 80% covered)", "regions on the plate / all", "ms per vehicle"],
    rows,
  ),
);
