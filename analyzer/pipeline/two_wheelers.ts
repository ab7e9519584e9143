/**
 * Cyclists taken for motorcycles (issue #12 item 5, one track per real vehicle). NanoDet-g scores
 * a person on a bicycle as `motorcycle` and `bicycle` on the same box with near-equal scores: on
 * samples/carpark_bikes.mp4 (32.2-33.3 s, measured 2026-11-30) the pairs were motorcycle 0.41 /
 * bicycle 0.46, 0.41 / 0.25, 0.46 / 0.33, 0.39 / 0.28, 0.37 / 0.38; `motorcycle` is a vehicle
 * class, so the cyclist became a vehicle track. A motorcycle detection whose box the detector
 * also calls a bicycle, at `BICYCLE_SHARE` of its score or more, is doubtful: the tracker uses it
 * as a low-score detection (it keeps a track alive, never starts one). Not measured: real
 * motorcycles (no bundled footage has one); one the detector scores this way would only be
 * tracked from its unambiguous detections.
 */
import { iou } from "../../shared/geometry.ts";
import type { Detection } from "../detector/detection.ts";

/** The bicycle score, as a share of the motorcycle's on the same box, that makes it doubtful. */
export const BICYCLE_SHARE = 0.5;
/** A bicycle box this similar to a motorcycle box is the same object (IoU). */
export const SAME_BOX_IOU = 0.5;

/** The detector's classes for `tracked`: bicycles too when motorcycles are tracked. */
export function withBicycles(classes: readonly string[]): readonly string[] {
  return classes.includes("motorcycle") && !classes.includes("bicycle")
    ? [...classes, "bicycle"]
    : classes;
}

/** `found` with every motorcycle a bicycle explains marked `doubtful` (a new object; others as is). */
export function markDoubtfulMotorcycles(found: readonly Detection[]): Detection[] {
  const bikes = found.filter((d) => d.label === "bicycle");
  if (bikes.length === 0) return [...found];
  return found.map((d) =>
    d.label === "motorcycle" &&
      bikes.some((b) => b.conf >= BICYCLE_SHARE * d.conf && iou(b.box, d.box) >= SAME_BOX_IOU)
      ? { ...d, doubtful: true }
      : d
  );
}
