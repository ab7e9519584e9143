/**
 * Far vehicles (issue #12 item 3): the van sprite scaled down to 40 px wide (a 2 m vehicle far
 * from a 768x576 camera) drives along the approach path: with regions it is tracked in >= 90 % of
 * the frames it spends on the approach path and confirmed before it reaches the pre-stop line.
 * On this plain plate the bundled NanoDet already finds a side-on 40 px van in the full frame, so
 * the with/without comparison uses a 28 px van, where the full frame alone loses it.
 */
import assert from "node:assert/strict";
import {
  FAR_PERSPECTIVE_SCENES,
  FAR_PRE_STOP_Y_M,
  renderScene,
  type SceneSpec,
  type SceneTruth,
  truthBoxNormalized,
} from "../../dev/testing/scenes/mod.ts";
import { iou } from "../../shared/geometry.ts";
import type { Tick } from "../../shared/tick.ts";
import { ensureNanodetOnnx } from "../model/nanodet_model.ts";
import { resolveFilePath } from "../sources.ts";
import { analyzeScene } from "../testing_scenes.ts";

const W = 768, H = 576;
const LINE_X = 0.35;

async function _farSprite(dir: string, width_px: number): Promise<string> {
  const out = `${dir}/van_${width_px}px.png`;
  const res = await new Deno.Command("ffmpeg", {
    args: [
      "-v",
      "error",
      "-y",
      "-i",
      resolveFilePath("samples/sprites/van.png"),
      "-vf",
      `scale=${width_px}:-2:flags=area`,
      out,
    ],
  }).output();
  if (!res.success) throw new Error(new TextDecoder().decode(res.stderr));
  return out;
}

function _spec(sprite: string): SceneSpec {
  return {
    name: "far_van",
    width: W,
    height: H,
    fps: 10,
    duration: 8,
    vehicles: [{
      id: "far_van",
      sprite,
      path: [{ t: 0, x: 150, y: 330 }, { t: 8, x: 620, y: 330 }],
    }],
    zones: {
      stop_zone: [[0.55, 0.5], [0.7, 0.5], [0.7, 0.7], [0.55, 0.7]],
      pre_stop_line: [[LINE_X, 0.45], [LINE_X, 0.75]],
    },
  };
}

interface _Coverage {
  /** Share of the frames on the approach path with a track on the vehicle (IoU >= 0.3). */
  tracked: number;
  /** Anchor x (normalized) of the vehicle when a track first matched it; null: never. */
  firstX: number | null;
}

function _coverage(truth: SceneTruth, ticks: Tick[]): _Coverage {
  const frames = truth.vehicles[0].frames;
  let onPath = 0, hit = 0;
  let firstX: number | null = null;
  for (const t of ticks) {
    const f = frames.find((fr) => Math.abs(fr.t * 1000 - t.ts) < 1);
    if (!f || f.visible < 0.9) continue;
    const tb = truthBoxNormalized(f.bbox, W, H);
    const matched = t.tracks.some((tr) => iou(tr.bbox, tb) >= 0.3);
    if (matched && firstX === null) firstX = tb[0] + tb[2] / 2;
    // The approach path: from the pre-stop line to the far side of the stop zone.
    const cx = tb[0] + tb[2] / 2;
    if (cx < LINE_X || cx > 0.7) continue;
    onPath++;
    if (matched) hit++;
  }
  return { tracked: onPath ? hit / onPath : 0, firstX };
}

/** Renders the far scene with the van `width_px` wide and analyzes it with regions off or on. */
async function _runFar(width_px: number, modes: ("auto" | "off")[]) {
  const tmp = await Deno.makeTempDir({ prefix: "stopline-far-" });
  try {
    const modelPath = await ensureNanodetOnnx(resolveFilePath(".data/models"));
    const spec = _spec(await _farSprite(tmp, width_px));
    const video = `${tmp}/far.mp4`;
    const truth = (await renderScene(spec, video)).truth as SceneTruth;
    const out = new Map<string, _Coverage>();
    for (const regions of modes) {
      const run = await analyzeScene({
        spec,
        video,
        fps: spec.fps,
        modelPath,
        objectsDir: `${tmp}/objects`,
        ticks: true,
        regions,
      });
      const c = _coverage(truth, run.ticks);
      console.log(
        `van ${width_px} px wide, regions ${regions}: tracked in ${
          (c.tracked * 100).toFixed(0)
        } % of the approach-path frames, first matched at x=${c.firstX?.toFixed(3)}`,
      );
      out.set(regions, c);
    }
    return out;
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}

Deno.test({
  name: "far vehicle 40 px wide: tracked on the approach path and confirmed before the line",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const on = (await _runFar(40, ["auto"])).get("auto")!;
    assert.ok(on.tracked >= 0.9, `tracked in ${on.tracked} of the frames`);
    assert.ok(on.firstX !== null && on.firstX < LINE_X, `confirmed before the line: ${on.firstX}`);
  },
});

Deno.test({
  name: "farther vehicle 28 px wide: regions track it where the full frame alone misses it",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const runs = await _runFar(28, ["off", "auto"]);
    const off = runs.get("off")!, on = runs.get("auto")!;
    assert.ok(on.tracked >= 0.9, `regions: tracked in ${on.tracked} of the frames`);
    assert.ok(on.tracked > off.tracked, `regions ${on.tracked} vs full frame ${off.tracked}`);
  },
});

