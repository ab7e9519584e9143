/**
 * Ultralytics YOLO adapters (operator-supplied ONNX exports; the weights are
 * AGPL-3.0 and never shipped with stopline).
 *
 * Preprocessing is ultralytics' own: letterbox with grey 114 borders, RGB
 * scaled to 0..1, NCHW. Output layouts (all in model-input pixels):
 * - "yolov5": [1, N, 5+C] rows of cx, cy, w, h, objectness, C class scores;
 *   score = objectness x class score. N = 3 anchors x cells (25200 at 640).
 * - "yolov8" (v8, v9, v11, v12): [1, 4+C, N] (transposed: one row per
 *   attribute) of cx, cy, w, h, C class scores; no objectness. N = cells
 *   (8400 at 640). The untransposed [1, N, 4+C] variant is read too.
 * - "yolo-nms" (export with nms=True, and end-to-end heads: YOLOv10, YOLO26):
 *   [1, K, 6] rows of x1, y1, x2, y2, score, class id, K = max_det (300),
 *   unused rows zero-padded.
 * Like ultralytics' own NMS (multi_label off), a box keeps its best class;
 * our NMS then merges car/truck/bus, which the in-graph NMS does not.
 */
import type * as ort from "onnxruntime-node";
import {
  type AdapterOptions,
  OnnxDetector,
  type RawDetection,
  type SessionSpec,
} from "./detector.ts";
import { YOLO_NORM } from "./preprocess.ts";
import { registerDetectorFamily } from "./registry.ts";
import type { YoloKind, YoloLayout } from "../../shared/model/model_layout.ts";

/** Decodes one YOLO output tensor into candidates (input pixels), best class per box. */
export function decodeYolo(
  data: Float32Array,
  layout: Omit<YoloLayout, "output">,
  minConf: number,
  mask: Uint8Array | null,
): RawDetection[] {
  const { kind, numClasses: C, count: N, transposed } = layout;
  const out: RawDetection[] = [];
  if (kind === "yolo-nms") {
    for (let i = 0; i < N; i++) {
      const o = i * 6;
      const score = data[o + 4];
      const cls = Math.round(data[o + 5]);
      if (!(score >= minConf) || cls < 0 || (mask && !mask[cls])) continue;
      out.push({
        classId: cls,
        score,
        x1: data[o],
        y1: data[o + 1],
        x2: data[o + 2],
        y2: data[o + 3],
      });
    }
    return out;
  }
  const attrs = kind === "yolov5" ? 5 + C : 4 + C;
  const first = kind === "yolov5" ? 5 : 4;
  // Element (box i, attribute a) lives at i*attrs + a, or a*N + i when transposed.
  const si = transposed ? 1 : attrs;
  const sa = transposed ? N : 1;
  for (let i = 0; i < N; i++) {
    const b = i * si;
    const obj = kind === "yolov5" ? data[b + 4 * sa] : 1;
    if (obj < minConf) continue; // class scores are <= 1, so the product cannot pass
    let best = -1, bestScore = -Infinity;
    for (let c = 0; c < C; c++) {
      if (mask && !mask[c]) continue;
      const s = data[b + (first + c) * sa];
      if (s > bestScore) {
        bestScore = s;
        best = c;
      }
    }
    const score = bestScore * obj;
    if (best < 0 || !(score >= minConf)) continue;
    const cx = data[b], cy = data[b + sa], w = data[b + 2 * sa], h = data[b + 3 * sa];
    out.push({
      classId: best,
      score,
      x1: cx - w / 2,
      y1: cy - h / 2,
      x2: cx + w / 2,
      y2: cy + h / 2,
    });
  }
  return out;
}

export class YoloDetector extends OnnxDetector {
  readonly kind: YoloKind;

  constructor(spec: SessionSpec, private readonly _layout: YoloLayout, opts: AdapterOptions = {}) {
    // Upstream predict defaults: IoU 0.45 (yolov5 detect.py), 0.7 (ultralytics v8+).
    super(spec, opts, {
      resize: "letterbox",
      iouThreshold: _layout.kind === "yolov5" ? 0.45 : 0.7,
    });
    this.kind = _layout.kind;
  }

  protected decode(
    res: ort.InferenceSession.OnnxValueMapType,
    minConf: number,
    mask: Uint8Array | null,
  ): RawDetection[] {
    return decodeYolo(res[this._layout.output].data as Float32Array, this._layout, minConf, mask);
  }
}

registerDetectorFamily({
  kinds: ["yolov5", "yolov8", "yolo-nms"],
  // Ultralytics exports take either layout; the tensor is written the way the input declares it.
  norm: (inputLayout) => ({ ...YOLO_NORM, layout: inputLayout }),
  create: (spec, layout, opts) => new YoloDetector(spec, layout as YoloLayout, opts),
});
