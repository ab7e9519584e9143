import assert from "node:assert/strict";
import { constOutputModel } from "../../analyzer/detector/testing_onnx.ts";
import { ensureNanodetOnnx } from "../../analyzer/model/nanodet_model.ts";
import { validateModelFile } from "./validate_model.ts";

Deno.test({
  name: "validateModelFile: accepts supported layouts with their shapes",
  sanitizeResources: false,
  async fn() {
    const v8 = validateModelFile(constOutputModel({
      input: [1, 3, 640, 640],
      outputs: { output0: [[1, 84, 8400], new Float32Array(84 * 8400)] },
    }));
    assert.deepEqual(v8.ok && { kind: v8.kind, inputShape: v8.inputShape, outputs: v8.outputs }, {
      kind: "yolov8",
      inputShape: [1, 3, 640, 640],
      outputs: [{ name: "output0", shape: [1, 84, 8400] }],
    });
    const nanodet = validateModelFile(await Deno.readFile(await ensureNanodetOnnx()));
    assert.ok(nanodet.ok);
    assert.equal(nanodet.kind, "nanodet");
    assert.deepEqual(nanodet.inputShape, [1, 3, 416, 416]);
    assert.equal(nanodet.outputs.length, 6);
    assert.equal(nanodet.labels[2], "car");
  },
});

Deno.test({
  name: "validateModelFile: explains what is wrong",
  sanitizeResources: false,
  async fn() {
    const png = new Uint8Array([
      0x89,
      0x50,
      0x4e,
      0x47,
      0x0d,
      0x0a,
      0x1a,
      0x0a,
      ...new Uint8Array(64),
    ]);
    const notOnnx = validateModelFile(png);
    assert.equal(notOnnx.ok, false);
    assert.match(!notOnnx.ok ? notOnnx.reason : "", /^not an ONNX model: /);
    assert.match(
      (validateModelFile(new Uint8Array(3)) as { reason: string }).reason,
      /^not an ONNX model: only 3 bytes/,
    );

    const cls = validateModelFile(constOutputModel({
      input: [1, 3, 224, 224],
      outputs: { logits: [[1, 1000], new Float32Array(1000)] },
    }));
    assert.equal(cls.ok, false);
    assert.match(
      !cls.ok ? cls.reason : "",
      /unrecognised detector layout: input NCHW 224x224 .*outputs logits \[1,1000\]/,
    );

    // A truncated real model: the wire parser must reject it, not crash.
    const bytes = await Deno.readFile(await ensureNanodetOnnx());
    const cut = validateModelFile(bytes.subarray(0, 100_000));
    assert.equal(cut.ok, false);
    assert.match(!cut.ok ? cut.reason : "", /not an ONNX model|cannot load/);
  },
});
