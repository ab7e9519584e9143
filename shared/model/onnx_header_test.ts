import assert from "node:assert/strict";
import onnxPkg from "onnx-proto";
import { constOutputModel } from "../../analyzer/detector/testing_onnx.ts";
import { readOnnxHeader, readOnnxIO } from "./onnx_header.ts";
import { validateModelFile } from "./validate_model.ts";

const { onnx } = onnxPkg;
const F32 = onnx.TensorProto.DataType.FLOAT;

/** A graph with only declared inputs/outputs (what the readers look at), dims as given. */
function _declared(input: (number | string)[], outputs: Record<string, (number | string)[]>) {
  const vi = (name: string, dims: (number | string)[]) =>
    onnx.ValueInfoProto.create({
      name,
      type: {
        tensorType: {
          elemType: F32,
          shape: {
            dim: dims.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })),
          },
        },
      },
    });
  return onnx.ModelProto.encode(onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: "", version: 17 }],
    graph: onnx.GraphProto.create({
      name: "g",
      initializer: [
        onnx.TensorProto.create({ name: "w", dims: [1], dataType: F32, floatData: [0] }),
      ],
      input: [vi("images", input), vi("w", [1])],
      output: Object.entries(outputs).map(([n, d]) => vi(n, d)),
    }),
  })).finish();
}

Deno.test("readOnnxIO: declared inputs (initializers left out) and outputs with symbolic dims", () => {
  const io = readOnnxIO(_declared(["batch", 3, 640, 640], { output0: ["batch", 84, "anchors"] }));
  assert.equal(io.irVersion, 8);
  assert.deepEqual(io.inputs, [{ name: "images", elemType: 1, dims: ["batch", 3, 640, 640] }]);
  assert.deepEqual(io.outputs, [{ name: "output0", elemType: 1, dims: ["batch", 84, "anchors"] }]);
  const m = constOutputModel({
    input: [1, 3, 64, 64],
    outputs: { o: [[1, 7], new Float32Array(7)] },
  });
  assert.deepEqual(readOnnxIO(m).outputs, [{ name: "o", elemType: 1, dims: [1, 7] }]);
  assert.equal(readOnnxHeader(m).producerName, "stopline-test");
});

Deno.test("readOnnxIO: a graph cut short is not an ONNX model", () => {
  const m = constOutputModel({
    input: [1, 3, 64, 64],
    outputs: { o: [[1, 7], new Float32Array(7)] },
  });
  assert.throws(() => readOnnxIO(m.subarray(0, m.length - 9)), /^Error: not an ONNX model: /);
});

Deno.test("validateModelFile: a dynamic box count resolves to the cells the input size implies", () => {
  const v8 = validateModelFile(_declared(["batch", 3, 640, 640], { output0: ["batch", 84, "n"] }));
  assert.deepEqual(v8.ok && [v8.kind, v8.outputs], [
    "yolov8",
    [{ name: "output0", shape: [1, 84, 8400] }],
  ]);
  // [1, n, 85] is yolov5 (n = 3 x cells) or an 81-class untransposed yolov8 (n = cells).
  const either = validateModelFile(_declared([1, 3, 640, 640], { output: [1, "n", 85] }));
  assert.match(!either.ok ? either.reason : "", /could be yolov8 or yolov5/);
  const twoOpen = validateModelFile(_declared([1, 3, 640, 640], { output: [1, "a", "b"] }));
  assert.match(!twoOpen.ok ? twoOpen.reason : "", /2 dynamic dims; export the model with static/);
});
