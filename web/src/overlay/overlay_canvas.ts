/// <reference lib="dom" />
/**
 * Client-side AI overlay: a canvas laid exactly over the <video>. Draws, for the frame on
 * screen, the tick captured at that instant (see TickTimeline; the page supplies the clock),
 * plus the camera's zones and a verdict flash. Boxes are normalized to the source frame and
 * mapped through the letterbox rectangle `object-fit: contain` gives the picture, so they line
 * up at any element size and aspect; the backing store is CSS size x devicePixelRatio so lines
 * stay crisp on HiDPI screens. Metadata older than the picture fades, then clears.
 */
import {
  type Anchor,
  anchorPoint,
  type Box,
  boxToRect,
  contentRect,
  type Point,
} from "../../../shared/geometry.ts";
import type { Zones } from "../../../shared/config.ts";
import type { Tick, TickTrack } from "../../../shared/tick.ts";
import { fmtField } from "../units.ts";
import { fadeAlpha, TickTimeline } from "./tick_timeline.ts";
import { fmtRoadSpeed, type Units } from "../format.ts";
import { drawZones, VERDICT_COLORS } from "./zones_layer.ts";

export interface DrawnBox {
  rect: Box;
  /** The point the judge uses (the camera's anchor), device px: drawn as a dot. */
  anchor: Point;
  label: string;
  color: string;
}

const _PHASE_COLORS: Record<string, string> = {
  approach: "#4fc3f7",
  in_zone: "#ffb300",
  stopped: "#ef5350",
  leaving: "#66bb6a",
};

function _color(t: TickTrack): string {
  if (t.phase && _PHASE_COLORS[t.phase]) return _PHASE_COLORS[t.phase];
  return t.label === "person" ? "#ce93d8" : "#4fc3f7";
}

/**
 * Text on a box: "#17 car 0.83 12px/s stop 1.4s" (speed, unit from its field, and stop timer
 * when known); a calibrated camera's road speed instead of px/s, in the site's units ("36 km/h").
 */
export function trackLabel(t: TickTrack, units: Units = "metric"): string {
  let s = `#${t.id} ${t.label} ${t.conf.toFixed(2)}`;
  if (t.speed_mps != null) s += ` ${fmtRoadSpeed(t.speed_mps, units)}`;
  else if (t.speed_px_s != null) s += ` ${fmtField("speed_px_s", t.speed_px_s, 0, "")}`;
  if (t.stop_s != null && t.stop_s > 0) s += ` stop ${t.stop_s.toFixed(1)}s`;
  return s;
}

/**
 * Tick -> device-pixel rectangles for an element of elW x elH CSS px showing a video of
 * videoW x videoH (0 before metadata: then the tick's frame size stands in). `anchor` is the
 * camera's judged point of a box (config `anchor`), so the operator sees which point the zones
 * and lines are tested with.
 */
export function layoutTick(
  tick: Tick,
  videoW: number,
  videoH: number,
  elW: number,
  elH: number,
  dpr: number,
  anchor: Anchor = "bottom_center",
  units: Units = "metric",
): DrawnBox[] {
  const rect = contentRect(videoW || tick.frame.w, videoH || tick.frame.h, elW, elH, "contain");
  return tick.tracks.map((t) => {
    const r = boxToRect(t.bbox as Box, rect, dpr);
    return {
      rect: r,
      anchor: anchorPoint(r, anchor),
      label: trackLabel(t, units),
      color: _color(t),
    };
  });
}

export interface OverlayOptions {
  /** Metadata this much older than the picture starts fading... */
  fadeFromMs?: number;
  /** ...and is gone at this age: never a frozen overlay on a moving picture. */
  clearAtMs?: number;
  /** Verdict flash duration. */
  flashMs?: number;
}

export class OverlayCanvas {
  readonly #canvas: HTMLCanvasElement;
  readonly #video: HTMLVideoElement;
  readonly #ctx: CanvasRenderingContext2D;
  readonly #o: Required<OverlayOptions>;
  readonly #timeline = new TickTimeline();
  /** Capture time (unix ms) of the frame on screen; the page wires the player's estimate. */
  #clock: () => number = () => Date.now();
  #zones: Zones | null = null;
  #anchor: Anchor = "bottom_center";
  #units: Units = "metric";
  #flash: { color: string; at: number } | undefined;
  #frameKey = "";
  #sizeVersion = 0;
  #zonesVersion = 0;
  #raf = 0;
  #observer: ResizeObserver;
  /** Boxes drawn on the last rendered frame. */
  drawnBoxes = 0;
  /** Opacity of the last drawn boxes, and the seq and age of the tick they came from. */
  alpha = 0;
  shownSeq = -1;
  shownAgeMs = 0;

