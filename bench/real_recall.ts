/**
 * deno run -A bench/real_recall.ts [--clips london_street,london_street_2,london_hyde_park]
 *   [--stride 1] [--variants full,tiles208,path208,path176]
 * Detector recall on the real TfL clips (issue #12): how many labelled vehicle-frames NanoDet
 * boxes at min_conf (0.4), by the vehicle's width in frame px. A vehicle-frame is a frame in a
 * labelled vehicle's present_s; it counts as boxed by the best vehicle-class detection whose
 * bottom centre lies within half the vehicle's width of its labelled path (the test's own
 * criterion, analyzer/real_truth.ts) and whose width is 0.5-2x the labelled width (a box over two
 * queued vehicles is not a box of either). Motorcycles the detector also calls bicycles
 * (two_wheelers.ts: doubtful, they start no track) do not count at min_conf.
 *
 * Variants (each the full frame plus region crops merged by NMS as the pipeline merges them):
 * - `full`: the full frame only, which is today's pipeline on these clips: with `detect.regions`
 *   auto a 352x288 frame gets no region (a region is at most the frame's smaller side, 288 px,
 *   under the 1.5x gain the policy asks; printed below from `chooseRegions`).
 * - `tilesS`: squares of S px tiling the whole frame, each letterboxed into the 416 input, i.e.
 *   upscaled 416/S (the full frame itself is upscaled 1.18x): the most an upscale can give.
 * - `pathS`: squares of S px covering the clip's approach path (`planRegions`, what `auto` plans
 *   for a larger frame), always on.
 * Also printed for `full`: vehicle-frames with a >= 0.4 vehicle box before NMS but none after
 * (what NMS takes away), and every variant's unmatched >= 0.4 vehicle boxes per frame (boxes on
 * no labelled vehicle: static false positives, unlabelled far traffic, part boxes).
 */
import { parseArgs } from "node:util";
import { ensureNanodetOnnx } from "../analyzer/model/nanodet_model.ts";
import { loadDetector } from "../analyzer/detector/load_detector.ts";
import type { Detection } from "../analyzer/detector/detection.ts";
import { type RawDetection, toDetections } from "../analyzer/detector/detector.ts";
import { planResize } from "../analyzer/detector/preprocess.ts";
import {
  chooseRegions,
  cropRgb,
  DEFAULT_REGION_POLICY,
  mergeSources,
  planRegions,
  type Region,
  regionToFrame,
} from "../analyzer/pipeline/regions.ts";
import { markDoubtfulMotorcycles, withBicycles } from "../analyzer/pipeline/two_wheelers.ts";
import { offPath, pathAt, type PathPoint } from "../analyzer/real_truth.ts";
import { resolveFilePath } from "../analyzer/sources.ts";
import { VEHICLE_LABELS } from "../shared/labels.ts";
import { COCO_LABELS } from "../shared/model/coco_labels.ts";
import type { Zones } from "../shared/config.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    clips: { type: "string" },
    stride: { type: "string" },
    variants: { type: "string" },
    "per-vehicle": { type: "boolean" },
  },
});
const CLIPS = (args.clips ?? "london_street,london_street_2,london_hyde_park").split(",");
const STRIDE = Number(args.stride ?? 1);
const VARIANTS = (args.variants ?? "full,tiles208,path208,path176").split(",");
const MIN_CONF = 0.4;
/** Width bins, frame px (upper bounds). */
const BINS = [20, 30, 45, 70, Infinity];

interface Truth {
  fps: number;
  width: number;
  height: number;
  zones: Zones;
  vehicles: { id: string; label: string; present_s: [number, number]; path: PathPoint[] }[];
}

const detector = await loadDetector(await ensureNanodetOnnx(), { threads: 2, kind: "nanodet" });
const side_px = Math.min(detector.inputSize.width, detector.inputSize.height);
const classes = [...withBicycles(VEHICLE_LABELS)];
// The full frame's candidates before NMS: the adapter's decode, kept as the detector runs it.
let lastRaw: RawDetection[] = [];
// deno-lint-ignore no-explicit-any
const adapter = detector as any;
const decode = adapter.decode.bind(adapter);
adapter.decode = (...a: unknown[]) => (lastRaw = decode(...a));

