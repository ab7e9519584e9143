/**
 * Opens any supported ONNX detector and picks its adapter from the model
 * itself: the input shape gives layout (NCHW/NHWC) and size, a warm-up run
 * gives the concrete output shapes (exports often leave dims symbolic), and
 * those shapes identify the family. Used by the inference worker (so models
 * can be swapped at run time) and by the upload validator, so "validates"
 * and "loads" can never disagree.
 */
import * as ort from "onnxruntime-node";
import {
  parseUltralyticsImgsz,
  parseUltralyticsNames,
  readOnnxHeader,
} from "../model/onnx_header.ts";
import { CenterNetDetector, type CenternetLayout } from "./centernet.ts";
import { COCO_LABELS } from "./coco_labels.ts";
import type { AdapterOptions, Detector, SessionSpec } from "./detector.ts";
import { identifyNanodetOutputs, NanoDetDetector, type NanodetLayout } from "./nanodet.ts";
import { CENTERNET_NORM, NANODET_NORM, type Normalization, YOLO_NORM } from "./preprocess.ts";
import { YoloDetector, type YoloLayout } from "./yolo.ts";

export interface LoadDetectorOptions extends AdapterOptions {
  /** ONNX Runtime intra-op threads (default: min(cores, 4)). */
  threads?: number;
}

/** Input size used when the model leaves it dynamic and says nothing (ultralytics' default). */
export const DEFAULT_DYNAMIC_SIZE = 640;

export type ModelLayout =
  | { kind: "nanodet"; nanodet: NanodetLayout }
  | { kind: "centernet"; centernet: CenternetLayout }
  | { kind: "yolov5" | "yolov8" | "yolo-nms"; yolo: YoloLayout };

/** What loading found out about a model (also the upload API's answer). */
export interface ModelInspection {
  kind: ModelLayout["kind"];
  inputName: string;
  /** Concrete input shape used, e.g. [1, 3, 640, 640]. */
  inputShape: number[];
  inputLayout: "nchw" | "nhwc";
  /** Concrete output shapes from the warm-up run. */
  outputs: { name: string; shape: number[] }[];
  numClasses: number;
  labels: string[];
}

export interface OpenedModel {
  session: ort.InferenceSession;
  inspection: ModelInspection;
  layout: ModelLayout;
  spec: SessionSpec;
}

/** Loads a model file (path) or model bytes and returns the matching adapter. */
export async function loadDetector(
  model: string | Uint8Array,
  opts: LoadDetectorOptions = {},
): Promise<Detector> {
  const o = await openModel(model, opts.threads);
  switch (o.layout.kind) {
    case "nanodet":
      return new NanoDetDetector(o.spec, o.layout.nanodet, opts);
    case "centernet":
      return new CenterNetDetector(o.spec, o.layout.centernet, opts);
    default:
      return new YoloDetector(o.spec, o.layout.yolo, opts);
  }
}

