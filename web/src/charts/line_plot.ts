/// <reference lib="dom" />
/**
 * Speed over time for one pass, in SVG: the speed line, each sample as a dot coloured by its
 * phase, the stopped stretches shaded, and optionally the stop-speed threshold.
 */
import { type Frame, niceScale, svg, yAxis } from "./svg.ts";

export interface PlotPoint {
  /** Seconds from the first sample. */
  t: number;
  v: number;
  phase: string | null;
}

const _PHASE = {
  approach: "#4fc3f7",
  in_zone: "#ffb300",
  stopped: "#ef5350",
  leaving: "#66bb6a",
} as Record<string, string>;

export function speedPlot(
  points: PlotPoint[],
  /** `unit`: the y axis unit, taken from the plotted field's name (see units.ts). */
  opts: { width?: number; height?: number; threshold?: number; unit?: string } = {},
): SVGElement {
  const f: Frame = {
    width: opts.width ?? 640,
    height: opts.height ?? 240,
    left: 44,
    right: 12,
    top: 22,
    bottom: 30,
  };
  const iw = f.width - f.left - f.right;
  const ih = f.height - f.top - f.bottom;
  const tMax = Math.max(0.001, ...points.map((p) => p.t));
  const y = niceScale(Math.max(opts.threshold ?? 0, ...points.map((p) => p.v)));
  const px = (t: number) => f.left + (t / tMax) * iw;
  const py = (v: number) => f.top + ih - (v / y.max) * ih;
  const root = svg("svg", {
    viewBox: `0 0 ${f.width} ${f.height}`,
    width: f.width,
    height: f.height,
    class: "chart speed-plot",
    role: "img",
    "aria-label": "speed over time",
  });
  // The time axis, for a cursor and click-to-seek laid over the plot (pass replay).
  Object.assign(root.dataset, {
    plotLeft: String(f.left),
    plotTop: String(f.top),
    plotWidth: String(iw),
    plotHeight: String(ih),
    viewWidth: String(f.width),
    tMax: String(tMax),
  });
  // Shade each run of stopped samples first, so the line draws over it.
  for (let i = 0; i < points.length; i++) {
    if (points[i].phase !== "stopped") continue;
    let j = i;
    while (j + 1 < points.length && points[j + 1].phase === "stopped") j++;
    const x0 = px(points[i].t);
    root.append(svg("rect", {
      x: x0,
      y: f.top,
      width: Math.max(2, px(points[j].t) - x0),
      height: ih,
      class: "stopped-band",
    }));
    i = j;
  }
  root.append(yAxis(f, y.max, y.step));
  const xs = niceScale(tMax, 6);
  for (let t = 0; t <= tMax + 1e-9; t += xs.step) {
    root.append(
      svg("text", { x: px(t), y: f.height - 12, "text-anchor": "middle" }, `${+t.toFixed(2)}s`),
    );
  }
  root.append(
    svg("text", { x: f.left - 6, y: 10, "text-anchor": "end", class: "unit" }, opts.unit ?? ""),
  );
  if (opts.threshold !== undefined) {
    const ty = py(opts.threshold);
    root.append(
      svg("line", { x1: f.left, x2: f.width - f.right, y1: ty, y2: ty, class: "threshold" }),
    );
  }
  if (points.length) {
    const d = points.map((p, i) => `${i ? "L" : "M"}${px(p.t).toFixed(1)},${py(p.v).toFixed(1)}`);
    root.append(svg("path", { d: d.join(""), class: "speed-line" }));
  }
  for (const p of points) {
    root.append(svg("circle", {
      cx: px(p.t),
      cy: py(p.v),
      r: 2.5,
      fill: _PHASE[p.phase ?? ""] ?? "#b0bec5",
      class: "sample",
    }));
  }
  return root;
}
