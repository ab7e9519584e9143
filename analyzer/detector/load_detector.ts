/**
 * Opens any supported ONNX detector and picks its adapter from the model
 * itself: the input shape gives layout (NCHW/NHWC) and size, a warm-up run
 * gives the concrete output shapes (exports often leave dims symbolic), and
 * those shapes identify the family (shared/model/: the recognizers the upload
 * validator uses too); registry.ts gives the family's adapter. Used by the
 * inference worker, so models can be swapped at run time.
 */
import * as ort from "onnxruntime-node";
import { parseUltralyticsNames, readOnnxHeader } from "../../shared/model/onnx_header.ts";
import {
  identifyLayout,
  inputGeometry,
  modelLabels,
  type ModelLayout,
} from "../../shared/model/model_layout.ts";
import type { AdapterOptions, Detector, SessionSpec } from "./detector.ts";
import { detectorFamily } from "./registry.ts";
import "./families.ts";

export { DEFAULT_DYNAMIC_SIZE, identifyLayout } from "../../shared/model/model_layout.ts";

export interface LoadDetectorOptions extends AdapterOptions {
  /** ONNX Runtime intra-op threads (default: min(cores, 4)). */
  threads?: number;
  /** Refuse any other layout kind (e.g. "nanodet"). */
  kind?: string;
}

/** What loading found out about a model. */
export interface ModelInspection {
  kind: string;
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
  if (opts.kind && o.layout.kind !== opts.kind) {
    await o.session.release().catch(() => {});
    const what = typeof model === "string" ? model : "the model";
    throw new Error(`${what} is not a ${opts.kind} model (it is ${o.layout.kind})`);
  }
  return detectorFamily(o.layout.kind).create(o.spec, o.layout, opts);
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
    const { layout: inputLayout, h, w } = inputGeometry(declared, header.metadata);
    const inputShape = inputLayout === "nchw" ? [1, 3, h, w] : [1, h, w, 3];
    // The warm-up primes ORT's allocations and reveals the concrete output shapes.
    const res = await session.run({
      [meta.name]: new ort.Tensor("float32", new Float32Array(3 * h * w), inputShape),
    });
    const outputs = session.outputNames.map((name) => ({ name, shape: [...res[name].dims] }));
    for (const t of Object.values(res)) t.dispose?.();
    const names = parseUltralyticsNames(header.metadata);
    const layout = identifyLayout(w, h, inputLayout, outputs, declared, names);
    const numClasses = layout.numClasses;
    const labels = modelLabels(numClasses, names);
    const norm = detectorFamily(layout.kind).norm(inputLayout);
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