/** Opens a model and identifies it without building an adapter; the caller releases the session. */
export async function openModel(
  model: string | Uint8Array,
  threads?: number,
): Promise<OpenedModel> {
  let bytes: Uint8Array;
  if (typeof model === "string") {
    try {
      bytes = await Deno.readFile(model);
    } catch (e) {
      throw new Error(`cannot read model file ${model}: ${(e as Error).message}`);
    }
  } else bytes = model;
  // Our own check first: ORT's protobuf errors are cryptic, and a wrong upload deserves a clear one.
  const header = readOnnxHeader(bytes);
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, {
      intraOpNumThreads: threads ?? Math.max(1, Math.min(4, navigator.hardwareConcurrency || 1)),
      interOpNumThreads: 1,
      executionMode: "sequential",
      graphOptimizationLevel: "all",
    });
  } catch (e) {
    throw new Error(`ONNX Runtime cannot load the model: ${(e as Error).message}`);
  }
  try {
    if (session.inputNames.length !== 1) {
      throw new Error(
        `expected one model input, got ${session.inputNames.length}: ${
          session.inputNames.join(", ")
        }`,
      );
    }
    const meta = session.inputMetadata[0];
    const declared = meta.isTensor ? [...meta.shape] : [];
    if (meta.isTensor && meta.type !== "float32") {
      throw new Error(`model input ${meta.name} is ${meta.type}, expected float32`);
    }
    const { layout: inputLayout, h, w } = _inputGeometry(declared, header.metadata);
    const inputShape = inputLayout === "nchw" ? [1, 3, h, w] : [1, h, w, 3];
    // The warm-up primes ORT's allocations and reveals the concrete output shapes.
    const res = await session.run({
      [meta.name]: new ort.Tensor("float32", new Float32Array(3 * h * w), inputShape),
    });
    const outputs = session.outputNames.map((name) => ({ name, shape: [...res[name].dims] }));
    for (const t of Object.values(res)) t.dispose?.();
    const layout = identifyLayout(w, h, inputLayout, outputs, declared);
    const names = parseUltralyticsNames(header.metadata);
    // A post-NMS output carries class ids, not a class count: trust the names, else assume COCO.
    if (layout.kind === "yolo-nms") layout.yolo.numClasses = names?.length ?? COCO_LABELS.length;
    const numClasses = layout.kind === "nanodet"
      ? layout.nanodet.numClasses
      : layout.kind === "centernet"
      ? layout.centernet.numClasses
      : layout.yolo.numClasses;
    const labels = _labels(numClasses, names);
    const norm: Normalization = layout.kind === "nanodet"
      ? NANODET_NORM
      : layout.kind === "centernet"
      ? CENTERNET_NORM
      : { ...YOLO_NORM, layout: inputLayout };
    if ((norm.layout ?? "nchw") !== inputLayout) {
      throw new Error(
        `a ${layout.kind} model with a ${inputLayout.toUpperCase()} input is not supported`,
      );
    }
    return {
      session,
      layout,
      inspection: {
        kind: layout.kind,
        inputName: meta.name,
        inputShape,
        inputLayout,
        outputs,
        numClasses,
        labels,
      },
      spec: { session, inputName: meta.name, inputW: w, inputH: h, norm, labels },
    };
  } catch (e) {
    await session.release().catch(() => {});
    throw e;
  }
}

function _labels(n: number, names: string[] | null): string[] {
  if (names && names.length === n) return names;
  if (n === COCO_LABELS.length) return COCO_LABELS.slice();
  return Array.from({ length: n }, (_, i) => `class_${i}`);
}

function _dim(d: number | string | undefined): number | null {
  return typeof d === "number" && d > 0 ? d : null;
}

function _inputGeometry(
  shape: readonly (number | string)[],
  meta: Record<string, string>,
): { layout: "nchw" | "nhwc"; h: number; w: number } {
  if (shape.length !== 4) {
    throw new Error(`model input has shape [${shape}], expected an image [1,3,H,W] or [1,H,W,3]`);
  }
  let layout: "nchw" | "nhwc";
  if (_dim(shape[1]) === 3) layout = "nchw";
  else if (_dim(shape[3]) === 3) layout = "nhwc";
  else if (_dim(shape[1]) === null && _dim(shape[3]) === null) layout = "nchw"; // exporters' default
  else throw new Error(`model input has shape [${shape}]: no 3-channel axis`);
  const [hd, wd] = layout === "nchw" ? [shape[2], shape[3]] : [shape[1], shape[2]];
  // Dynamic sizes: the exporter's recorded imgsz, else ultralytics' default 640.
  const fallback = parseUltralyticsImgsz(meta) ?? [DEFAULT_DYNAMIC_SIZE, DEFAULT_DYNAMIC_SIZE];
  return { layout, h: _dim(hd) ?? fallback[0], w: _dim(wd) ?? fallback[1] };
}

function _shapes(outputs: readonly { name: string; shape: readonly number[] }[]): string {
  return outputs.map((o) => `${o.name} [${o.shape.join(",")}]`).join(", ");
}

/** YOLO prediction cells for strides 8/16/32 (and 64 for P6 models). */
function _cells(w: number, h: number, strides: number[]): number {
  return strides.reduce((a, s) => a + Math.ceil(w / s) * Math.ceil(h / s), 0);
}

/**
 * Identifies the output layout from concrete shapes. Throws an Error naming
 * every shape found and the layouts supported when nothing matches.
 */
