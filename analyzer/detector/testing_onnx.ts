/**
 * Builds tiny ONNX models whose output is a fixed tensor whatever the input:
 * out = ReduceMean(input) * 0 + CONST (broadcast [1] against the constant's
 * shape). Lets adapter tests assert exact decodes of known layouts without
 * shipping any real (e.g. AGPL YOLO) weights. Not a test file itself.
 */
import onnxPkg from "onnx-proto";

const { onnx } = onnxPkg;

export interface ConstModelSpec {
  /** Declared input dims; strings are symbolic (dynamic). */
  input: (number | string)[];
  /** Output name -> [shape, values]. */
  outputs: Record<string, [number[], Float32Array | number[]]>;
  /** metadata_props, as ultralytics writes them. */
  metadata?: Record<string, string>;
}

function _dims(shape: (number | string)[]) {
  return { dim: shape.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) };
}

export function constOutputModel(spec: ConstModelSpec): Uint8Array {
  const f32 = onnx.TensorProto.DataType.FLOAT;
  const nodes = [
    onnx.NodeProto.create({
      opType: "ReduceMean",
      input: ["images"],
      output: ["mean"],
      attribute: [
        onnx.AttributeProto.create({
          name: "keepdims",
          type: onnx.AttributeProto.AttributeType.INT,
          i: 0,
        }),
        onnx.AttributeProto.create({
          name: "axes",
          type: onnx.AttributeProto.AttributeType.INTS,
          ints: [1, 2, 3],
        }),
      ],
    }),
    onnx.NodeProto.create({ opType: "Mul", input: ["mean", "zero"], output: ["zeroed"] }),
  ];
  const inits = [
    onnx.TensorProto.create({ name: "zero", dims: [], dataType: f32, floatData: [0] }),
  ];
  const outputs = [];
  for (const [name, [shape, values]] of Object.entries(spec.outputs)) {
    inits.push(onnx.TensorProto.create({
      name: `${name}_const`,
      dims: shape,
      dataType: f32,
      rawData: new Uint8Array(Float32Array.from(values).buffer),
    }));
    nodes.push(
      onnx.NodeProto.create({ opType: "Add", input: ["zeroed", `${name}_const`], output: [name] }),
    );
    outputs.push(onnx.ValueInfoProto.create({
      name,
      type: { tensorType: { elemType: f32, shape: _dims(shape) } },
    }));
  }
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: "", version: 17 }],
    producerName: "stopline-test",
    metadataProps: Object.entries(spec.metadata ?? {}).map(([key, value]) => ({ key, value })),
    graph: onnx.GraphProto.create({
      name: "const_output",
      node: nodes,
      initializer: inits,
      input: [onnx.ValueInfoProto.create({
        name: "images",
        type: { tensorType: { elemType: f32, shape: _dims(spec.input) } },
      })],
      output: outputs,
    }),
  });
  return onnx.ModelProto.encode(model).finish();
}

/** A uniform grey RGB24 frame (content is irrelevant to constant-output models). */
export function greyFrame(width: number, height: number) {
  return { width, height, data: new Uint8Array(width * height * 3).fill(128) };
}
