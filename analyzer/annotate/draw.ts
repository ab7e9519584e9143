/**
 * Drawing the analysis into an RGB24 frame (issue #14 §6): track boxes, ids, the stop zone and
 * live stop timers, for clients that play a stream but cannot draw an overlay (VLC, a Home
 * Assistant camera entity). Plain loops over the buffer: no canvas, no native dependency.
 */
import type { Box, Point } from "../../shared/geometry.ts";

import type { RgbImage } from "../capture/crop.ts";
export type { RgbImage };

export type Rgb = readonly [number, number, number];

/** Colours by what the viewer should read: stopped green, moving in the zone red, else white. */
export const ANNOTATE_COLORS = {
  zone: [255, 220, 0] as Rgb,
  stopped: [0, 230, 0] as Rgb,
  in_zone: [255, 40, 40] as Rgb,
  other: [255, 255, 255] as Rgb,
  text_bg: [0, 0, 0] as Rgb,
} as const;

/** A 3x5 bitmap font: enough for ids and timers ("#12 3.4s"). Each row is 3 bits, MSB left. */
const _FONT_3X5: Record<string, number[]> = {
  "0": [7, 5, 5, 5, 7],
  "1": [2, 6, 2, 2, 7],
  "2": [7, 1, 7, 4, 7],
  "3": [7, 1, 7, 1, 7],
  "4": [5, 5, 7, 1, 1],
  "5": [7, 4, 7, 1, 7],
  "6": [7, 4, 7, 5, 7],
  "7": [7, 1, 1, 2, 2],
  "8": [7, 5, 7, 5, 7],
  "9": [7, 5, 7, 1, 7],
  "#": [5, 7, 5, 7, 5],
  ".": [0, 0, 0, 0, 2],
  "s": [0, 3, 6, 3, 6],
  " ": [0, 0, 0, 0, 0],
};
const _GLYPH_W = 3;
const _GLYPH_H = 5;

export function setPixel(img: RgbImage, x: number, y: number, c: Rgb): void {
  x = Math.round(x);
  y = Math.round(y);
  if (x < 0 || y < 0 || x >= img.width || y >= img.height) return;
  const i = (y * img.width + x) * 3;
  img.data[i] = c[0];
  img.data[i + 1] = c[1];
  img.data[i + 2] = c[2];
}

export function fillRect(img: RgbImage, x0: number, y0: number, w: number, h: number, c: Rgb) {
  const xa = Math.max(0, Math.round(x0));
  const ya = Math.max(0, Math.round(y0));
  const xb = Math.min(img.width, Math.round(x0 + w));
  const yb = Math.min(img.height, Math.round(y0 + h));
  for (let y = ya; y < yb; y++) {
    let i = (y * img.width + xa) * 3;
    for (let x = xa; x < xb; x++, i += 3) {
      img.data[i] = c[0];
      img.data[i + 1] = c[1];
      img.data[i + 2] = c[2];
    }
  }
}

/** A box outline `thickness_px` wide, drawn inside [x, y, w, h]. */
export function strokeBox(img: RgbImage, box: Box, c: Rgb, thickness_px = 2): void {
  const [x, y, w, h] = box;
  const t = Math.max(1, Math.min(thickness_px, w / 2, h / 2));
  fillRect(img, x, y, w, t, c);
  fillRect(img, x, y + h - t, w, t, c);
  fillRect(img, x, y, t, h, c);
  fillRect(img, x + w - t, y, t, h, c);
}

/** A line (Bresenham), thickened to a square pen of `thickness_px`. */
export function strokeLine(img: RgbImage, a: Point, b: Point, c: Rgb, thickness_px = 2): void {
  let x0 = Math.round(a[0]), y0 = Math.round(a[1]);
  const x1 = Math.round(b[0]), y1 = Math.round(b[1]);
  const dx = Math.abs(x1 - x0), dy = -Math.abs(y1 - y0);
  const sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
  const half = Math.floor(thickness_px / 2);
  let err = dx + dy;
  for (let guard = 0; guard < 100_000; guard++) {
    fillRect(img, x0 - half, y0 - half, thickness_px, thickness_px, c);
    if (x0 === x1 && y0 === y1) break;
    const e2 = 2 * err;
    if (e2 >= dy) {
      err += dy;
      x0 += sx;
    }
    if (e2 <= dx) {
      err += dx;
      y0 += sy;
    }
  }
}

export function strokePolygon(img: RgbImage, points: Point[], c: Rgb, thickness_px = 2): void {
  for (let i = 0; i < points.length; i++) {
    strokeLine(img, points[i], points[(i + 1) % points.length], c, thickness_px);
  }
}

/** Text in the 3x5 font at `scale` px per font pixel, on a black plate so it reads on any scene. */
export function drawText(
  img: RgbImage,
  x: number,
  y: number,
  text: string,
  c: Rgb,
  scale = 2,
): void {
  const advance = (_GLYPH_W + 1) * scale;
  fillRect(img, x - scale, y - scale, text.length * advance + scale, (_GLYPH_H + 2) * scale, [
    ...ANNOTATE_COLORS.text_bg,
  ]);
  for (let k = 0; k < text.length; k++) {
    const rows = _FONT_3X5[text[k]] ?? _FONT_3X5[" "];
    for (let r = 0; r < _GLYPH_H; r++) {
      for (let col = 0; col < _GLYPH_W; col++) {
        if (rows[r] & (1 << (_GLYPH_W - 1 - col))) {
          fillRect(img, x + k * advance + col * scale, y + r * scale, scale, scale, c);
        }
      }
    }
  }
}

export interface AnnotatedTrack {
  id: number;
  /** Source px [x, y, w, h]. */
  box: Box;
  phase: string | null;
  /** Live stop timer of the current visit, s (null: not in the zone). */
  stop_s: number | null;
}

export interface AnnotateInput {
  tracks: AnnotatedTrack[];
  /** The stop zone polygon, normalized 0..1 (config `zones.stop_zone`). */
  stopZone?: Point[];
}

/** Draws zone, boxes, ids and timers onto `img` in place. */
export function annotateFrame(img: RgbImage, input: AnnotateInput): void {
  const scale = Math.max(1, Math.round(img.height / 240));
  const pen = Math.max(2, scale);
  if (input.stopZone) {
    const pts = input.stopZone.map(([x, y]) => [x * img.width, y * img.height] as Point);
    strokePolygon(img, pts, ANNOTATE_COLORS.zone, pen);
  }
  for (const t of input.tracks) {
    if (t.id === 0) continue; // tentative: not shown on the live overlay either
    const color = t.phase === "stopped"
      ? ANNOTATE_COLORS.stopped
      : t.phase === "in_zone"
      ? ANNOTATE_COLORS.in_zone
      : ANNOTATE_COLORS.other;
    strokeBox(img, t.box, color, pen);
    const label = t.stop_s !== null ? `#${t.id} ${t.stop_s.toFixed(1)}s` : `#${t.id}`;
    const textH = (_GLYPH_H + 2) * scale;
    const above = t.box[1] - textH - pen;
    drawText(
      img,
      t.box[0] + scale,
      above >= 0 ? above + scale : t.box[1] + pen + scale,
      label,
      color,
      scale,
    );
  }
}
