import assert from "node:assert/strict";
import { originalImageUri } from "./original_image_uri.ts";

Deno.test("original image uri: the crop's key moved from passes/ to originals/", () => {
  assert.equal(
    originalImageUri("minio://stopline/passes/cam_02/2026-11-29/p1.jpg"),
    "minio://stopline/originals/cam_02/2026-11-29/p1.jpg",
  );
  assert.throws(() => originalImageUri("minio://stopline/clips/cam_02/x.mp4"));
});
