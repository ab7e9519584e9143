/**
 * Checks an uploaded model before it is stored or activated. It goes through
 * exactly the code that will later load it (openModel in load_detector.ts:
 * ONNX header check, ONNX Runtime session, warm-up run, layout
 * identification), so a model that validates is a model the analyzer runs.
 */
import { openModel } from "../detector/load_detector.ts";

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

export async function validateModelFile(bytes: Uint8Array): Promise<ModelValidation> {
  let opened;
  try {
    // One thread: validation must not starve the running analyzer.
    opened = await openModel(bytes, 1);
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  }
  await opened.session.release().catch(() => {});
  const { kind, inputShape, outputs, labels } = opened.inspection;
  return { ok: true, kind, inputShape, outputs, labels };
}
