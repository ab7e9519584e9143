/**
 * Checks an uploaded model before it is stored, without onnxruntime (the functions deploy alone):
 * the ONNX wire structure down to the graph's declared inputs and outputs, one float32 image
 * input, and an output layout some detector family recognizes (the same registry and input
 * geometry the analyzer applies to the shapes ONNX Runtime reports when it loads the model).
 * A file that passes here but that ONNX Runtime still refuses (a broken node, say) is refused by
 * the analyzer on activation, which keeps the current model and logs why.
 */
import { identifyLayout, inputGeometry, modelLabels, type ModelLayout } from "./model_layout.ts";
import { yoloCells } from "./families/yolo_layout.ts";
import {
  ONNX_FLOAT,
  type OnnxValueInfo,
  parseUltralyticsNames,
  readOnnxIO,
} from "./onnx_header.ts";

export type ModelValidation =
  | {
    ok: true;
    /** Adapter that will decode it: nanodet | centernet | yolov5 | yolov8 | yolo-nms. */
    kind: string;
    /** Concrete input shape used, e.g. [1, 3, 640, 640]. */
    inputShape: number[];
    outputs: { name: string; shape: number[] }[];
    /** Class names, from the model's metadata when it has them, else COCO / class_N. */
    labels: string[];
  }
  | { ok: false; reason: string };

/** TensorProto.DataType names for the messages (the common ones). */
const _ELEM_TYPES: Record<number, string> = {
  1: "float32",
  2: "uint8",
  3: "int8",
  6: "int32",
  7: "int64",
  9: "bool",
  10: "float16",
  11: "float64",
};

export function validateModelFile(bytes: Uint8Array): ModelValidation {
  try {
    return { ok: true, ..._inspect(bytes) };
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  }
}

function _inspect(bytes: Uint8Array) {
  const io = readOnnxIO(bytes);
  if (io.inputs.length !== 1) {
    throw new Error(
      `expected one model input, got ${io.inputs.length}: ${
        io.inputs.map((i) => i.name).join(", ")
      }`,
    );
  }
  const input = io.inputs[0];
  if (input.elemType !== ONNX_FLOAT) {
    const type = _ELEM_TYPES[input.elemType] ?? `type ${input.elemType}`;
    throw new Error(`model input ${input.name} is ${type}, expected float32`);
  }
  const declared = input.dims ?? [];
  const { layout: inputLayout, h, w } = inputGeometry(declared, io.metadata);
  const inputShape = inputLayout === "nchw" ? [1, 3, h, w] : [1, h, w, 3];
  if (!io.outputs.length) throw new Error("model has no outputs");
  const names = parseUltralyticsNames(io.metadata);
  const identify = (outputs: { name: string; shape: number[] }[]): ModelLayout =>
    identifyLayout(w, h, inputLayout, outputs, declared, names);
  const { outputs, layout } = _resolveOutputs(io.outputs, w, h, identify);
  return { kind: layout.kind, inputShape, outputs, labels: modelLabels(layout.numClasses, names) };
}

/**
 * Declared output shapes made concrete. A dynamic batch dim is 1. Exports with a dynamic input
 * size leave the box count dynamic too ([batch, 84, anchors]); that one dim is resolved to the
 * prediction-cell counts the input size implies, when every count a family recognizes gives the
 * same kind. Anything more dynamic or ambiguous cannot be judged without running the model, and
 * is refused with the reason.
 */
function _resolveOutputs(
  declared: OnnxValueInfo[],
  w: number,
  h: number,
  identify: (outputs: { name: string; shape: number[] }[]) => ModelLayout,
): { outputs: { name: string; shape: number[] }[]; layout: ModelLayout } {
  const open: [number, number][] = []; // [output index, dim index] of dynamic non-batch dims
  const outputs = declared.map((o, k) => {
    if (!o.dims) throw new Error(`output ${o.name} declares no shape`);
    const shape = o.dims.map((d, i) => {
      if (typeof d === "number") return d;
      if (i === 0) return 1;
      open.push([k, i]);
      return -1;
    });
    return { name: o.name, shape };
  });
  if (open.length === 0) return { outputs, layout: identify(outputs) };
  const shapes = outputs.map((o) => `${o.name} [${declared.find((d) => d.name === o.name)!.dims}]`);
  if (open.length > 1) {
    throw new Error(
      `outputs ${shapes.join(", ")} have ${open.length} dynamic dims; ` +
        `export the model with static output shapes`,
    );
  }
  const [k, i] = open[0];
  const cells = [yoloCells(w, h, [8, 16, 32]), yoloCells(w, h, [8, 16, 32, 64])];
  const found: { n: number; layout: ModelLayout }[] = [];
  let firstError: Error | null = null;
  for (const n of [...cells, ...cells.map((c) => 3 * c)]) {
    outputs[k].shape[i] = n;
    try {
      found.push({ n, layout: identify(outputs) });
    } catch (e) {
      firstError ??= e as Error;
    }
  }
  if (!found.length) throw firstError!;
  const kinds = [...new Set(found.map((f) => f.layout.kind))];
  if (kinds.length > 1) {
    throw new Error(
      `output ${outputs[k].name} [${declared[k].dims}] could be ${kinds.join(" or ")} ` +
        `depending on its dynamic dim; export the model with static output shapes`,
    );
  }
  outputs[k].shape[i] = found[0].n;
  return { outputs, layout: found[0].layout };
}
