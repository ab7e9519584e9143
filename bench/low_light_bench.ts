/**
 * Low-light gain (analyzer/detector/low_light.ts, `detect.low_light`): per dark scene, how many
 * frames NanoDet boxes each true vehicle with `low_light` off and auto, and from when.
 *
 *   deno run -A bench/low_light_bench.ts --scenes DIR/s4_1,DIR/s1_4 [--persp persp_dusk]
 *   deno run -A bench/low_light_bench.ts --clips london_street,carpark   # trigger check only
 *
 * `--scenes`: kept held-out scenes (`bench/held_out_scenes.ts --keep DIR`: DIR/<name>.mp4 and
 * DIR/<name>.truth.json). `--persp`: scenes of the perspective catalog, rendered here. Every frame
 * of the video goes through the detector as the pipeline's `auto` regions can at most: the full
 * frame plus every approach-path square (`planRegions`), merged by `mergeSources`. A vehicle is
 * boxed in a frame when a vehicle-class box >= 0.4 (the min_conf that starts a track) has IoU >=
 * 0.3 with its true box; a >= 0.4 vehicle box on no true vehicle is a false box. Printed per scene
 * and mode: frames boxed of frames visible, first boxed frame (s) against the zone entry, frames
 * boxed before the entry, false boxes, inputs gained, preprocess ms per input.
 *
 * `--clips`: samples/<clip>.mp4 (real footage): the luma and gain decision of every full frame and
 * approach-path square, no inference (does the gain trigger on bright footage?).
 */
import { parseArgs } from "node:util";
import { ensureNanodetOnnx } from "../analyzer/model/nanodet_model.ts";
import { loadDetector } from "../analyzer/detector/load_detector.ts";
import type { OnnxDetector } from "../analyzer/detector/detector.ts";
import type { Detection } from "../analyzer/detector/detection.ts";
import {
  chooseGain,
  DEFAULT_LOW_LIGHT,
  type LowLightMode,
  type LowLightOptions,
  lumaHistogram,
} from "../analyzer/detector/low_light.ts";
import {
  cropRgb,
  DEFAULT_REGION_POLICY,
  fullFrameScale,
  mergeSources,
  planRegions,
  regionToFrame,
} from "../analyzer/pipeline/regions.ts";
import { resolveFilePath } from "../analyzer/sources.ts";
import { VEHICLE_LABELS } from "../shared/labels.ts";
import { type Box, iou } from "../shared/geometry.ts";
import type { Zones } from "../shared/config.ts";
import { renderScene } from "../dev/testing/scenes/mod.ts";
import { PERSPECTIVE_SCENES } from "../dev/testing/scenes/perspective_catalog.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    scenes: { type: "string" },
    persp: { type: "string" },
    clips: { type: "string" },
    modes: { type: "string" },
    /** Overrides of DEFAULT_LOW_LIGHT, e.g. maxGain=2.5,darkMean=60 */
    opts: { type: "string" },
  },
});
const MIN_CONF = 0.4;
const MODES = (args.modes ?? "off,auto").split(",") as LowLightMode[];
const OPTS: LowLightOptions = { ...DEFAULT_LOW_LIGHT };
for (const kv of args.opts?.split(",") ?? []) {
  const [k, v] = kv.split("=");
  if (!(k in OPTS)) throw new Error(`unknown option ${k}`);
  (OPTS as unknown as Record<string, number>)[k] = Number(v);
}

interface TruthFrame {
  i: number;
  t: number;
  bbox: Box;
  visible: number;
}
interface Truth {
  scene: string;
  width: number;
  height: number;
  fps: number;
  zones: Zones;
  vehicles: { id: string; frames: TruthFrame[]; expected?: { entered_at?: number } }[];
}

