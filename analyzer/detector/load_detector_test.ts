import assert from "node:assert/strict";
import { validateModelFile } from "../../shared/model/validate_model.ts";
import { detectorKinds } from "./registry.ts";
import { loadDetector } from "./load_detector.ts";
import { constOutputModel } from "./testing_onnx.ts";

Deno.test("load_detector: every recognizable kind has a registered adapter", () => {
  assert.deepEqual(detectorKinds().sort(), [
    "centernet",
    "nanodet",
    "yolo-nms",
    "yolov5",
    "yolov8",
  ]);
});

Deno.test({
  name:
    "load_detector: a model the upload check accepts but ONNX Runtime cannot run is refused on load",
  sanitizeResources: false,
  async fn() {
    const good = constOutputModel({
      input: [1, 3, 640, 640],
      outputs: { output0: [[1, 84, 8400], new Float32Array(84 * 8400)] },
    });
    // Same length op name, so the protobuf stays well-formed: only running the graph can tell.
    const bytes = new Uint8Array(good); // a copy (the encoder returns a Buffer, whose slice is a view)
    const at = _indexOf(bytes, new TextEncoder().encode("ReduceMean"));
    assert.ok(at > 0);
    bytes.set(new TextEncoder().encode("ReduceMeaX"), at);
    const v = validateModelFile(bytes);
    assert.equal(v.ok && v.kind, "yolov8");
    await assert.rejects(() => loadDetector(bytes, { threads: 1 }), /ONNX Runtime cannot load/);
    await assert.rejects(
      () => loadDetector(good, { threads: 1, kind: "nanodet" }),
      /is not a nanodet model \(it is yolov8\)/,
    );
  },
});

function _indexOf(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
