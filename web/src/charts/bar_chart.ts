/// <reference lib="dom" />
/**
 * Stacked bar chart in SVG (passes per hour by verdict, verdict totals, stop-duration
 * histogram). Each bar carries a <title> so hovering shows the exact numbers.
 */
import { type Frame, niceScale, svg, yAxis } from "./svg.ts";

export interface BarSeries {
  key: string;
  color: string;
  label: string;
}

export interface BarChartOptions {
  bars: { label: string; values: Record<string, number> }[];
  series: BarSeries[];
  width?: number;
  height?: number;
  /** Show every n-th x label (dense hourly axes). */
  labelEvery?: number;
  title: string;
}

export function barChart(o: BarChartOptions): SVGElement {
  const f: Frame = {
    width: o.width ?? 640,
    height: o.height ?? 220,
    left: 40,
    right: 10,
    top: 12,
    bottom: 28,
  };
  const totals = o.bars.map((b) => o.series.reduce((s, x) => s + (b.values[x.key] ?? 0), 0));
  const { max, step } = niceScale(Math.max(0, ...totals));
  const iw = f.width - f.left - f.right;
  const ih = f.height - f.top - f.bottom;
  const slot = iw / Math.max(1, o.bars.length);
  const bw = Math.max(1, slot * 0.75);
  // Drawn at its own size (shrinks to fit, never upscales: text keeps its size).
  const root = svg("svg", {
    viewBox: `0 0 ${f.width} ${f.height}`,
    width: f.width,
    height: f.height,
    class: "chart",
    role: "img",
    "aria-label": o.title,
  });
  root.append(yAxis(f, max, step));
  const every = o.labelEvery ?? 1;
  o.bars.forEach((b, i) => {
    const x = f.left + i * slot + (slot - bw) / 2;
    let y = f.top + ih;
    const g = svg("g", { class: "bar", "data-label": b.label });
    for (const s of o.series) {
      const v = b.values[s.key] ?? 0;
      if (v <= 0) continue;
      const hgt = (v / max) * ih;
      y -= hgt;
      g.append(
        svg(
          "rect",
          { x, y, width: bw, height: hgt, fill: s.color },
          svg("title", {}, `${b.label} · ${s.label}: ${v}`),
        ),
      );
    }
    root.append(g);
    if (i % every === 0) {
      root.append(
        svg("text", { x: x + bw / 2, y: f.height - 10, "text-anchor": "middle" }, b.label),
      );
    }
  });
  return root;
}

/** A legend row for the series (HTML, so it wraps). */
export function legend(series: BarSeries[]): HTMLElement {
  const el = document.createElement("div");
  el.className = "legend";
  for (const s of series) {
    const item = document.createElement("span");
    const sw = document.createElement("i");
    sw.style.background = s.color;
    item.append(sw, s.label);
    el.append(item);
  }
  return el;
}
