/**
 * The label vocabulary the pipeline reasons about (COCO names, as the detectors emit them).
 */

/**
 * Road vehicles. Detectors confuse these classes on one object, so they are one thing everywhere:
 * one suppression group in NMS, one association group in the tracker, the labels the stop judge
 * judges, and (with people) the classes a camera detects by default.
 */
export const VEHICLE_LABELS: readonly string[] = Object.freeze([
  "car",
  "truck",
  "bus",
  "motorcycle",
]);

/** Classes a camera detects when its config names none: people and vehicles. */
export const DEFAULT_CLASSES: readonly string[] = Object.freeze(["person", ...VEHICLE_LABELS]);

/** Whether a label is a road vehicle. */
export function isVehicle(label: string): boolean {
  return VEHICLE_LABELS.includes(label);
}

/**
 * Detectors confuse the vehicle classes; they are one object for association (the tracker) and
 * for merging boxes across detection sources (analyzer/pipeline/regions.ts).
 */
export function classGroup(label: string): string {
  return isVehicle(label) ? "vehicle" : label;
}
