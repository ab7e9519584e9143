/// <reference lib="dom" />
/**
 * Ground calibration in the zone editor (issue #12 §4): the operator clicks the four corners of
 * a road rectangle of known size on the live frame (near-left, near-right, far-right, far-left:
 * e.g. a lane's width and the distance between two stop-line marks), types its width and length
 * in metres, sees the implied 1 m grid drawn on the road, with warnings when it looks
 * implausible, and saves it as the camera's `calibration` through PUT /api/config (If-Match).
 */
import type { Point } from "../../../shared/geometry.ts";
import { h, replace } from "../dom.ts";
import { toNormalized } from "../overlay/zones_layer.ts";
import {
  type Calibration,
  calibrationError,
  calibrationGrid,
  calibrationWarnings,
  rectangleGround,
} from "./calibration_model.ts";
import { type ConfigDoc, saveCalibration } from "./config_client.ts";

const SVG = "http://www.w3.org/2000/svg";
const CORNERS = ["near-left", "near-right", "far-right", "far-left"];

export interface CalibrationPanelOptions {
  video: HTMLVideoElement;
  /** Where the overlay goes (over the video, as the zone handles). */
  layer: HTMLElement;
  camera: string;
  /** The picture's letterboxed rectangle inside the video element. */
  rect: () => { x: number; y: number; w: number; h: number };
  doc: () => ConfigDoc;
  onSaved: (doc: ConfigDoc) => void;
}

export class CalibrationPanel {
  readonly element: HTMLElement;
  readonly #o: CalibrationPanelOptions;
  readonly #overlay: HTMLDivElement;
  readonly #svg: SVGSVGElement;
  readonly #width: HTMLInputElement;
  readonly #length: HTMLInputElement;
  readonly #warnings: HTMLElement;
  readonly #status: HTMLElement;
  #image: Point[] = [];
  #placing = false;

