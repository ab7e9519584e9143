/// <reference lib="dom" />
/** Minimal SVG element builder and axis helpers for the hand-drawn charts. */

const _NS = "http://www.w3.org/2000/svg";

export function svg(
  tag: string,
  attrs: Record<string, string | number> = {},
  ...children: (SVGElement | string | null)[]
): SVGElement {
  const el = document.createElementNS(_NS, tag) as SVGElement;
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) {
    if (c === null) continue;
    el.append(typeof c === "string" ? document.createTextNode(c) : c);
  }
  return el;
}

/** "Nice" axis maximum and tick step for values up to `max` (1, 2, 5 x 10^n steps). */
export function niceScale(max: number, ticks = 4): { max: number; step: number } {
  if (!(max > 0)) return { max: 1, step: 1 };
  const raw = max / ticks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  return { max: Math.ceil(max / step) * step, step };
}

export interface Frame {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/** Horizontal grid lines with y labels; returns the group. */
export function yAxis(f: Frame, max: number, step: number, fmt = (v: number) => String(v)) {
  const g = svg("g", { class: "axis" });
  const ih = f.height - f.top - f.bottom;
  for (let v = 0; v <= max + 1e-9; v += step) {
    const y = f.top + ih - (v / max) * ih;
    g.append(
      svg("line", { x1: f.left, x2: f.width - f.right, y1: y, y2: y, class: "grid" }),
      svg(
        "text",
        { x: f.left - 6, y: y + 4, "text-anchor": "end" },
        fmt(Math.round(v * 100) / 100),
      ),
    );
  }
  return g;
}
