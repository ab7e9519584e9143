/// <reference lib="dom" />
/**
 * Zone editor on the live frame: drag the stop-zone corners and the line end points (handles
 * are DOM elements over the video, positioned through the same letterbox mapping as the
 * overlay), undo (button or Ctrl+Z), revert to saved, save with If-Match. Server validation
 * issues are shown next to the point they name; a 412 says the config changed elsewhere.
 * After a save it watches ticks until the analyzer's zone membership follows the new polygon.
 * A note in the panel says which point of a vehicle's box is judged (the camera's `anchor`), so
 * the operator draws the zone and lines where that point travels (the road surface by default).
 * Below, the ground calibration (calibration_panel.ts): four road points and their distances.
 */
import { type Anchor, contentRect, type Point } from "../../../shared/geometry.ts";
import type { Zones } from "../../../shared/config.ts";
import type { Tick } from "../../../shared/tick.ts";
import { h, replace } from "../dom.ts";
import { toNormalized } from "../overlay/zones_layer.ts";
import { CalibrationPanel } from "./calibration_panel.ts";
import { type ConfigDoc, fetchConfig, type Issue, saveZones } from "./config_client.ts";
import {
  defaultZones,
  type Handle,
  handleForPath,
  handleId,
  handlesOf,
  ZoneEditModel,
} from "./zone_model.ts";
import { ticksAgree } from "./zones_check.ts";

/** The panel's explanation of which point of a vehicle the zones and lines are tested with. */
export function anchorNote(anchor: Anchor): string {
  return anchor === "center"
    ? "Judged point: the centre of each vehicle's box (the dot). Draw the zone and lines where " +
      "box centres pass."
    : "Judged point: the bottom centre of each vehicle's box, where it touches the road (the " +
      "dot). Draw the zone and lines on the road surface.";
}

export interface ZoneEditorOptions {
  stage: HTMLElement;
  video: HTMLVideoElement;
  camera: string;
  doc: ConfigDoc;
  /** The working copy changed (the overlay draws it). */
  onZones: (zones: Zones) => void;
  /** A save went through: the page's notion of the saved config. */
  onSaved: (doc: ConfigDoc) => void;
  onClose: () => void;
}

