/**
 * Motion-gated detection must not change verdicts (issue #16 §1): ground-truth scenes analyzed
 * with the detector on every frame and gated by motion give the same passes, verdicts and stop
 * times within 0.1 s, at full and at half rate, while the detector runs on fewer frames.
 * (Only these scenes so far: the full suite gated is what decides the default, still off.)
 */
import assert from "node:assert/strict";
import { renderScene, SCENES } from "../../dev/testing/scenes/mod.ts";
import { ensureNanodetOnnx } from "../model/nanodet_model.ts";
import { resolveFilePath } from "../sources.ts";
import { analyzeScene } from "../testing_scenes.ts";

const GATED_SCENES = ["fullStop", "parked"];

for (const name of GATED_SCENES) {
  Deno.test({
    name: `motion gating keeps the passes of ${name}, at full and half rate`,
    sanitizeResources: false,
    sanitizeOps: false,
    fn: async () => {
      const spec = SCENES[name];
      const tmp = await Deno.makeTempDir({ prefix: "stopline-gating-" });
      try {
        const modelPath = await ensureNanodetOnnx(resolveFilePath(".data/models"));
        const video = `${tmp}/${spec.name}.mp4`;
        await renderScene(spec, video);
        for (const fps of [spec.fps, spec.fps / 2]) {
          const run = (motionGating: boolean) =>
            analyzeScene({ spec, video, fps, modelPath, objectsDir: `${tmp}/o`, motionGating });
          const always = await run(false);
          const gated = await run(true);
          const share = gated.summary.detected_frames / gated.summary.frames;
          console.log(`${name} at ${fps} fps: detector on ${(share * 100).toFixed(0)} % of frames`);
          assert.equal(always.summary.detected_frames, always.summary.frames);
          assert.ok(share < 1, "gating skips some frames");
          assert.equal(gated.passes.length, always.passes.length, "same number of passes");
          for (const [i, p] of always.passes.entries()) {
            const g = gated.passes[i];
            assert.equal(g.verdict, p.verdict, `pass ${i} verdict`);
            const d = Math.abs(g.stop_duration_s - p.stop_duration_s);
            assert.ok(d <= 0.1, `pass ${i} stop ${g.stop_duration_s} vs ${p.stop_duration_s}`);
          }
        }
      } finally {
        await Deno.remove(tmp, { recursive: true });
      }
    },
  });
}