  constructor(canvas: HTMLCanvasElement, video: HTMLVideoElement, opts: OverlayOptions = {}) {
    this.#canvas = canvas;
    this.#video = video;
    this.#ctx = canvas.getContext("2d")!;
    this.#o = { fadeFromMs: 600, clearAtMs: 1500, flashMs: 2500, ...opts };
    this.#observer = new ResizeObserver(() => this.#resize());
    this.#observer.observe(video);
    // The letterbox changes when the intrinsic size becomes known (or changes on restart).
    video.addEventListener("loadedmetadata", () => this.#sizeVersion++);
    video.addEventListener("resize", () => this.#sizeVersion++);
    this.#resize();
    this.#loop();
  }

  setClock(clock: () => number): void {
    this.#clock = clock;
  }

  pushTick(tick: Tick): void {
    this.#timeline.push(tick);
  }

  setZones(zones: Zones | null): void {
    this.#zones = zones;
    this.#zonesVersion++;
  }

  /** What road speeds are shown in (config `units`). */
  setUnits(units: Units): void {
    this.#units = units;
    this.#zonesVersion++;
  }

  /** The camera's judged box point (config `anchor`), drawn as a dot on every box. */
  setAnchor(anchor: Anchor): void {
    this.#anchor = anchor;
    this.#zonesVersion++;
  }

  /** Flash the stop zone in the verdict's colour (a pass was judged). */
  flash(verdict: string): void {
    this.#flash = { color: VERDICT_COLORS[verdict] ?? "#fff", at: performance.now() };
  }

  /** Drop all metadata now (the analyzer went offline). */
  clear(): void {
    this.#timeline.clear();
  }

  destroy(): void {
    cancelAnimationFrame(this.#raf);
    this.#observer.disconnect();
    this.#ctx.clearRect(0, 0, this.#canvas.width, this.#canvas.height);
    this.drawnBoxes = 0;
  }

  #resize(): void {
    const dpr = globalThis.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(this.#video.clientWidth * dpr));
    const h = Math.max(1, Math.round(this.#video.clientHeight * dpr));
    if (this.#canvas.width !== w || this.#canvas.height !== h) {
      this.#canvas.width = w;
      this.#canvas.height = h;
    }
    this.#sizeVersion++;
  }

  #loop = (): void => {
    this.#raf = requestAnimationFrame(this.#loop);
    const target = this.#clock();
    const sel = this.#timeline.sample(target);
    const alpha = sel ? fadeAlpha(sel.ageMs, this.#o.fadeFromMs, this.#o.clearAtMs) : 0;
    const flashAge = this.#flash ? performance.now() - this.#flash.at : Infinity;
    if (flashAge > this.#o.flashMs) this.#flash = undefined;
    const flashAlpha = this.#flash ? 0.45 * (1 - flashAge / this.#o.flashMs) : 0;
    this.shownAgeMs = sel?.ageMs ?? 0;
    // Redraw only when something visible changed: the page stays open all day.
    const key = [
      alpha > 0 ? sel!.tick.seq : -1,
      // Boxes moved between two ticks change with the frame's capture time.
      alpha > 0 && sel!.moved ? Math.round(target) : 0,
      alpha.toFixed(2),
      flashAlpha.toFixed(2),
      this.#sizeVersion,
      this.#zonesVersion,
      this.#video.videoWidth,
    ].join("|");
    if (key === this.#frameKey) return;
    this.#frameKey = key;
    this.#draw(alpha > 0 ? sel!.tick : undefined, alpha, flashAlpha);
  };

  #draw(tick: Tick | undefined, alpha: number, flashAlpha: number): void {
    const ctx = this.#ctx;
    const c = this.#canvas;
    ctx.clearRect(0, 0, c.width, c.height);
    const dpr = globalThis.devicePixelRatio || 1;
    const v = this.#video;
    const frameW = v.videoWidth || tick?.frame.w || 16;
    const frameH = v.videoHeight || tick?.frame.h || 9;
    const rect = contentRect(frameW, frameH, v.clientWidth, v.clientHeight, "contain");
    if (this.#zones) {
      drawZones(ctx, this.#zones, rect, dpr, {
        fill: flashAlpha > 0 ? this.#flash!.color : undefined,
        fillAlpha: flashAlpha,
      });
    }
    this.alpha = alpha;
    this.shownSeq = tick?.seq ?? -1;
    if (!tick) {
      this.drawnBoxes = 0;
      return;
    }
    const boxes = layoutTick(
      tick,
      v.videoWidth,
      v.videoHeight,
      v.clientWidth,
      v.clientHeight,
      dpr,
      this.#anchor,
      this.#units,
    );
    const font = Math.round(12 * dpr);
    ctx.save();
    ctx.globalAlpha = alpha;
    ctx.font = `600 ${font}px system-ui, sans-serif`;
    ctx.textBaseline = "top";
    ctx.lineWidth = Math.max(1, 2 * dpr);
    for (const b of boxes) {
      const [x, y, w, h] = b.rect;
      ctx.strokeStyle = b.color;
      ctx.strokeRect(x, y, w, h);
      // The judged point: a dot with a dark rim, visible on any background.
      ctx.beginPath();
      ctx.arc(b.anchor[0], b.anchor[1], 4 * dpr, 0, 2 * Math.PI);
      ctx.fillStyle = b.color;
      ctx.fill();
      ctx.strokeStyle = "#0b0f14";
      ctx.lineWidth = Math.max(1, dpr);
      ctx.stroke();
      ctx.lineWidth = Math.max(1, 2 * dpr);
      const tw = ctx.measureText(b.label).width + 6 * dpr;
      const th = font + 4 * dpr;
      // Label above the box, or inside it when the box touches the top edge.
      const ty = y - th >= 0 ? y - th : y;
      ctx.fillStyle = b.color;
      ctx.fillRect(x, ty, tw, th);
      ctx.fillStyle = "#0b0f14";
      ctx.fillText(b.label, x + 3 * dpr, ty + 2 * dpr);
    }
    ctx.restore();
    this.drawnBoxes = boxes.length;
  }
}
