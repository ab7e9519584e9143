/// <reference lib="dom" />
/**
 * Pass replay: the pass's clip with the overlay drawn client-side from its stored samples,
 * aligned by capture time (replay_timeline.ts): the vehicle's box and anchor point in its phase
 * colour, the zone and lines, the stop timer, speed in the field's unit. Play/pause, scrub,
 * frame step, 0.25x-2x. The overlay is drawn for the frame actually presented
 * (requestVideoFrameCallback's mediaTime), and again after every seek; the speed plot's cursor
 * follows the video and a click on the plot seeks to that instant.
 */
import type { Zones } from "../../../shared/config.ts";
import { type Box, boxToRect, contentRect } from "../../../shared/geometry.ts";
import type { PassDetail, PassSample } from "../../../shared/pass_row.ts";
import { h } from "../dom.ts";
import { drawZones } from "../overlay/zones_layer.ts";
import { withToken } from "../session.ts";
import { fmtField } from "../units.ts";
import { ReplayTimeline } from "./replay_timeline.ts";

export const REPLAY_RATES = [0.25, 0.5, 1, 1.5, 2] as const;

const _PHASE_COLORS: Record<string, string> = {
  approach: "#4fc3f7",
  in_zone: "#ffb300",
  stopped: "#ef5350",
  leaving: "#66bb6a",
};

export interface PassReplay {
  el: HTMLElement;
  /** Lay a cursor over the speed plot (line_plot.ts) and seek on click. */
  attachPlot(plot: SVGSVGElement): void;
  destroy(): void;
}

/** Text on the box: "#17 car 12.0 px/s stop 1.4s". */
export function replayLabel(
  p: Pick<PassDetail, "track_id" | "label">,
  s: PassSample,
  stopS: number,
) {
  let text = `#${p.track_id} ${p.label} ${fmtField("speed_px_s", s.speed_px_s, 1)}`;
  if (stopS > 0) text += ` stop ${stopS.toFixed(1)}s`;
  return text;
}

