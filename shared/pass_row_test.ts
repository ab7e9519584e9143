import assert from "node:assert/strict";
import { PassDetailSchema, PassRowSchema } from "./pass_row.ts";

const ROW = {
  id: "cam_01:1763712000000:17",
  camera: "cam_01",
  track_id: 17,
  label: "car",
  verdict: "full_stop",
  entered_at: "2026-11-21T08:00:00.123456Z",
  exited_at: "2026-11-21T08:00:05.5Z",
  time_in_zone_s: 5.4,
  stop_duration_s: 2.5,
  min_speed_px_s: 0.06,
  entry_speed_px_s: 118.5,
  entry_speed_mps: 2.37,
  min_speed_mps: 0.0,
  max_speed_mps: 2.5,
  image_url: "/api/passes/cam_01%3A1763712000000%3A17/image",
  clip_url: "/api/passes/cam_01%3A1763712000000%3A17/clip",
  clip_start: "2026-11-21T08:00:00.9Z",
  clip_duration_s: 10.5,
};

Deno.test("pass row: the API's row parses; a wrong verdict, unit-less speed or time does not", () => {
  assert.deepEqual(PassRowSchema.parse(ROW), ROW);
  assert.equal(PassRowSchema.safeParse({ ...ROW, image_url: null }).success, true);
  const noClip = { ...ROW, clip_url: null, clip_start: null, clip_duration_s: null };
  assert.equal(PassRowSchema.safeParse(noClip).success, true);
  assert.equal(
    PassRowSchema.safeParse({ ...ROW, clip_url: "minio://b/clips/x.mp4" }).success,
    false,
  );
  assert.equal(PassRowSchema.safeParse({ ...ROW, verdict: "parked" }).success, false);
  const { min_speed_px_s: _, ...old } = ROW;
  assert.equal(PassRowSchema.safeParse({ ...old, min_speed: 0.06 }).success, false);
  assert.equal(PassRowSchema.safeParse({ ...ROW, exited_at: 1763712005500 }).success, false);
  // Road speeds: null on an uncalibrated camera, but always present.
  const uncalibrated = { ...ROW, entry_speed_mps: null, min_speed_mps: null, max_speed_mps: null };
  assert.equal(PassRowSchema.safeParse(uncalibrated).success, true);
  const { min_speed_mps: _m, ...missing } = ROW;
  assert.equal(PassRowSchema.safeParse(missing).success, false);
  assert.equal(PassRowSchema.safeParse({ ...ROW, max_speed_mps: -1 }).success, false);
});

Deno.test("pass detail: samples carry speed_px_s and a tick phase", () => {
  const detail = {
    ...ROW,
    quality: { coverage: 1, finalized_by: "exit" },
    samples: [{ ts: 1763712000123, cx: 300.5, cy: 230, speed_px_s: 70.1, phase: "in_zone" }],
  };
  assert.deepEqual(PassDetailSchema.parse(detail), detail);
  const bad = { ...detail, samples: [{ ...detail.samples[0], phase: "parked" }] };
  assert.equal(PassDetailSchema.safeParse(bad).success, false);
});
