/**
 * Two cameras on a real 2-worker inference pool; the first camera's worker crashes mid-scene: that
 * camera drops the frame that was in the worker and goes on once the worker is restarted, the other
 * camera does not notice, and both still judge the scene's full stop.
 */
import assert from "node:assert/strict";
import { parseConfigYaml } from "../../shared/config.ts";
import { InferencePool } from "../detector/inference_pool.ts";
import { ensureNanodetOnnx } from "../model/nanodet_model.ts";
import type { PassRecord } from "../persist/records.ts";
import { resolveFilePath } from "../sources.ts";
import { CameraPipeline } from "./camera_pipeline.ts";
import type { FrameDetector } from "./serial_detector.ts";

const SCENE = resolveFilePath("samples/scenes/full_stop.mp4");
const FRAMES = 120;

Deno.test({
  name: "pipeline: a crashed inference worker drops one frame of its camera; the other camera " +
    "and both verdicts are untouched",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const cfg = parseConfigYaml(
      await Deno.readTextFile(resolveFilePath("config/scenes.yaml")),
    ).cameras.scene;
    const logs: string[] = [];
    const log = (m: string) => logs.push(m);
    const pool = new InferencePool(ensureNanodetOnnx(resolveFilePath(".data/models")), {
      workers: 2,
      threads: 1,
      log,
    });
    try {
      await pool.ready();
      const passes: Record<string, PassRecord[]> = { a: [], b: [] };
      const pipelines = ["a", "b"].map((camera) => {
        const onWorker = pool.forCamera(camera);
        let n = 0;
        // Camera a's 30th request is sent right after its worker was told to crash: the frame is
        // in the worker when it goes down.
        const detector: FrameDetector = {
          async detect(frame, opts) {
            if (camera === "a" && ++n === 30) await pool.crashForTest(pool.workerOf("a")!);
            return await onWorker.detect(frame, opts);
          },
        };
        return new CameraPipeline(camera, cfg, { source: SCENE }, {
          detector,
          sink: {
            tick: () => {},
            trackEvent: () => {},
            samples: () => {},
            pass: (p) => (passes[camera].push(p), Promise.resolve()),
          },
          live: false,
          anchorMs: Date.parse("2026-11-30T02:00:00Z"),
          log,
        });
      });
      assert.deepEqual([pool.workerOf("a"), pool.workerOf("b")], [0, 1]);
      await Promise.all(pipelines.map((p) => p.start()));
      const [a, b] = pipelines;
      assert.equal(pool.restarts, 1);
      assert.equal(a.stats.frames, FRAMES - 1, "camera a: every frame but the lost one");
      assert.equal(a.stats.dropped, 1, "counted as dropped");
      assert.equal(b.stats.frames, FRAMES);
      assert.equal(b.stats.dropped, 0);
      assert.deepEqual(passes.a.map((p) => p.verdict), ["full_stop"]);
      assert.deepEqual(passes.b.map((p) => p.verdict), ["full_stop"]);
      assert.ok(
        Math.abs(passes.a[0].stop_duration_s - passes.b[0].stop_duration_s) < 0.15,
        `${passes.a[0].stop_duration_s} vs ${passes.b[0].stop_duration_s} s`,
      );
      assert.ok(
        logs.some((l) => /^a: frame dropped: inference worker crashed/.test(l)),
        logs.join("\n"),
      );
      assert.ok(!logs.some((l) => l.startsWith("b: frame dropped")));
    } finally {
      pool.close();
    }
  },
});