async function frames(video: string, w: number, h: number): Promise<Uint8Array[]> {
  const out = await new Deno.Command("ffmpeg", {
    args: ["-v", "error", "-i", video, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
    stdout: "piped",
  }).output();
  const n = w * h * 3;
  return Array.from(
    { length: Math.floor(out.stdout.length / n) },
    (_, i) => out.stdout.subarray(i * n, (i + 1) * n),
  );
}

const hist = new Uint32Array(256);

if (args.clips) {
  console.log(
    "| clip | size | inputs (full + squares) | mean luma min / median | gained inputs |",
  );
  console.log("|---|---|---:|---|---:|");
  for (const clip of args.clips.split(",")) {
    const truth = JSON.parse(
      await Deno.readTextFile(resolveFilePath(`samples/${clip}.truth.json`)),
    );
    const W = truth.width, H = truth.height;
    const all = await frames(resolveFilePath(`samples/${clip}.mp4`), W, H);
    const squares = truth.zones ? planRegions(truth.zones, W, H, 416) : [];
    const means: number[] = [];
    let gained = 0;
    for (const data of all) {
      const f = { width: W, height: H, data };
      for (const img of [f, ...squares.map((r) => cropRgb(f, r))]) {
        lumaHistogram(img, DEFAULT_LOW_LIGHT.step, hist);
        let n = 0, s = 0;
        for (let v = 0; v < 256; v++) (n += hist[v], s += v * hist[v]);
        means.push(s / n);
        if (chooseGain(hist, OPTS)) gained++;
      }
    }
    means.sort((a, b) => a - b);
    console.log(
      `| ${clip} | ${W}x${H} | ${means.length} (${all.length} frames) | ${means[0].toFixed(1)} / ${
        means[means.length >> 1].toFixed(1)
      } | ${gained} |`,
    );
  }
}

const sceneDirs: { name: string; video: string; truth: Truth }[] = [];
for (const p of args.scenes?.split(",") ?? []) {
  const name = p.split("/").pop()!;
  const dir = p.slice(0, p.length - name.length);
  sceneDirs.push({
    name,
    video: `${dir}${name}.mp4`,
    truth: JSON.parse(await Deno.readTextFile(`${dir}${name}.truth.json`)),
  });
}
for (const name of args.persp?.split(",") ?? []) {
  const spec = PERSPECTIVE_SCENES[name];
  if (!spec) throw new Error(`no perspective scene ${name}`);
  const video = await Deno.makeTempFile({ suffix: ".mp4" });
  const { truth } = await renderScene(spec, video);
  sceneDirs.push({ name, video, truth: truth as unknown as Truth });
}

if (sceneDirs.length) {
  const detector = await loadDetector(await ensureNanodetOnnx(), {
    threads: 2,
    kind: "nanodet",
  }) as OnnxDetector;
  detector.lowLightOptions = OPTS;
  console.log(`low light options: ${JSON.stringify(OPTS)}`);
  const classes = [...VEHICLE_LABELS];
  console.log(
    "| scene | size | mode | vehicle | full frame: boxed / visible, first (s) | + all path squares: boxed, first (s) | zone entry (s) | boxed before entry | false boxes | inputs gained | mean gain | pre ms/input | run ms/input |",
  );
  console.log("|---|---|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|");
  for (const s of sceneDirs) {
    const { width: W, height: H } = s.truth;
    const all = await frames(s.video, W, H);
    const squares = planRegions(s.truth.zones, W, H, 416);
    // The pipeline's regions run only when a square sees >= minGain times the full frame's pixels
    // (regions.ts chooseRegions): never at 640x360 (1.33x), so there the full frame is all it has.
    const side = Math.min(416, W, H);
    const regionGain = side / (416 * fullFrameScale(W, H, 416));
    console.log(
      `${s.name}: ${squares.length} path squares of ${side} px, region gain ${
        regionGain.toFixed(2)
      }x (pipeline regions ${regionGain >= DEFAULT_REGION_POLICY.minGain ? "possible" : "never"})`,
    );
    for (const mode of MODES) {
      const boxed = new Map<
        string,
        {
          n: number;
          hit: number;
          first: number;
          before: number;
          fullHit: number;
          fullFirst: number;
        }
      >();
      let falseBoxes = 0, inputs = 0, gained = 0, gainSum = 0, preMs = 0, runMs = 0;
      for (let i = 0; i < all.length; i++) {
        const f = { width: W, height: H, data: all[i] };
        const sources: Detection[][] = [];
        const imgs = [f, ...squares.map((r) => cropRgb(f, r))];
        for (let k = 0; k < imgs.length; k++) {
          const d = await detector.detect(imgs[k], { minConf: MIN_CONF, classes, lowLight: mode });
          inputs++;
          preMs += detector.lastTimings.preMs;
          runMs += detector.lastTimings.runMs;
          if (detector.lastGain) (gained++, gainSum += detector.lastGain.gain);
          sources.push(k === 0 ? d : regionToFrame(d, squares[k - 1], W, H));
        }
        const sure = (d: Detection) => d.conf >= MIN_CONF && VEHICLE_LABELS.includes(d.label);
        const merged = (sources.length > 1 ? mergeSources(sources) : sources[0]).filter(sure);
        const fullOnly = sources[0].filter(sure);
        const used = new Set<Detection>();
        for (const v of s.truth.vehicles) {
          const tf = v.frames.find((x) => x.i === i);
          if (!tf || !tf.visible) continue;
          const b = boxed.get(v.id) ??
            { n: 0, hit: 0, first: -1, before: 0, fullHit: 0, fullFirst: -1 };
          b.n++;
          if (fullOnly.some((d) => iou(d.box, tf.bbox) >= 0.3)) {
            b.fullHit++;
            if (b.fullFirst < 0) b.fullFirst = tf.t;
          }
          const m = merged.find((d) => iou(d.box, tf.bbox) >= 0.3);
          if (m) {
            used.add(m);
            b.hit++;
            if (b.first < 0) b.first = tf.t;
            if (tf.t < (v.expected?.entered_at ?? Infinity)) b.before++;
          }
          boxed.set(v.id, b);
        }
        falseBoxes += merged.filter((d) => !used.has(d)).length;
      }
      for (const v of s.truth.vehicles) {
        const b = boxed.get(v.id);
        if (!b) continue;
        console.log(
          `| ${s.name} | ${W}x${H} | ${mode} | ${v.id} | ${b.fullHit} / ${b.n}, ${
            b.fullFirst < 0 ? "-" : b.fullFirst.toFixed(1)
          } | ${b.hit}, ${b.first < 0 ? "-" : b.first.toFixed(1)} | ${
            v.expected?.entered_at?.toFixed(1) ?? "-"
          } | ${b.before} | ${falseBoxes} | ${gained} / ${inputs} | ${
            gained ? (gainSum / gained).toFixed(2) : "-"
          } | ${(preMs / inputs).toFixed(2)} | ${(runMs / inputs).toFixed(1)} |`,
        );
      }
    }
  }
  await detector.close();
}