/**
 * The issue's far approach through the perspective camera (dev/testing/scenes/perspective_catalog.ts
 * FAR_PERSPECTIVE_SCENES): the van comes from 45 m (~27 px wide), the pre-stop line is at 28 m
 * (~43 px) and the stop zone 20-23 m away. The full frame alone first sees it inside the zone (no
 * pass); with the default regions it gets its one pass with the right verdict and stop time, one
 * track id, at the scene's rate and at half of it.
 */
const farTmp = await Deno.makeTempDir({ prefix: "stopline-far-persp-" });
const farRendered = new Map<string, Promise<{ video: string; truth: SceneTruth }>>();

function _renderFar(name: string) {
  let r = farRendered.get(name);
  if (!r) {
    const video = `${farTmp}/${name}.mp4`;
    r = renderScene(FAR_PERSPECTIVE_SCENES[name], video, { truthPath: false }).then((o) => ({
      video,
      truth: o.truth as SceneTruth,
    }));
    farRendered.set(name, r);
  }
  return r;
}

/**
 * Runs without a pass asserted: none now. At 5 fps the 10 m/s van crosses the 3 m deep zone
 * with one processed frame inside (truth: 0.3 s in the zone), which the judge's entry debounce
 * alone never counted; a sample beyond the zone's far side now completes the pass
 * (analyzer/judge/stop_judge.ts #passedThrough).
 */
const FAR_PASS_MISSES = new Set<string>();

/**
 * Confirmed before the pre-stop line (issue #12 item 3), asserted in every run: the first tick
 * with a track on the van comes before the first frame whose ground point is past the line, and
 * the van is narrower there than at the line. The region crops see the van in every frame from
 * ~30 px wide, mostly below min_conf (0.23-0.47); with high-score sightings only it was first
 * tracked at 45-46 px, past the line (2026-11-30: far_full_stop at 5 fps, far_no_stop at 10 fps).
 * A low-score sighting now confirms a tentative track that began at min_conf
 * (analyzer/tracker/bytetrack.ts stage 3): first tracked at 31-36 px.
 */
/** The van's width at the pre-stop line (28 m): 600 px focal length x 2 m / 28 m. */
const AT_LINE_PX = 43;

for (const name of Object.keys(FAR_PERSPECTIVE_SCENES)) {
  for (const div of [1, 2]) _farPerspective(name, div);
}

function _farPerspective(name: string, div: number) {
  const spec = FAR_PERSPECTIVE_SCENES[name];
  Deno.test({
    name: `far approach, default regions: ${name}${div === 1 ? "" : " at half rate"}`,
    sanitizeResources: false,
    sanitizeOps: false,
    fn: async () => {
      const { video, truth } = await _renderFar(name);
      const run = await analyzeScene({
        spec,
        video,
        fps: spec.fps / div,
        modelPath: await ensureNanodetOnnx(resolveFilePath(".data/models")),
        objectsDir: `${farTmp}/objects`,
        ticks: true,
      });
      const v = truth.vehicles[0], exp = v.expected;
      const ids = new Set<number>();
      let firstWidth_px: number | null = null;
      let firstTs: number | null = null;
      // The first frame whose ground point is past the pre-stop line (truth, every frame).
      const crossed = v.frames.find((fr) => fr.ground && fr.ground[1] <= FAR_PRE_STOP_Y_M);
      for (const t of run.ticks) {
        const f = v.frames.find((fr) => Math.abs(fr.t * 1000 - t.ts) < 1);
        if (!f || f.visible < 0.9) continue;
        const tb = truthBoxNormalized(f.bbox, W, H);
        for (const tr of t.tracks) if (iou(tr.bbox, tb) >= 0.3) ids.add(tr.id);
        if (firstWidth_px === null && ids.size > 0) {
          firstWidth_px = f.bbox[2];
          firstTs = t.ts;
        }
      }
      const inferences = (run.summary.detected_frames + run.summary.region_inferences) /
        run.summary.frames;
      console.log(
        `${name} 1/${div} rate: passes ${
          run.passes.map((p) => `${p.verdict} stop ${p.stop_duration_s} s`).join(", ")
        } (truth ${exp.verdict} stop ${exp.stop_duration_s} s), ids ${[...ids]}, first tracked ${
          firstWidth_px?.toFixed(0)
        } px wide at ${firstTs} ms (line crossed at ${
          crossed && (crossed.t * 1000).toFixed(0)
        } ms), ${inferences.toFixed(2)} inferences/frame`,
      );
      assert.equal(ids.size, 1, `one track id while visible: ${[...ids]}`);
      assert.ok(firstWidth_px !== null && firstTs !== null && crossed, "tracked, line crossed");
      assert.ok(
        firstTs < crossed.t * 1000 && firstWidth_px < AT_LINE_PX,
        `tracked before the pre-stop line (${crossed.t} s): first at ${firstTs} ms, ${firstWidth_px} px wide`,
      );
      if (FAR_PASS_MISSES.has(`${name} ${div}`)) return;
      assert.equal(run.passes.length, 1, JSON.stringify(run.passes));
      const p = run.passes[0];
      assert.equal(p.verdict, exp.verdict);
      assert.ok(Math.abs(p.entered_at / 1000 - exp.entered_at!) < 1, `entered ${p.entered_at}`);
      assert.ok(
        Math.abs(p.stop_duration_s - exp.stop_duration_s) <= 0.25,
        `stop ${p.stop_duration_s} s vs truth ${exp.stop_duration_s} s`,
      );
    },
  });
}

Deno.test({
  name: "far approach: clean up",
  sanitizeResources: false,
  fn: () => Deno.remove(farTmp, { recursive: true }),
});
