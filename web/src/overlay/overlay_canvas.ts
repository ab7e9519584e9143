/// <reference lib="dom" />
/**
 * Client-side AI overlay: a canvas laid exactly over the <video>, drawing the latest tick's
 * boxes. Boxes are normalized to the source frame; they are mapped through the letterbox
 * rectangle that `object-fit: contain` gives the picture, so they line up at any element size.
 * The backing store is CSS size x devicePixelRatio so lines stay crisp on HiDPI screens.
 */
import { type Box, boxToRect, contentRect } from "../../../shared/geometry.ts";
import type { Tick, TickTrack } from "../../../shared/tick.ts";

export interface DrawnBox {
  rect: Box;
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

/** Text shown on a box: "#17 car 0.83" plus the stop timer when there is one. */
export function trackLabel(t: TickTrack): string {
  let s = `#${t.id} ${t.label} ${t.conf.toFixed(2)}`;
  if (t.stop_s != null && t.stop_s > 0) s += ` stop ${t.stop_s.toFixed(1)}s`;
  return s;
}

/**
 * Tick -> device-pixel rectangles for an element of elW x elH CSS px showing a video of
 * videoW x videoH (0 before metadata: then the tick's frame size stands in).
 */
export function layoutTick(
  tick: Tick,
  videoW: number,
  videoH: number,
  elW: number,
  elH: number,
  dpr: number,
): DrawnBox[] {
  const rect = contentRect(videoW || tick.frame.w, videoH || tick.frame.h, elW, elH, "contain");
  return tick.tracks.map((t) => ({
    rect: boxToRect(t.bbox as Box, rect, dpr),
    label: trackLabel(t),
    color: _color(t),
  }));
}

export interface OverlayOptions {
  /** Boxes older than this (by arrival) are cleared: never show a frozen overlay. */
  staleMs?: number;
}

export class OverlayCanvas {
  readonly #canvas: HTMLCanvasElement;
  readonly #video: HTMLVideoElement;
  readonly #ctx: CanvasRenderingContext2D;
  readonly #staleMs: number;
  #tick: Tick | undefined;
  #tickAt = 0;
  #dirty = true;
  #raf = 0;
  #observer: ResizeObserver;
  /** Boxes drawn on the last rendered frame. */
  drawnBoxes = 0;

  constructor(canvas: HTMLCanvasElement, video: HTMLVideoElement, opts: OverlayOptions = {}) {
    this.#canvas = canvas;
    this.#video = video;
    this.#ctx = canvas.getContext("2d")!;
    this.#staleMs = opts.staleMs ?? 1500;
    this.#observer = new ResizeObserver(() => this.#resize());
    this.#observer.observe(video);
    // The letterbox changes when the intrinsic size becomes known (or changes on restart).
    video.addEventListener("loadedmetadata", () => this.#dirty = true);
    video.addEventListener("resize", () => this.#dirty = true);
    this.#resize();
    this.#loop();
  }

  /** Latest-state: a new tick replaces the previous one. */
  setTick(tick: Tick, receivedAt = performance.now()): void {
    this.#tick = tick;
    this.#tickAt = receivedAt;
    this.#dirty = true;
  }

  clear(): void {
    this.#tick = undefined;
    this.#dirty = true;
  }

  destroy(): void {
    cancelAnimationFrame(this.#raf);
    this.#observer.disconnect();
  }

  #resize(): void {
    const dpr = globalThis.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(this.#video.clientWidth * dpr));
    const h = Math.max(1, Math.round(this.#video.clientHeight * dpr));
    if (this.#canvas.width !== w || this.#canvas.height !== h) {
      this.#canvas.width = w;
      this.#canvas.height = h;
    }
    this.#dirty = true;
  }

  #loop = (): void => {
    this.#raf = requestAnimationFrame(this.#loop);
    if (this.#tick && performance.now() - this.#tickAt > this.#staleMs) {
      this.#tick = undefined;
      this.#dirty = true;
    }
    if (this.#dirty) this.#draw();
  };

  #draw(): void {
    this.#dirty = false;
    const ctx = this.#ctx;
    const c = this.#canvas;
    ctx.clearRect(0, 0, c.width, c.height);
    const tick = this.#tick;
    if (!tick) {
      this.drawnBoxes = 0;
      return;
    }
    const dpr = globalThis.devicePixelRatio || 1;
    const boxes = layoutTick(
      tick,
      this.#video.videoWidth,
      this.#video.videoHeight,
      this.#video.clientWidth,
      this.#video.clientHeight,
      dpr,
    );
    const font = Math.round(12 * dpr);
    ctx.font = `600 ${font}px system-ui, sans-serif`;
    ctx.textBaseline = "top";
    ctx.lineWidth = Math.max(1, 2 * dpr);
    for (const b of boxes) {
      const [x, y, w, h] = b.rect;
      ctx.strokeStyle = b.color;
      ctx.strokeRect(x, y, w, h);
      const tw = ctx.measureText(b.label).width + 6 * dpr;
      const th = font + 4 * dpr;
      // Label above the box, or inside it when the box touches the top edge.
      const ty = y - th >= 0 ? y - th : y;
      ctx.fillStyle = b.color;
      ctx.fillRect(x, ty, tw, th);
      ctx.fillStyle = "#0b0f14";
      ctx.fillText(b.label, x + 3 * dpr, ty + 2 * dpr);
    }
    this.drawnBoxes = boxes.length;
  }
}
