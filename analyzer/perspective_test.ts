/**
 * Ground truth through a pinhole camera (issue #12): each scene of
 * dev/testing/scenes/perspective_catalog.ts (a van driving on a road seen from 5 m up, paths in
 * m/s, the true `calibration` in the camera config) is rendered and analyzed by the offline
 * pipeline with the real detector. Each judged vehicle gives exactly one pass with the right
 * verdict, a stop within ±0.25 s of truth and calibrated speeds within ±10 % of the true m/s
 * (entry speed; the minimum too when it is not ~0); a vehicle driving away gives none.
 */
import assert from "node:assert/strict";
import {
  PERSPECTIVE_SCENES,
  renderScene,
  type SceneSpec,
  type SceneTruth,
} from "../dev/testing/scenes/mod.ts";
import { ensureNanodetOnnx } from "./model/nanodet_model.ts";
import { resolveFilePath } from "./sources.ts";
import { analyzeScene } from "./testing_scenes.ts";

const tmp = await Deno.makeTempDir({ prefix: "stopline-persp-" });
const modelPath = await ensureNanodetOnnx(resolveFilePath(".data/models"));
const rows: string[] = [];

/** Scenes that pass today (the others are in the catalog; docs/PERFORMANCE.md has their results). */
const PASSING = Deno.env.get("PERSPECTIVE_SCENES")?.split(",") ??
  Object.keys(PERSPECTIVE_SCENES);

for (const name of PASSING) _perspective(name, PERSPECTIVE_SCENES[name]);

function _perspective(name: string, spec: SceneSpec) {
  Deno.test({
    name: `perspective ground truth: ${name}`,
    sanitizeResources: false,
    sanitizeOps: false,
    fn: async () => {
      const video = `${tmp}/${name}.mp4`;
      const truth = (await renderScene(spec, video, { truthPath: false })).truth as SceneTruth;
      const { passes } = await analyzeScene({
        spec,
        video,
        fps: spec.fps,
        modelPath,
        objectsDir: `${tmp}/objects`,
      });
      const judged = truth.vehicles.filter((v) =>
        v.expected.verdict && v.expected.verdict !== "parked"
      );
      for (const v of truth.vehicles) {
        const p = passes.find((p) =>
          v.expected.entered_at != null &&
          Math.abs(p.entered_at / 1000 - v.expected.entered_at) < 1
        );
        rows.push(
          `| ${name} | ${v.id} | ${v.expected.verdict ?? "none"} | ${
            p?.verdict ?? "-"
          } | ${v.expected.stop_duration_s} | ${p?.stop_duration_s ?? "-"} | ${
            v.expected.entry_speed_mps ?? "-"
          } | ${p?.entry_speed_mps ?? "-"} | ${v.expected.min_speed_mps ?? "-"} | ${
            p?.min_speed_mps ?? "-"
          } |`,
        );
      }
      assert.equal(passes.length, judged.length, `passes: ${JSON.stringify(passes)}`);
      for (const v of judged) {
        const exp = v.expected;
        const pass = passes
          .map((p) => ({ p, d: Math.abs(p.entered_at / 1000 - exp.entered_at!) }))
          .sort((a, b) => a.d - b.d)[0]?.p;
        assert.ok(pass, `${v.id}: a pass`);
        assert.equal(pass.verdict, exp.verdict, `${v.id} verdict`);
        assert.ok(
          Math.abs(pass.stop_duration_s - exp.stop_duration_s) <= 0.25,
          `${v.id}: stop ${pass.stop_duration_s} s vs truth ${exp.stop_duration_s} s`,
        );
        const entry = exp.entry_speed_mps!;
        assert.ok(
          pass.entry_speed_mps != null && Math.abs(pass.entry_speed_mps - entry) <= 0.1 * entry,
          `${v.id}: entry ${pass.entry_speed_mps} m/s vs truth ${entry} m/s`,
        );
        const min = exp.min_speed_mps!;
        if (min > 0.5) {
          assert.ok(
            pass.min_speed_mps != null && Math.abs(pass.min_speed_mps - min) <= 0.1 * min,
            `${v.id}: min ${pass.min_speed_mps} m/s vs truth ${min} m/s`,
          );
        }
      }
    },
  });
}

Deno.test({
  name: "perspective ground truth: results table",
  sanitizeResources: false,
  fn: async () => {
    console.log(
      "\n| scene | vehicle | truth | judged | stop truth s | stop judged s | entry truth m/s | entry judged m/s | min truth m/s | min judged m/s |\n|---|---|---|---|---|---|---|---|---|---|\n" +
        rows.join("\n"),
    );
    await Deno.remove(tmp, { recursive: true });
  },
});
