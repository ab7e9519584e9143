/**
 * What a detector model is, from its input geometry and output shapes: which family decodes it
 * (see layout_registry.ts), its input size and its class names. Used by the analyzer on the
 * shapes ONNX Runtime reports and by the functions on the shapes the file declares.
 */
import { COCO_LABELS } from "./coco_labels.ts";
import { recognizeLayout } from "./layout_registry.ts";
import type { ModelLayout } from "./layout_registry.ts";
import { parseUltralyticsImgsz } from "./onnx_header.ts";
// The families, tried in this order. Adding one: a file in families/ and a line here.
import "./families/nanodet_layout.ts";
import "./families/centernet_layout.ts";
import "./families/yolo_layout.ts";

export type { ModelLayout } from "./layout_registry.ts";
export type { NanodetLayout, NanodetLevel } from "./families/nanodet_layout.ts";
export { identifyNanodetOutputs } from "./families/nanodet_layout.ts";
export type { CenternetLayout } from "./families/centernet_layout.ts";
export type { YoloKind, YoloLayout } from "./families/yolo_layout.ts";

/** Input size used when the model leaves it dynamic and says nothing (ultralytics' default). */
export const DEFAULT_DYNAMIC_SIZE = 640;

export interface InputGeometry {
  layout: "nchw" | "nhwc";
  h: number;
  w: number;
}

function _dim(d: number | string | undefined): number | null {
  return typeof d === "number" && d > 0 ? d : null;
}

/** Layout and size of an image input from its declared shape (dynamic sizes: metadata or 640). */
export function inputGeometry(
  shape: readonly (number | string)[],
  meta: Record<string, string>,
): InputGeometry {
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

/**
 * Identifies the output layout from concrete shapes. Throws an Error naming every shape found
 * and the layouts supported when nothing matches.
 */
export function identifyLayout(
  inputW: number,
  inputH: number,
  inputLayout: "nchw" | "nhwc",
  outputs: readonly { name: string; shape: readonly number[] }[],
  declaredInput: readonly (number | string)[] = [],
  names: readonly string[] | null = null,
): ModelLayout {
  return recognizeLayout({ inputW, inputH, inputLayout, outputs, names }, declaredInput);
}

/** Class names: the model's own when they fit, COCO for 80 classes, else class_N. */
export function modelLabels(numClasses: number, names: readonly string[] | null): string[] {
  if (names && names.length === numClasses) return [...names];
  if (numClasses === COCO_LABELS.length) return COCO_LABELS.slice();
  return Array.from({ length: numClasses }, (_, i) => `class_${i}`);
}
