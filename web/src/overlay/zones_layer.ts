/// <reference lib="dom" />
/**
 * Drawing the stop zone polygon and the pre-stop / capture lines (normalized to the source
 * frame) onto the overlay canvas, mapped through the same letterbox rectangle as the boxes.
 * Shared by the live overlay and the zone editor, so the editor shows exactly what is judged.
 */
import type { ContentRect, Point } from "../../../shared/geometry.ts";
import type { Zones } from "../../../shared/config.ts";

export const ZONE_COLORS = {
  stop_zone: "#ffb300",
  pre_stop_line: "#4fc3f7",
  capture_line: "#e040fb",
} as const;

export const VERDICT_COLORS: Record<string, string> = {
  full_stop: "#66bb6a",
  rolling_stop: "#ffb300",
  no_stop: "#ef5350",
};

/** Normalized point -> device pixels inside the content rectangle. */
export function toPixels(p: Point, rect: ContentRect, dpr: number): Point {
  return [(rect.x + p[0] * rect.w) * dpr, (rect.y + p[1] * rect.h) * dpr];
}

/** Element CSS pixels -> normalized source coordinates, clamped to the frame. */
export function toNormalized(x: number, y: number, rect: ContentRect): Point {
  const c = (v: number) => Math.min(1, Math.max(0, v));
  const r = (v: number) => Math.round(v * 10000) / 10000;
  return [r(c((x - rect.x) / rect.w)), r(c((y - rect.y) / rect.h))];
}

export interface ZoneStyle {
  /** Fill the stop zone with this colour (verdict flash), at `fillAlpha`. */
  fill?: string;
  fillAlpha?: number;
}

export function drawZones(
  ctx: CanvasRenderingContext2D,
  zones: Zones,
  rect: ContentRect,
  dpr: number,
  style: ZoneStyle = {},
): void {
  ctx.save();
  ctx.lineWidth = Math.max(1, 2 * dpr);
  const poly = zones.stop_zone.map((p) => toPixels(p as Point, rect, dpr));
  ctx.beginPath();
  poly.forEach(([x, y], i) => (i ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
  ctx.closePath();
  ctx.globalAlpha = style.fill ? style.fillAlpha ?? 0.35 : 0.08;
  ctx.fillStyle = style.fill ?? ZONE_COLORS.stop_zone;
  ctx.fill();
  ctx.globalAlpha = 0.9;
  ctx.strokeStyle = ZONE_COLORS.stop_zone;
  ctx.stroke();
  ctx.font = `600 ${Math.round(11 * dpr)}px system-ui, sans-serif`;
  ctx.fillStyle = ZONE_COLORS.stop_zone;
  ctx.fillText("stop zone", poly[0][0] + 4 * dpr, poly[0][1] + 14 * dpr);
  for (const key of ["pre_stop_line", "capture_line"] as const) {
    const line = zones[key];
    if (!line) continue;
    const [a, b] = line.map((p) => toPixels(p as Point, rect, dpr));
    ctx.strokeStyle = ctx.fillStyle = ZONE_COLORS[key];
    ctx.setLineDash([8 * dpr, 6 * dpr]);
    ctx.beginPath();
    ctx.moveTo(a[0], a[1]);
    ctx.lineTo(b[0], b[1]);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillText(key === "pre_stop_line" ? "pre-stop" : "capture", a[0] + 4 * dpr, a[1] - 4 * dpr);
  }
  ctx.restore();
}
