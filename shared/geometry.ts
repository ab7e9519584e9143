/** Geometry helpers shared by the analyzer and the browser. Boxes are [x, y, w, h]. */

export type Box = [number, number, number, number];
export type Point = [number, number];

/**
 * Which point of a vehicle's box stands for the vehicle on the road: `bottom_center` is where
 * the wheels touch the ground (supervision's and Frigate's default; right under perspective),
 * `center` the box centre (only right for a camera looking straight down).
 */
export type Anchor = "bottom_center" | "center";
export const ANCHORS: readonly Anchor[] = ["bottom_center", "center"];

/** The anchor point of a box [x, y, w, h] (in the box's own space, pixels or normalized). */
export function anchorPoint(box: Box, anchor: Anchor): Point {
  return [box[0] + box[2] / 2, anchor === "center" ? box[1] + box[3] / 2 : box[1] + box[3]];
}

export function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

/** Round to a fixed number of decimals (the tick contract allows 4-6). */
export function round(v: number, decimals = 5): number {
  const f = 10 ** decimals;
  return Math.round(v * f) / f;
}

/** Pixel box in a frame of size w x h -> normalized [0,1] box, clamped to the frame. */
export function normalizeBox(box: Box, frameW: number, frameH: number, decimals = 5): Box {
  const x0 = clamp(box[0] / frameW, 0, 1);
  const y0 = clamp(box[1] / frameH, 0, 1);
  const x1 = clamp((box[0] + box[2]) / frameW, 0, 1);
  const y1 = clamp((box[1] + box[3]) / frameH, 0, 1);
  return [
    round(x0, decimals),
    round(y0, decimals),
    round(x1 - x0, decimals),
    round(y1 - y0, decimals),
  ];
}

/** The area two boxes in the same space share (0 when they do not overlap). */
export function intersectionArea(a: Box, b: Box): number {
  const w = Math.min(a[0] + a[2], b[0] + b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[1] + a[3], b[1] + b[3]) - Math.max(a[1], b[1]);
  return w > 0 && h > 0 ? w * h : 0;
}

/** Intersection over union of two boxes in the same space. */
export function iou(a: Box, b: Box): number {
  const inter = intersectionArea(a, b);
  if (inter <= 0) return 0;
  return inter / (a[2] * a[3] + b[2] * b[3] - inter);
}

/** Where content of size contentW x contentH is drawn inside an element of size elW x elH. */
export interface ContentRect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/**
 * The rectangle the video picture occupies inside its element, as CSS `object-fit` lays it out.
 * `contain` letterboxes (bars), `cover` crops, `fill` stretches.
 */
export function contentRect(
  contentW: number,
  contentH: number,
  elW: number,
  elH: number,
  fit: "contain" | "cover" | "fill" = "contain",
): ContentRect {
  if (fit === "fill" || contentW <= 0 || contentH <= 0) return { x: 0, y: 0, w: elW, h: elH };
  const scale = fit === "contain"
    ? Math.min(elW / contentW, elH / contentH)
    : Math.max(elW / contentW, elH / contentH);
  const w = contentW * scale;
  const h = contentH * scale;
  return { x: (elW - w) / 2, y: (elH - h) / 2, w, h };
}

/** Normalized box -> pixel box inside a content rectangle, optionally scaled (devicePixelRatio). */
export function boxToRect(box: Box, rect: ContentRect, scale = 1): Box {
  return [
    (rect.x + box[0] * rect.w) * scale,
    (rect.y + box[1] * rect.h) * scale,
    box[2] * rect.w * scale,
    box[3] * rect.h * scale,
  ];
}
