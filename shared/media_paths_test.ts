import assert from "node:assert/strict";
import { annotatedPath, cameraOfMediaPath, h264CopyPath } from "./media_paths.ts";

Deno.test("media paths: derived paths name their camera; plain ids and bare suffixes stay", () => {
  assert.equal(annotatedPath("cam_02"), "cam_02_annotated");
  assert.equal(h264CopyPath("cam_02"), "cam_02_h264");
  assert.equal(cameraOfMediaPath("cam_02_annotated"), "cam_02");
  assert.equal(cameraOfMediaPath("cam_02_h264"), "cam_02");
  assert.equal(cameraOfMediaPath("cam_02"), "cam_02");
  assert.equal(cameraOfMediaPath("_h264"), "_h264");
});
