import assert from "node:assert/strict";
import type { CameraPipeline } from "../pipeline/camera_pipeline.ts";
import { gaugeLines } from "../../shared/gauges.ts";
import { seedGauges } from "./seed_gauges.ts";

/** Just what the seed gauges read of a pipeline and its source. */
function _pipeline(
  camera: string,
  t: { capture?: number; decoded?: number; infer?: number; publish?: number },
): CameraPipeline {
  return {
    camera,
    source: { lastCaptureTs: t.capture ?? 0, lastDecodedAt: t.decoded ?? 0 },
    stats: { lastInferAt: t.infer ?? 0, lastPublishAt: t.publish ?? 0 },
  } as unknown as CameraPipeline;
}

Deno.test("seed gauges: each link's age per camera, the PTS delta; cameras without a frame left out", () => {
  const now = 1_000_000;
  const text = gaugeLines(seedGauges(() => [
    _pipeline("cam_01", {
      capture: now - 900,
      decoded: now - 700,
      infer: now - 650,
      publish: now - 640,
    }),
    _pipeline("cam_02", {}),
  ], () => now));
  for (
    const [name, v] of [
      ["capture", 900],
      ["decode", 700],
      ["infer", 650],
      ["publish", 640],
    ] as const
  ) {
    assert.match(text, new RegExp(`^stopline_${name}_age_ms\\{camera="cam_01"\\} ${v}$`, "m"));
  }
  assert.match(text, /^stopline_pts_wall_delta_ms\{camera="cam_01"\} 200$/m);
  assert.doesNotMatch(text, /cam_02/);
});