export function identifyLayout(
  inputW: number,
  inputH: number,
  inputLayout: "nchw" | "nhwc",
  outputs: readonly { name: string; shape: readonly number[] }[],
  declaredInput: readonly (number | string)[] = [],
): ModelLayout {
  const why: string[] = [];
  const rank3 = outputs.filter((o) => o.shape.length === 3 && o.shape[0] === 1);

  // NanoDet: pairs of [1, N, C] class scores and [1, N, 4*bins] distributions per stride.
  if (outputs.length >= 2 && outputs.length % 2 === 0 && rank3.length === outputs.length) {
    try {
      const nanodet = identifyNanodetOutputs(
        outputs.map((o) => ({ name: o.name, dims: o.shape })),
        inputW,
        inputH,
      );
      return { kind: "nanodet", nanodet };
    } catch (e) {
      why.push(`not NanoDet: ${(e as Error).message}`);
    }
  }

  // CenterNet: NHWC heatmaps [1, h, w, C] + box sides [1, h, w, 4] on one grid.
  if (outputs.length === 2 && outputs.every((o) => o.shape.length === 4 && o.shape[0] === 1)) {
    const [a, b] = outputs;
    const sameGrid = a.shape[1] === b.shape[1] && a.shape[2] === b.shape[2];
    const whFirst = a.shape[3] === 4 && (b.shape[3] !== 4 || /wh/i.test(a.name));
    const [wh, heat] = whFirst ? [a, b] : [b, a];
    if (sameGrid && wh.shape[3] === 4 && heat.shape[3] >= 1 && inputLayout === "nhwc") {
      return {
        kind: "centernet",
        centernet: {
          heatmap: heat.name,
          wh: wh.name,
          gridH: heat.shape[1],
          gridW: heat.shape[2],
          numClasses: heat.shape[3],
        },
      };
    }
    why.push("not CenterNet: needs NHWC [1,h,w,C] + [1,h,w,4] outputs and an NHWC input");
  }

  // YOLO: one [1, A, B] prediction tensor (old yolov5 exports add raw 5-D per-level heads; ignore those).
  const extrasOk = outputs.every((o) => o.shape.length === 3 || o.shape.length === 5);
  if (rank3.length === 1 && extrasOk) {
    const o = rank3[0];
    const [, a, b] = o.shape;
    const cells = [_cells(inputW, inputH, [8, 16, 32]), _cells(inputW, inputH, [8, 16, 32, 64])];
    const isV5Count = cells.some((c) => a === 3 * c);
    const base = { output: o.name, transposed: false };
    if (b === 6 && !isV5Count && a <= 1000 && !cells.includes(a)) {
      return { kind: "yolo-nms", yolo: { ...base, kind: "yolo-nms", numClasses: 0, count: a } };
    }
    if (a < b && a > 4) {
      // [1, 4+C, N]: the ultralytics v8/v11 export.
      return {
        kind: "yolov8",
        yolo: { ...base, kind: "yolov8", numClasses: a - 4, count: b, transposed: true },
      };
    }
    if (a >= b && cells.includes(a) && b > 4) {
      return { kind: "yolov8", yolo: { ...base, kind: "yolov8", numClasses: b - 4, count: a } };
    }
    if (a >= b && b > 5) {
      return { kind: "yolov5", yolo: { ...base, kind: "yolov5", numClasses: b - 5, count: a } };
    }
    why.push(`[1,${a},${b}] is no YOLO layout`);
  }

  const input = declaredInput.length ? ` (declared [${declaredInput.join(",")}])` : "";
  throw new Error(
    `unrecognised detector layout: input ${inputLayout.toUpperCase()} ${inputW}x${inputH}${input}; ` +
      `outputs ${_shapes(outputs)}` + (why.length ? ` (${why.join("; ")})` : "") +
      `. Supported: NanoDet (pairs of [1,N,C] + [1,N,4*bins] per stride), ` +
      `CenterNet (NHWC [1,h,w,C] + [1,h,w,4]), YOLOv5 [1,N,5+C], YOLOv8/11 [1,4+C,N], ` +
      `YOLO with NMS [1,K,6]`,
  );
}