export function passReplay(p: PassDetail, zones: Zones | null): PassReplay {
  const tl = new ReplayTimeline(p.samples, Date.parse(p.clip_start!));
  const video = h("video", {
    id: "replay-video",
    src: withToken(p.clip_url!),
    muted: true,
    playsinline: true,
    preload: "auto",
  });
  video.muted = true;
  const canvas = h("canvas", { id: "replay-overlay", class: "replay-overlay" });
  const ctx = canvas.getContext("2d")!;
  const play = h("button", { id: "replay-play", type: "button", title: "play / pause" }, "▶");
  const prev = h("button", { id: "replay-prev", type: "button", title: "previous frame" }, "⏮");
  const next = h("button", { id: "replay-next", type: "button", title: "next frame" }, "⏭");
  const scrub = h("input", {
    id: "replay-scrub",
    type: "range",
    min: "0",
    max: "0",
    step: "0.001",
    value: "0",
    "aria-label": "position",
  });
  const rate = h(
    "select",
    { id: "replay-rate", "aria-label": "speed" },
    ...REPLAY_RATES.map((r) => h("option", { value: String(r), selected: r === 1 }, `${r}×`)),
  );
  const clock = h("span", { id: "replay-time", class: "muted" }, "");
  const el = h(
    "figure",
    { id: "pass-replay", class: "replay" },
    h("div", { class: "replay-stage" }, video, canvas),
    h("div", { class: "replay-controls" }, play, prev, next, scrub, rate, clock),
  );

  // One frame: measured from presented frames, until then the samples' usual interval.
  let frameS = _medianIntervalS(tl) ?? 0.1;
  let lastMediaTime: number | null = null;
  let cursor: SVGLineElement | null = null;
  let plotGeom: { left: number; top: number; width: number; height: number; tMax: number } | null =
    null;
  let alive = true;

  const draw = (mediaTime: number) => {
    const dpr = globalThis.devicePixelRatio || 1;
    const cw = Math.max(1, Math.round(video.clientWidth * dpr));
    const ch = Math.max(1, Math.round(video.clientHeight * dpr));
    if (canvas.width !== cw || canvas.height !== ch) [canvas.width, canvas.height] = [cw, ch];
    canvas.style.width = `${video.clientWidth}px`;
    canvas.style.height = `${video.clientHeight}px`;
    ctx.clearRect(0, 0, cw, ch);
    const vw = video.videoWidth;
    const vh = video.videoHeight;
    const state = tl.stateAt(mediaTime);
    el.dataset.mediaTime = mediaTime.toFixed(4);
    el.dataset.captureMs = String(Math.round(state.captureMs));
    el.dataset.sampleTs = state.sample ? String(state.sample.ts) : "";
    el.dataset.stopS = state.stopS.toFixed(2);
    clock.textContent = `${mediaTime.toFixed(2)} s · ${
      new Date(state.captureMs).toISOString().slice(11, 23)
    }`;
    if (!(vw > 0 && vh > 0)) return;
    const rect = contentRect(vw, vh, video.clientWidth, video.clientHeight, "contain");
    if (zones) drawZones(ctx, zones, rect, dpr);
    const s = state.sample;
    if (s) {
      const color = _PHASE_COLORS[s.phase ?? ""] ?? "#4fc3f7";
      ctx.save();
      ctx.strokeStyle = color;
      ctx.fillStyle = color;
      ctx.lineWidth = Math.max(1, 2 * dpr);
      let labelAt: [number, number] = [(rect.x + (s.cx / vw) * rect.w) * dpr, 0];
      if (s.box) {
        const [x, y, w, bh] = boxToRect(
          [s.box[0] / vw, s.box[1] / vh, s.box[2] / vw, s.box[3] / vh] as Box,
          rect,
          dpr,
        );
        ctx.strokeRect(x, y, w, bh);
        labelAt = [x, y];
      }
      // The anchor point the judge tested against the zone.
      const ax = (rect.x + (s.cx / vw) * rect.w) * dpr;
      const ay = (rect.y + (s.cy / vh) * rect.h) * dpr;
      ctx.beginPath();
      ctx.arc(ax, ay, 4 * dpr, 0, Math.PI * 2);
      ctx.fill();
      if (!s.box) labelAt = [ax, ay - 8 * dpr];
      ctx.font = `600 ${Math.round(12 * dpr)}px system-ui, sans-serif`;
      const text = replayLabel(p, s, state.stopS);
      const tw = ctx.measureText(text).width + 8 * dpr;
      const th = 16 * dpr;
      const ly = Math.max(0, labelAt[1] - th);
      ctx.fillRect(labelAt[0], ly, tw, th);
      ctx.fillStyle = "#000";
      ctx.fillText(text, labelAt[0] + 4 * dpr, ly + 12 * dpr);
      ctx.restore();
    }
    if (cursor && plotGeom) {
      const t = Math.min(plotGeom.tMax, Math.max(0, tl.plotTimeAt(state.captureMs)));
      const x = plotGeom.left + (t / plotGeom.tMax) * plotGeom.width;
      cursor.setAttribute("x1", x.toFixed(1));
      cursor.setAttribute("x2", x.toFixed(1));
    }
  };

  // Draw for each presented frame (its own media time), and after seeks while paused.
  const onFrame = (_now: number, meta: VideoFrameCallbackMetadata) => {
    if (!alive) return;
    if (lastMediaTime !== null) {
      const d = Math.abs(meta.mediaTime - lastMediaTime);
      if (d > 0.001 && d < frameS - 0.001) frameS = d;
    }
    lastMediaTime = meta.mediaTime;
    draw(meta.mediaTime);
    if (document.activeElement !== scrub) scrub.value = String(meta.mediaTime);
    video.requestVideoFrameCallback(onFrame);
  };
  video.requestVideoFrameCallback(onFrame);
  video.addEventListener("loadedmetadata", () => {
    scrub.max = String(video.duration);
    draw(video.currentTime);
  });
  video.addEventListener("seeked", () => draw(video.currentTime));
  video.addEventListener("play", () => (play.textContent = "⏸"));
  video.addEventListener("pause", () => (play.textContent = "▶"));
  play.addEventListener(
    "click",
    () => (video.paused ? video.play().catch(() => {}) : video.pause()),
  );
  const step = (n: number) => {
    video.pause();
    // Land mid-frame so rounding never shows the neighbour.
    const frame = Math.round(video.currentTime / frameS) + n;
    video.currentTime = Math.max(0, Math.min(video.duration || 0, (frame + 0.5) * frameS));
  };
  prev.addEventListener("click", () => step(-1));
  next.addEventListener("click", () => step(1));
  scrub.addEventListener("input", () => (video.currentTime = Number(scrub.value)));
  rate.addEventListener("change", () => (video.playbackRate = Number(rate.value)));
  const onResize = () => draw(video.currentTime);
  globalThis.addEventListener("resize", onResize);

  return {
    el,
    attachPlot(plot: SVGSVGElement) {
      const d = plot.dataset;
      plotGeom = {
        left: Number(d.plotLeft),
        top: Number(d.plotTop),
        width: Number(d.plotWidth),
        height: Number(d.plotHeight),
        tMax: Number(d.tMax),
      };
      const viewWidth = Number(d.viewWidth);
      cursor = document.createElementNS("http://www.w3.org/2000/svg", "line");
      cursor.id = "plot-cursor";
      cursor.setAttribute("class", "cursor");
      cursor.setAttribute("y1", String(plotGeom.top));
      cursor.setAttribute("y2", String(plotGeom.top + plotGeom.height));
      cursor.setAttribute("x1", String(plotGeom.left));
      cursor.setAttribute("x2", String(plotGeom.left));
      cursor.setAttribute("stroke", "#fff");
      cursor.setAttribute("stroke-width", "1.5");
      plot.append(cursor);
      plot.style.cursor = "pointer";
      plot.addEventListener("click", (ev) => {
        const r = plot.getBoundingClientRect();
        const x = (ev.clientX - r.left) * (viewWidth / r.width);
        const g = plotGeom!;
        const t = Math.min(g.tMax, Math.max(0, ((x - g.left) / g.width) * g.tMax));
        video.pause();
        video.currentTime = Math.max(0, tl.mediaTimeAt(tl.captureMsAtPlotTime(t)));
      });
      draw(video.currentTime);
    },
    destroy() {
      alive = false;
      globalThis.removeEventListener("resize", onResize);
      video.pause();
      video.removeAttribute("src");
      video.load();
    },
  };
}

function _medianIntervalS(tl: ReplayTimeline): number | null {
  const ts = tl.samples.map((s) => (typeof s.ts === "number" ? s.ts : Date.parse(s.ts)));
  const d = ts.slice(1).map((t, i) => t - ts[i]).filter((x) => x > 0).sort((a, b) => a - b);
  return d.length ? d[Math.floor(d.length / 2)] / 1000 : null;
}