  constructor(opts: CalibrationPanelOptions) {
    this.#o = opts;
    const saved = opts.doc().config.cameras[opts.camera]?.calibration as Calibration | undefined;
    const rectSize = saved ? _rectangleSize(saved.ground) : null;
    if (saved && rectSize) this.#image = saved.image.map((p) => [p[0], p[1]] as Point);
    const num = (id: string, value: number | undefined) =>
      h("input", {
        id,
        type: "number",
        min: "0.1",
        step: "0.1",
        value: value ?? "",
        style: "width: 5em",
        oninput: () => this.#draw(),
      });
    this.#width = num("calib-width", rectSize?.[0]);
    this.#length = num("calib-length", rectSize?.[1]);
    this.#warnings = h("ul", { id: "calib-warnings", class: "zone-issues" });
    this.#status = h("span", { id: "calib-status", class: "zone-status", role: "status" });
    this.element = h(
      "div",
      { id: "calib-panel", class: "zone-note" },
      h("b", {}, "Ground calibration "),
      h(
        "button",
        { id: "calib-place", type: "button", onclick: () => this.#startPlacing() },
        "Place 4 points",
      ),
      " width ",
      this.#width,
      " m, length ",
      this.#length,
      " m ",
      h("button", { id: "calib-save", type: "button", onclick: () => this.save() }, "Save"),
      " ",
      this.#status,
      this.#warnings,
    );
    this.#svg = document.createElementNS(SVG, "svg");
    this.#svg.setAttribute("id", "calib-grid");
    this.#svg.setAttribute("viewBox", "0 0 1 1");
    this.#svg.setAttribute("preserveAspectRatio", "none");
    this.#svg.style.cssText = "position:absolute;inset:0;width:100%;height:100%;overflow:visible";
    this.#overlay = h("div", { id: "calib-layer", class: "calib-layer" });
    // Above the zone handles, so a click on a corner that sits on one places the point.
    this.#overlay.style.cssText = "position:absolute;pointer-events:none;z-index:2";
    this.#overlay.append(this.#svg);
    this.#overlay.addEventListener("click", (e) => this.#click(e));
    opts.layer.append(this.#overlay);
    this.place();
  }

  destroy(): void {
    this.#overlay.remove();
    this.element.remove();
  }

  /** The calibration as it would be saved, or null while incomplete. */
  get calibration(): Calibration | null {
    const w = Number(this.#width.value), l = Number(this.#length.value);
    if (this.#image.length !== 4 || !(w > 0) || !(l > 0)) return null;
    return { image: this.#image, ground: rectangleGround(w, l) };
  }

  /** Follow the picture's letterbox (called by the editor on resize). */
  place(): void {
    const v = this.#o.video, r = this.#o.rect();
    Object.assign(this.#overlay.style, {
      left: `${v.offsetLeft + r.x}px`,
      top: `${v.offsetTop + r.y}px`,
      width: `${r.w}px`,
      height: `${r.h}px`,
    });
    this.#draw();
  }

  #startPlacing(): void {
    this.#image = [];
    this.#placing = true;
    this.#overlay.style.pointerEvents = "auto";
    this.#overlay.style.cursor = "crosshair";
    this.#setStatus(`click the ${CORNERS[0]} corner`);
    this.#draw();
  }

  #click(e: MouseEvent): void {
    if (!this.#placing) return;
    const v = this.#o.video.getBoundingClientRect();
    const p = toNormalized(e.clientX - v.left, e.clientY - v.top, this.#o.rect());
    this.#image.push([_r4(p[0]), _r4(p[1])]);
    if (this.#image.length === 4) {
      this.#placing = false;
      this.#overlay.style.pointerEvents = "none";
      this.#overlay.style.cursor = "";
      this.#setStatus("");
    } else this.#setStatus(`click the ${CORNERS[this.#image.length]} corner`);
    this.#draw();
  }

  #setStatus(text: string, state = ""): void {
    this.#status.textContent = text;
    this.#status.dataset.state = state;
  }

  /** Points, the quadrilateral and (when complete) the road grid and the warnings. */
  #draw(): void {
    const el = (tag: string, attrs: Record<string, string>) => {
      const n = document.createElementNS(SVG, tag);
      for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v);
      n.setAttribute("vector-effect", "non-scaling-stroke");
      return n;
    };
    const pts = (l: Point[]) => l.map((p) => `${p[0]},${p[1]}`).join(" ");
    const nodes: Element[] = [];
    const c = this.calibration;
    const problem = c ? calibrationError(c) : null;
    if (c && !problem) {
      for (const line of calibrationGrid(c)) {
        nodes.push(el("polyline", {
          class: "calib-grid-line",
          points: pts(line),
          fill: "none",
          stroke: "#7fdbff",
          "stroke-width": "1",
          "stroke-opacity": "0.7",
        }));
      }
    }
    if (this.#image.length >= 2) {
      nodes.push(el(this.#image.length === 4 ? "polygon" : "polyline", {
        points: pts(this.#image),
        fill: "none",
        stroke: "#ffdc00",
        "stroke-width": "2",
      }));
    }
    this.#image.forEach((p, i) => {
      const dot = el("circle", { cx: String(p[0]), cy: String(p[1]), r: "0.006", fill: "#ffdc00" });
      dot.setAttribute("data-calib", String(i));
      nodes.push(dot);
    });
    this.#svg.replaceChildren(...nodes);
    const notes = problem ? [problem] : c ? calibrationWarnings(c) : [];
    replace(this.#warnings, ...notes.map((m) => h("li", {}, m)));
  }

  async save(): Promise<void> {
    const c = this.calibration;
    if (!c) return this.#setStatus("place four points and type both distances", "error");
    const problem = calibrationError(c);
    if (problem) return this.#setStatus(problem, "error");
    this.#setStatus("saving…");
    const r = await saveCalibration(this.#o.doc(), this.#o.camera, c);
    if (r.ok) {
      this.#o.onSaved(r.doc);
      this.#setStatus("calibration saved", "ok");
    } else if (r.kind === "invalid") {
      const first = r.issues.find((i) => /calibration/.test(i.path));
      this.#setStatus(first ? `${first.path}: ${first.message}` : r.message, "error");
    } else this.#setStatus(r.message, "error");
  }
}

function _r4(v: number): number {
  return Math.round(Math.min(1, Math.max(0, v)) * 1e4) / 1e4;
}

/** [width, length] when the ground points are the rectangle this panel writes, else null. */
function _rectangleSize(ground: Point[]): [number, number] | null {
  if (ground.length !== 4) return null;
  const [w, l] = [ground[2][0], ground[2][1]];
  const want = rectangleGround(w, l);
  return ground.every((p, i) => p[0] === want[i][0] && p[1] === want[i][1]) ? [w, l] : null;
}
