/**
 * Greedy non-maximum suppression over labelled boxes.
 *
 * Classes can be merged into one suppression group: detectors often fire
 * "car" and "truck" (or "bus") on the same vehicle, and a stop-sign tracker
 * wants one box per vehicle, not two overlapping ones with different labels.
 * Within a group the highest-scoring box wins and keeps its own label.
 */

import { VEHICLE_LABELS } from "../../shared/labels.ts";

/** Anything with a label, a confidence and an [x, y, w, h] box. */
export interface NmsBox {
  label: string;
  conf: number;
  box: [number, number, number, number];
}

export interface NmsOptions {
  /** Boxes overlapping a kept box of the same group by more than this IoU are dropped. */
  iouThreshold?: number;
  /** Labels that suppress each other, e.g. [["car", "truck", "bus"]]. */
  mergeGroups?: readonly (readonly string[])[];
  /** Upper bound on the number of boxes returned (highest confidence first). */
  maxDetections?: number;
}

/** Vehicles are merged by default: the tracker counts vehicles, not COCO classes. */
export const VEHICLE_GROUP: readonly string[] = VEHICLE_LABELS;

/** Intersection over union of two [x, y, w, h] boxes; 0 for empty boxes. */
export function iou(
  a: readonly [number, number, number, number],
  b: readonly [number, number, number, number],
): number {
  const ix = Math.min(a[0] + a[2], b[0] + b[2]) - Math.max(a[0], b[0]);
  const iy = Math.min(a[1] + a[3], b[1] + b[3]) - Math.max(a[1], b[1]);
  if (ix <= 0 || iy <= 0) return 0;
  const inter = ix * iy;
  const union = a[2] * a[3] + b[2] * b[3] - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * Returns the kept items sorted by confidence (descending). Does not mutate
 * the input. Labels not in any merge group form their own group.
 */
export function nms<T extends NmsBox>(items: readonly T[], opts: NmsOptions = {}): T[] {
  const thr = opts.iouThreshold ?? 0.6;
  const max = opts.maxDetections ?? Infinity;
  const groupOf = new Map<string, string>();
  (opts.mergeGroups ?? [VEHICLE_GROUP]).forEach((g, i) => {
    for (const label of g) groupOf.set(label, `\u0000group${i}`);
  });
  // Index order breaks ties so the result is deterministic.
  const order = items.map((_, i) => i).sort((a, b) => items[b].conf - items[a].conf || a - b);
  const keptByGroup = new Map<string, T[]>();
  const kept: T[] = [];
  for (const i of order) {
    if (kept.length >= max) break;
    const it = items[i];
    if (!(it.box[2] > 0 && it.box[3] > 0)) continue; // degenerate boxes never survive
    const g = groupOf.get(it.label) ?? it.label;
    let list = keptByGroup.get(g);
    if (!list) keptByGroup.set(g, list = []);
    if (list.some((k) => iou(k.box, it.box) > thr)) continue;
    list.push(it);
    kept.push(it);
  }
  return kept;
}