/** The frames of a clip, RGB24 at its own size. */
async function frames(clip: string, w: number, h: number): Promise<Uint8Array[]> {
  const out = await new Deno.Command("ffmpeg", {
    args: ["-v", "error", "-i", clip, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
    stdout: "piped",
  }).output();
  const n = w * h * 3;
  return Array.from(
    { length: Math.floor(out.stdout.length / n) },
    (_, i) => out.stdout.subarray(i * n, (i + 1) * n),
  );
}

function regionsOf(variant: string, zones: Zones, w: number, h: number): Region[] {
  if (variant === "full") return [];
  const m = /^(tiles|path)(\d+)$/.exec(variant);
  if (!m) throw new Error(`unknown variant ${variant}`);
  const all: Zones = { stop_zone: [[0, 0], [1, 0], [1, 1], [0, 1]] };
  // planRegions covers its zones' box plus a margin with squares of the side given.
  return planRegions(m[1] === "tiles" ? all : zones, w, h, Number(m[2]));
}

interface Row {
  frames: number;
  /** Per vehicle id: labelled widths (px) and best scores (-1: no box) of its frames. */
  perVehicle: Map<string, { label: string; w: number[]; s: number[] }>;
  /** Per width bin: vehicle-frames, boxed >= 0.4, boxed >= 0.1, lost by NMS. */
  bins: { n: number; hit: number; any: number; nms: number }[];
  unmatched: number;
  inferences: number;
  ms: number;
}

const aspectOf = (t: Truth) => t.width / t.height;

/** The best score of a box of vehicle `v` at t_s among `dets` (-1: none). */
function best(dets: readonly Detection[], v: Truth["vehicles"][0], t_s: number, t: Truth) {
  const wTruth = pathAt(v.path, t_s)[2] * t.width;
  let s = -1;
  for (const d of dets) {
    if (!VEHICLE_LABELS.includes(d.label)) continue;
    const [x, y, w, h] = d.box;
    const off = offPath(v.path, t_s, (x + w / 2) / t.width, (y + h) / t.height, aspectOf(t));
    if (off < 0.5 && w >= 0.5 * wTruth && w <= 2 * wTruth) s = Math.max(s, d.conf);
  }
  return s;
}

const results: { clip: string; variant: string; row: Row }[] = [];
for (const clip of CLIPS) {
  const truth: Truth = JSON.parse(
    await Deno.readTextFile(resolveFilePath(`samples/${clip}.truth.json`)),
  );
  const { width: W, height: H } = truth;
  const all = await frames(resolveFilePath(`samples/${clip}.mp4`), W, H);
  const planned = planRegions(truth.zones, W, H, side_px);
  const today = chooseRegions(
    [{ box: [W / 2 - 10, H / 2 - 10, 20, 20], rank: 0 }],
    planned,
    W,
    H,
    side_px,
    DEFAULT_REGION_POLICY,
  );
  console.log(
    `${clip}: ${W}x${H}, ${all.length} frames (every ${STRIDE}th used); regions auto today: ${planned.length} planned square(s) of ${
      planned[0]?.size
    } px, ${today.length} chosen for a small judged track (gain under minGain ${DEFAULT_REGION_POLICY.minGain})`,
  );
  for (const variant of VARIANTS) {
    const regions = regionsOf(variant, truth.zones, W, H);
    const row: Row = {
      frames: 0,
      perVehicle: new Map(),
      bins: BINS.map(() => ({ n: 0, hit: 0, any: 0, nms: 0 })),
      unmatched: 0,
      inferences: 0,
      ms: 0,
    };
    for (let i = 0; i < all.length; i += STRIDE) {
      const t_s = i / truth.fps;
      const frame = { width: W, height: H, data: all[i] };
      const t0 = performance.now();
      const sources: Detection[][] = [await detector.detect(frame, { minConf: 0.1, classes })];
      const raw = lastRaw;
      for (const r of regions) {
        const crop = await detector.detect(cropRgb(frame, r), { minConf: 0.1, classes });
        sources.push(regionToFrame(crop, r, W, H));
      }
      const merged = markDoubtfulMotorcycles(
        sources.length > 1 ? mergeSources(sources) : sources[0],
      );
      row.ms += performance.now() - t0;
      row.inferences += sources.length;
      row.frames++;
      const sure = merged.filter((d) => d.conf >= MIN_CONF && !d.doubtful);
      const preNms = variant === "full"
        ? toDetections(raw, COCO_LABELS, planResize(W, H, side_px, side_px, "letterbox"), {
          iouThreshold: 1.01,
          mergeGroups: [],
          maxDetections: 10_000,
        }).filter((d) => d.conf >= MIN_CONF)
        : [];
      const matched = new Set<Detection>();
      for (const v of truth.vehicles) {
        if (t_s < v.present_s[0] || t_s > v.present_s[1]) continue;
        const w_px = pathAt(v.path, t_s)[2] * W;
        const bin = row.bins[BINS.findIndex((b) => w_px < b)];
        bin.n++;
        const s = best(merged.filter((d) => !d.doubtful), v, t_s, truth);
        const pv = row.perVehicle.get(v.id) ?? { label: v.label, w: [], s: [] };
        pv.w.push(w_px);
        pv.s.push(s);
        row.perVehicle.set(v.id, pv);
        if (s >= 0.1) bin.any++;
        if (s >= MIN_CONF) bin.hit++;
        else if (best(preNms, v, t_s, truth) >= MIN_CONF) bin.nms++;
        for (const d of sure) if (best([d], v, t_s, truth) >= 0) matched.add(d);
      }
      row.unmatched += sure.filter((d) => VEHICLE_LABELS.includes(d.label) && !matched.has(d))
        .length;
    }
    results.push({ clip, variant, row });
    console.log(`  ${variant}: done (${(row.ms / row.frames).toFixed(1)} ms/frame)`);
  }
}
await detector.close();

const pct = (a: number, b: number) => b ? `${(100 * a / b).toFixed(0)} %` : "-";
const binName = (i: number) =>
  i === 0
    ? `< ${BINS[0]}`
    : BINS[i] === Infinity
    ? `>= ${BINS[i - 1]}`
    : `${BINS[i - 1]}-${BINS[i]}`;
console.log(
  `\nVehicle-frames boxed at >= ${MIN_CONF} (at >= 0.1 in brackets) by labelled width (frame px); ` +
    `NanoDet ${side_px}, 2 threads, ${navigator.hardwareConcurrency} cores, load ${
      Deno.loadavg().map((l) => l.toFixed(1)).join(" ")
    }, ${new Date().toISOString().slice(0, 10)}\n`,
);
console.log(
  `| clip | variant | ${
    BINS.map((_, i) => binName(i) + " px").join(" | ")
  } | all | lost by NMS | unmatched >= 0.4 / frame | inferences / frame | ms / frame |`,
);
console.log(`|---|---|${BINS.map(() => "---:").join("|")}|---:|---:|---:|---:|---:|`);
for (const { clip, variant, row } of results) {
  const n = row.bins.reduce((s, b) => s + b.n, 0);
  const hit = row.bins.reduce((s, b) => s + b.hit, 0);
  const any = row.bins.reduce((s, b) => s + b.any, 0);
  const nms = row.bins.reduce((s, b) => s + b.nms, 0);
  console.log(
    `| ${clip} | ${variant} | ${
      row.bins.map((b) => b.n ? `${pct(b.hit, b.n)} (${pct(b.any, b.n)}) of ${b.n}` : "-").join(
        " | ",
      )
    } | ${pct(hit, n)} (${pct(any, n)}) of ${n} | ${variant === "full" ? nms : "-"} | ${
      (row.unmatched / row.frames).toFixed(2)
    } | ${(row.inferences / row.frames).toFixed(2)} | ${(row.ms / row.frames).toFixed(1)} |`,
  );
}

if (args["per-vehicle"]) {
  console.log("\nPer vehicle (frames boxed at >= 0.4 / in view, best score's median and max):\n");
  console.log(`| clip | variant | vehicle | label | width px | boxed >= 0.4 | median | max |`);
  console.log("|---|---|---|---|---:|---:|---:|---:|");
  for (const { clip, variant, row } of results) {
    for (const [id, { label, w, s }] of row.perVehicle) {
      const sorted = [...s].sort((a, b) => a - b);
      console.log(
        `| ${clip} | ${variant} | ${id} | ${label} | ${Math.min(...w).toFixed(0)}-${
          Math.max(...w).toFixed(0)
        } | ${s.filter((x) => x >= MIN_CONF).length} / ${s.length} | ${
          sorted[Math.floor(s.length / 2)].toFixed(2)
        } | ${sorted.at(-1)!.toFixed(2)} |`,
      );
    }
  }
}
