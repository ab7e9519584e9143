import assert from "node:assert/strict";
import { originalUri } from "./original_uri.ts";

Deno.test("original uri: a crop's or clip's key moved from passes/ or clips/ to originals/", () => {
  assert.equal(
    originalUri("minio://stopline/passes/cam_02/2026-11-29/p1.jpg"),
    "minio://stopline/originals/cam_02/2026-11-29/p1.jpg",
  );
  assert.equal(
    originalUri("minio://stopline/clips/cam_02/2026-11-29/p1.mp4"),
    "minio://stopline/originals/cam_02/2026-11-29/p1.mp4",
  );
  assert.throws(() => originalUri("minio://stopline/originals/cam_02/x.mp4"));
});
