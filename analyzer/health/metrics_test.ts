import assert from "node:assert/strict";
import type { CropUploader } from "../capture/crop_uploader.ts";
import type { CameraPipeline } from "../pipeline/camera_pipeline.ts";
import { StageTimings } from "../pipeline/stage_timings.ts";
import { analyzerMetrics } from "./metrics.ts";

/** Just what analyzerMetrics reads of a pipeline. */
function fakePipeline(camera: string, lastFrameAt: number): CameraPipeline {
  return {
    camera,
    stats: {
      frames: 10,
      detectedFrames: 4,
      detectedShare: 0.4,
      dropped: 1,
      fps: 15,
      inferMs: 20,
      lagMs: 80,
      passes: 2,
      lastFrameAt,
    },
    source: { frames: 11, restarts: 0 },
    plateSearchesRefused: 3,
    timings: new StageTimings(),
  } as unknown as CameraPipeline;
}

Deno.test("analyzerMetrics: frame age per camera (none before the first frame), crop retry queue", () => {
  const text = analyzerMetrics(
    [fakePipeline("cam_01", Date.now() - 12_000), fakePipeline("cam_02", 0)],
    null,
    null,
    { uploaded: 5, pendingCrops: 7 } as CropUploader,
  );
  const age = Number(text.match(/^stopline_frame_age_seconds\{camera="cam_01"\} ([\d.]+)$/m)?.[1]);
  assert.ok(age >= 12 && age < 13, `age ${age}`);
  assert.doesNotMatch(text, /stopline_frame_age_seconds\{camera="cam_02"\}/);
  assert.match(text, /^stopline_crops_pending 7$/m);
  assert.match(text, /^stopline_crops_uploaded_total 5$/m);
  // No plate search worker in this process: its counters are there, at 0; crops refused a search
  // (queue full) are counted per camera.
  assert.match(text, /^# TYPE stopline_plate_searches_total counter$/m);
  assert.match(text, /^stopline_plate_searches_refused_total\{camera="cam_01"\} 3$/m);
  assert.match(text, /^stopline_plate_searches_failed_total 0$/m);
});

Deno.test("analyzerMetrics: detected and skipped frames per camera (motion gating)", () => {
  const text = analyzerMetrics([fakePipeline("cam_01", Date.now())], null, null, {
    uploaded: 0,
    pendingCrops: 0,
  } as CropUploader);
  assert.match(text, /^# TYPE stopline_detected_frames_total counter$/m);
  assert.match(text, /^stopline_detected_frames_total\{camera="cam_01"\} 4$/m);
  assert.match(text, /^stopline_skipped_frames_total\{camera="cam_01"\} 6$/m);
  assert.match(text, /^stopline_frames_total\{camera="cam_01"\} 10$/m);
  assert.match(text, /^stopline_detected_share\{camera="cam_01"\} 0.4$/m);
});
