/**
 * Ultralytics YOLO family: one [1, A, B] prediction tensor (old yolov5 exports add raw 5-D
 * per-level heads; those are ignored). yolov5 [1, N, 5+C], yolov8/11 [1, 4+C, N] (or
 * untransposed), and post-NMS [1, K, 6].
 */
import { type LayoutQuery, type ModelLayout, registerLayout } from "../layout_registry.ts";
import { COCO_LABELS } from "../coco_labels.ts";

export type YoloKind = "yolov5" | "yolov8" | "yolo-nms";

export interface YoloLayout extends ModelLayout {
  kind: YoloKind;
  output: string;
  numClasses: number;
  /** Number of candidate boxes. */
  count: number;
  /** true when attributes are rows ([1, 4+C, N], the v8 export); false for one row per box. */
  transposed: boolean;
}

/** YOLO prediction cells for strides 8/16/32 (and 64 for P6 models). */
export function yoloCells(w: number, h: number, strides: number[]): number {
  return strides.reduce((a, s) => a + Math.ceil(w / s) * Math.ceil(h / s), 0);
}

registerLayout({
  family: "YOLO",
  supported: "YOLOv5 [1,N,5+C], YOLOv8/11 [1,4+C,N], YOLO with NMS [1,K,6]",
  recognize({ outputs, inputW, inputH, names }: LayoutQuery) {
    const rank3 = outputs.filter((o) => o.shape.length === 3 && o.shape[0] === 1);
    const extrasOk = outputs.every((o) => o.shape.length === 3 || o.shape.length === 5);
    if (rank3.length !== 1 || !extrasOk) return null;
    const o = rank3[0];
    const [, a, b] = o.shape;
    const cells = [
      yoloCells(inputW, inputH, [8, 16, 32]),
      yoloCells(inputW, inputH, [8, 16, 32, 64]),
    ];
    const isV5Count = cells.some((c) => a === 3 * c);
    const base = { output: o.name, transposed: false };
    if (b === 6 && !isV5Count && a <= 1000 && !cells.includes(a)) {
      // A post-NMS output carries class ids, not a class count: trust the names, else assume COCO.
      const numClasses = names?.length ?? COCO_LABELS.length;
      const layout: YoloLayout = { ...base, kind: "yolo-nms", numClasses, count: a };
      return layout;
    }
    if (a < b && a > 4) {
      // [1, 4+C, N]: the ultralytics v8/v11 export.
      const layout: YoloLayout = {
        ...base,
        kind: "yolov8",
        numClasses: a - 4,
        count: b,
        transposed: true,
      };
      return layout;
    }
    if (a >= b && cells.includes(a) && b > 4) {
      const layout: YoloLayout = { ...base, kind: "yolov8", numClasses: b - 4, count: a };
      return layout;
    }
    if (a >= b && b > 5) {
      const layout: YoloLayout = { ...base, kind: "yolov5", numClasses: b - 5, count: a };
      return layout;
    }
    return { not: `[1,${a},${b}] is no YOLO layout` };
  },
});
