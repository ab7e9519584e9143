/**
 * Ground truth: every synthetic scene (dev/testing/scenes/catalog.ts: a real vehicle sprite on a
 * real background, scripted paths) is rendered with ffmpeg and analyzed by the offline pipeline with
 * the real detector. Each vehicle must give exactly one pass with the right verdict and a stop
 * duration within ±0.25 s of truth; parked and wrong-way vehicles none; ids must not switch.
 * Again at half and a quarter of the frame rate (what a live analyzer that falls behind
 * processes): the same passes and verdicts, stops within ±0.25 s at half rate and ±0.5 s at a
 * quarter (2.5 fps).
 */
import assert from "node:assert/strict";
import {
  renderScene,
  SCENES,
  type SceneSpec,
  type SceneTruth,
  truthBoxNormalized,
} from "../dev/testing/scenes/mod.ts";
import { iou } from "../shared/geometry.ts";
import type { Tick } from "../shared/tick.ts";
import { ensureNanodetOnnx } from "./model/nanodet_model.ts";
import { resolveFilePath } from "./sources.ts";
import { analyzeScene } from "./testing_scenes.ts";

interface _Result {
  scene: string;
  fps: number;
  vehicle: string;
  truth: string;
  verdict: string;
  stopTruth: number;
  stop: number | null;
  entered: string;
  exited: string;
  ids: number;
}

const results: _Result[] = [];
const tmp = await Deno.makeTempDir({ prefix: "stopline-gt-" });
const modelPath = await ensureNanodetOnnx(resolveFilePath(".data/models"));

/** Each scene is rendered once; both frame rates analyze the same video. */
const rendered = new Map<string, Promise<{ video: string; truth: SceneTruth }>>();
function _render(spec: SceneSpec) {
  let r = rendered.get(spec.name);
  if (!r) {
    const video = `${tmp}/${spec.name}.mp4`;
    r = renderScene(spec, video).then((o) => ({ video, truth: o.truth as SceneTruth }));
    rendered.set(spec.name, r);
  }
  return r;
}

async function _analyze(spec: SceneSpec, fps: number) {
  const { video, truth } = await _render(spec);
  const run = await analyzeScene({
    spec,
    video,
    fps,
    modelPath,
    objectsDir: `${tmp}/objects`,
    ticks: true,
  });
  return { truth, passes: run.passes, ticks: run.ticks };
}

/** Distinct track ids whose box matches the vehicle's true box (IoU ≥ 0.3) while visible. */
function _idsFor(truth: SceneTruth, v: number, ticks: Tick[]): Set<number> {
  const ids = new Set<number>();
  const frames = truth.vehicles[v].frames;
  for (const t of ticks) {
    const f = frames.find((fr) => Math.abs(fr.t * 1000 - t.ts) < 1);
    if (!f || f.visible < 0.9) continue;
    const tb = truthBoxNormalized(f.bbox, truth.width, truth.height);
    for (const tr of t.tracks) if (iou(tr.bbox, tb) >= 0.3) ids.add(tr.id);
  }
  return ids;
}

/**
 * Full rate and half rate (10 and 5 fps for the bundled scenes) within ±0.25 s: stops are
 * re-estimated at pass time from the positions on both sides, so a lower rate no longer costs
 * its frame intervals. A quarter rate (2.5 fps) within ±0.5 s.
 */
const RATES = [
  { div: 1, tolS: 0.25, label: "" },
  { div: 2, tolS: 0.25, label: " at half rate" },
  { div: 4, tolS: 0.5, label: " at quarter rate" },
];

for (const [name, spec] of Object.entries(SCENES)) {
  for (const { div, tolS, label } of RATES) _groundTruth(name, spec, spec.fps / div, tolS, label);
}
// A live camera's common setting (detect.fps 3; its frames fall 300 or 400 ms apart on a 10 fps
// source). The van, entering cut by the frame edge and hidden for one processed frame, once read
// as standing and got a second id (bench/irregular_frames.ts; ByteTracker `stands`). Its stop
// reads 0.40 s long at this rate (PERFORMANCE "Irregular processed frames"): the quarter-rate bound.
_groundTruth("briefOcclusion", SCENES.briefOcclusion, 3, 0.5, " at 3 fps");

function _groundTruth(name: string, spec: SceneSpec, fps: number, tolS: number, label: string) {
  Deno.test({
    name: `ground truth: ${name}${label}`,
    sanitizeResources: false,
    sanitizeOps: false,
    fn: async () => {
      const { truth, passes, ticks } = await _analyze(spec, fps);
      const judged = truth.vehicles.filter((v) =>
        v.expected.verdict && v.expected.verdict !== "parked"
      );
      assert.equal(passes.length, judged.length, `passes: ${JSON.stringify(passes)}`);
      for (const [i, v] of truth.vehicles.entries()) {
        const ids = _idsFor(truth, i, ticks);
        const exp = v.expected;
        const pass = exp.entered_at == null ? undefined : passes
          .map((p) => ({ p, d: Math.abs(p.entered_at / 1000 - exp.entered_at!) }))
          .sort((a, b) => a.d - b.d)[0]?.p;
        const judgedHere = judged.includes(v);
        results.push({
          scene: name,
          fps,
          vehicle: v.id,
          truth: exp.verdict ?? `none (${exp.reason})`,
          verdict: judgedHere ? String(pass?.verdict) : "none",
          stopTruth: exp.stop_duration_s,
          stop: judgedHere && pass ? pass.stop_duration_s : null,
          entered: `${exp.entered_at ?? "-"} / ${
            judgedHere && pass ? pass.entered_at / 1000 : "-"
          }`,
          exited: `${exp.exited_at ?? "-"} / ${judgedHere && pass ? pass.exited_at / 1000 : "-"}`,
          ids: ids.size,
        });
        assert.equal(ids.size, 1, `${v.id}: one track id for the whole scene, got ${[...ids]}`);
        if (!judgedHere) continue;
        assert.ok(pass, `${v.id}: a pass`);
        assert.equal(pass.verdict, exp.verdict, `${v.id} verdict`);
        const err = Math.abs(pass.stop_duration_s - exp.stop_duration_s);
        assert.ok(
          err <= tolS,
          `${v.id}: stop ${pass.stop_duration_s} s vs truth ${exp.stop_duration_s} s`,
        );
        assert.match(String(pass.image), /^minio:\/\/stopline\/passes\/scene\//, "a crop");
      }
    },
  });
}

Deno.test({
  name: "ground truth: results table",
  sanitizeResources: false,
  fn: async () => {
    console.log(
      "\n| scene | fps | vehicle | truth | judged | stop truth s | stop judged s | entered truth/judged s | exited truth/judged s | track ids |\n|---|---|---|---|---|---|---|---|---|---|\n" +
        results.map((r) =>
          `| ${r.scene} | ${r.fps} | ${r.vehicle} | ${r.truth} | ${r.verdict} | ${r.stopTruth} | ${
            r.stop ?? "-"
          } | ${r.entered} | ${r.exited} | ${r.ids} |`
        ).join("\n"),
    );
    await Deno.remove(tmp, { recursive: true });
  },
});