export class ZoneEditor {
  readonly #o: ZoneEditorOptions;
  #doc: ConfigDoc;
  #model: ZoneEditModel;
  readonly #layer: HTMLDivElement;
  readonly #panel: HTMLDivElement;
  readonly #status: HTMLElement;
  readonly #issues: HTMLElement;
  #handles = new Map<string, HTMLDivElement>();
  #issueByHandle = new Map<string, string>();
  #drag: Handle | undefined;
  #watch: { zones: Zones; since: number; sinceWall: number } | undefined;
  readonly #observer: ResizeObserver;
  readonly #calibration: CalibrationPanel;
  readonly #onKey = (e: KeyboardEvent) => {
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "z") {
      e.preventDefault();
      this.#undo();
    }
  };

  constructor(opts: ZoneEditorOptions) {
    this.#o = opts;
    this.#doc = opts.doc;
    this.#model = new ZoneEditModel(this.#camZones());
    this.#layer = h("div", { class: "zone-layer", id: "zone-layer" });
    this.#status = h("span", { id: "zone-status", class: "zone-status", role: "status" });
    this.#issues = h("ul", { id: "zone-issues", class: "zone-issues" });
    this.#panel = h(
      "div",
      { class: "zone-panel", id: "zone-panel" },
      h("b", {}, `Zones · ${opts.camera}`),
      h("button", { id: "zone-undo", type: "button", onclick: () => this.#undo() }, "Undo"),
      h("button", { id: "zone-revert", type: "button", onclick: () => this.#revert() }, "Revert"),
      h(
        "button",
        { id: "zone-save", type: "button", class: "primary", onclick: () => this.save() },
        "Save",
      ),
      h("button", { id: "zone-close", type: "button", onclick: () => opts.onClose() }, "Done"),
      h("p", { id: "zone-anchor-note", class: "zone-note" }, anchorNote(this.#anchor())),
      this.#status,
      this.#issues,
    );
    this.#calibration = new CalibrationPanel({
      video: opts.video,
      layer: this.#layer,
      camera: opts.camera,
      rect: () => this.#rect(),
      doc: () => this.#doc,
      onSaved: (doc) => {
        this.#doc = doc;
        opts.onSaved(doc);
      },
    });
    this.#panel.append(this.#calibration.element);
    opts.stage.append(this.#layer, this.#panel);
    this.#observer = new ResizeObserver(() => this.#place());
    this.#observer.observe(opts.video);
    opts.video.addEventListener("loadedmetadata", this.#place);
    document.addEventListener("keydown", this.#onKey);
    this.#render();
  }

  destroy(): void {
    this.#observer.disconnect();
    this.#o.video.removeEventListener("loadedmetadata", this.#place);
    document.removeEventListener("keydown", this.#onKey);
    this.#calibration.destroy();
    this.#layer.remove();
    this.#panel.remove();
  }

  get zones(): Zones {
    return this.#model.current;
  }

  /** Called with every tick while the editor is open: confirms the analyzer applied a save. */
  onTick(tick: Tick): void {
    const w = this.#watch;
    // Only frames captured after the save can show the new zones.
    if (!w || tick.ts < w.sinceWall) return;
    const agree = ticksAgree(tick, w.zones, this.#anchor());
    const s = ((performance.now() - w.since) / 1000).toFixed(1);
    if (agree === true) {
      this.#watch = undefined;
      this.#setStatus(`saved · analyzer applied it (${s} s)`, "ok");
    } else if (performance.now() - w.since > 5000) {
      this.#watch = undefined;
      this.#setStatus("saved · analyzer has not confirmed yet (no vehicle clear of the edges)");
    }
  }

  #anchor(): Anchor {
    const a = this.#doc.config.cameras[this.#o.camera]?.anchor;
    return a === "center" ? "center" : "bottom_center";
  }

  #camZones(): Zones {
    return this.#doc.config.cameras[this.#o.camera]?.zones ?? defaultZones();
  }

  #setStatus(text: string, state = ""): void {
    this.#status.textContent = text;
    this.#status.dataset.state = state;
  }

  #render(): void {
    const wanted = new Set(handlesOf(this.#model.current).map(handleId));
    for (const [id, el] of this.#handles) {
      if (!wanted.has(id)) {
        el.remove();
        this.#handles.delete(id);
      }
    }
    for (const hd of handlesOf(this.#model.current)) {
      const id = handleId(hd);
      if (this.#handles.has(id)) continue;
      const el = h("div", {
        class: `handle handle-${hd.key}`,
        "data-handle": id,
        title: id,
        tabindex: 0,
      });
      el.addEventListener("pointerdown", (e) => this.#startDrag(e, hd));
      this.#layer.append(el);
      this.#handles.set(id, el);
    }
    (this.#panel.querySelector("#zone-undo") as HTMLButtonElement).disabled = !this.#model.canUndo;
    (this.#panel.querySelector("#zone-revert") as HTMLButtonElement).disabled = !this.#model.dirty;
    this.#place();
    this.#o.onZones(this.#model.current);
  }

  /** Position the handles (and their issue labels) over the picture. */
  #place = (): void => {
    const v = this.#o.video;
    const rect = this.#rect();
    for (const hd of handlesOf(this.#model.current)) {
      const el = this.#handles.get(handleId(hd));
      if (!el) continue;
      el.style.left = `${v.offsetLeft + rect.x + hd.point[0] * rect.w}px`;
      el.style.top = `${v.offsetTop + rect.y + hd.point[1] * rect.h}px`;
      const issue = this.#issueByHandle.get(handleId(hd));
      el.classList.toggle("invalid", issue !== undefined);
      el.title = issue ? `${handleId(hd)}: ${issue}` : handleId(hd);
      replace(el, issue ? h("span", { class: "handle-issue" }, issue) : null);
    }
    this.#calibration?.place();
  };

  #rect() {
    const v = this.#o.video;
    const w = v.videoWidth || 16;
    const hh = v.videoHeight || 9;
    return contentRect(w, hh, v.clientWidth, v.clientHeight, "contain");
  }

  #startDrag(e: PointerEvent, hd: Handle): void {
    e.preventDefault();
    const el = e.currentTarget as HTMLElement;
    el.setPointerCapture(e.pointerId);
    this.#drag = hd;
    this.#model.beginEdit();
    const move = (ev: PointerEvent) => {
      if (!this.#drag) return;
      const v = this.#o.video.getBoundingClientRect();
      const p: Point = toNormalized(ev.clientX - v.left, ev.clientY - v.top, this.#rect());
      this.#model.movePoint(this.#drag, p);
      this.#place();
      this.#o.onZones(this.#model.current);
    };
    const up = () => {
      this.#drag = undefined;
      this.#model.endEdit();
      el.removeEventListener("pointermove", move);
      el.removeEventListener("pointerup", up);
      el.removeEventListener("pointercancel", up);
      this.#setStatus(this.#model.dirty ? "unsaved changes" : "");
      this.#render();
    };
    el.addEventListener("pointermove", move);
    el.addEventListener("pointerup", up);
    el.addEventListener("pointercancel", up);
  }

  #undo(): void {
    if (this.#model.undo()) this.#render();
  }

  #revert(): void {
    this.#model.revert();
    this.#showIssues([]);
    this.#setStatus("");
    this.#render();
  }

  async save(): Promise<void> {
    this.#setStatus("saving…");
    const r = await saveZones(this.#doc, this.#o.camera, this.#model.current);
    if (r.ok) {
      this.#doc = r.doc;
      this.#model.markSaved();
      this.#showIssues([]);
      this.#o.onSaved(r.doc);
      this.#watch = {
        zones: structuredClone(this.#model.current),
        since: performance.now(),
        sinceWall: Date.now(),
      };
      this.#setStatus("saved · waiting for the analyzer…", "ok");
      this.#render();
      return;
    }
    if (r.kind === "conflict") {
      this.#setStatus(r.message, "error");
      this.#status.append(
        " ",
        h("button", { type: "button", id: "zone-reload", onclick: () => this.#reload() }, "Reload"),
      );
    } else if (r.kind === "invalid") {
      this.#setStatus(r.message, "error");
      this.#showIssues(r.issues);
    } else this.#setStatus(`save failed: ${r.message}`, "error");
  }

  /** Take the server's config (someone else's edit) and drop ours. */
  async #reload(): Promise<void> {
    try {
      this.#doc = await fetchConfig();
    } catch (e) {
      return this.#setStatus(`reload failed: ${(e as Error).message}`, "error");
    }
    this.#o.onSaved(this.#doc);
    this.#model = new ZoneEditModel(this.#camZones());
    this.#showIssues([]);
    this.#setStatus("reloaded");
    this.#render();
  }

  /** Issues naming a point go next to it; the rest are listed in the panel. */
  #showIssues(issues: Issue[]): void {
    this.#issueByHandle.clear();
    const listed: HTMLElement[] = [];
    for (const i of issues) {
      const hd = handleForPath(i.path);
      if (hd && hd.index >= 0) this.#issueByHandle.set(handleId(hd), i.message);
      listed.push(h("li", { "data-path": i.path }, h("code", {}, i.path), ` ${i.message}`));
    }
    replace(this.#issues, ...listed);
    this.#place();
  }
}
