/// <reference lib="dom" />
/**
 * The operator HUD: video state, analyzer state, tick socket state, metadata age, analyzer
 * fps / inference time / share of frames detected, the player mode and the video's capture-to-screen delay. Every state
 * is plain text in an element with a stable id so people and tests read the same thing.
 */
import type { Tick } from "../../shared/tick.ts";
import type { AnalyzerStatus, SocketState } from "./overlay/tick_socket.ts";
import type { VideoDelay, VideoState } from "./player/player.ts";

/** No tick for this long means the analyzer is offline even if no status said so. */
export const ANALYZER_SILENT_MS = 3000;

export interface HudModel {
  video: VideoState;
  videoDetail: string;
  ws: SocketState;
  /** Last analyzer status from the relay, if any. */
  status: AnalyzerStatus | undefined;
  lastTick: Tick | undefined;
  /** performance.now() when the last tick arrived. */
  lastTickAt: number | undefined;
  /** Player mode in use (whep, hls, mse). */
  mode: string;
  /** Capture-to-screen delay of the video, when the player knows or estimates it. */
  videoDelay: VideoDelay | null;
}

export function videoStateText(s: VideoState): string {
  if (s === "unavailable") return "video unavailable";
  if (s === "at_capacity") return "stream at capacity";
  return s;
}

/** Online = the relay did not say offline AND ticks are arriving. */
export function analyzerOnline(
  status: AnalyzerStatus | undefined,
  lastTickAt: number | undefined,
  now: number,
): boolean {
  if (status === "offline" || status === "paused") return false;
  return lastTickAt !== undefined && now - lastTickAt <= ANALYZER_SILENT_MS;
}

/** Capture-to-now age of the newest metadata ("-" before any). */
export function metaAgeText(tick: Tick | undefined, wallNow: number): string {
  if (!tick) return "–";
  return `${Math.max(0, Math.round(wallNow - tick.ts))} ms`;
}

/** "≈ 180 ms" (estimate) or "140 ms" (measured: HLS program date-time, WebRTC capture time). */
export function videoDelayText(d: VideoDelay | null): string {
  if (!d) return "–";
  const ms = `${Math.round(d.ms)} ms`;
  return d.source === "estimate" ? `≈ ${ms}` : `${ms} (${d.source})`;
}

/**
 * The share of frames the detector ran on (motion gating: the others' boxes are predicted), "–"
 * from an analyzer that does not report it.
 */
export function detectedShareText(tick: Tick | undefined): string {
  const share = tick?.stats.detected_share;
  return share === undefined ? "–" : `${Math.round(share * 100)} %`;
}

export class Hud {
  readonly #el: Record<string, HTMLElement | null>;

  constructor(doc: Document) {
    const ids = [
      "video-state",
      "analyzer-state",
      "ws-state",
      "meta-age",
      "hud-fps",
      "hud-infer",
      "hud-detected",
      "video-delay",
      "player-mode",
    ];
    this.#el = Object.fromEntries(ids.map((id) => [id, doc.getElementById(id)]));
  }

  #set(id: string, text: string, state?: string): void {
    const el = this.#el[id];
    if (!el) return;
    if (el.textContent !== text) el.textContent = text;
    if (state !== undefined && el.dataset.state !== state) el.dataset.state = state;
  }

  update(m: HudModel, now = performance.now(), wallNow = Date.now()): void {
    this.#set("video-state", videoStateText(m.video), m.video);
    const vs = this.#el["video-state"];
    if (vs) vs.title = m.videoDetail;
    const online = analyzerOnline(m.status, m.lastTickAt, now);
    // Paused on purpose (runtime control) is not an outage: said as such.
    const analyzer = m.status === "paused" ? "paused" : online ? "online" : "offline";
    this.#set(
      "analyzer-state",
      analyzer === "paused" ? "analysis paused" : `analyzer ${analyzer}`,
      analyzer,
    );
    this.#set("ws-state", m.ws, m.ws);
    const fresh = online && m.lastTick;
    this.#set("meta-age", fresh ? metaAgeText(m.lastTick, wallNow) : "–");
    this.#set("hud-fps", fresh ? `${m.lastTick!.stats.fps.toFixed(1)} fps` : "– fps");
    this.#set("hud-infer", fresh ? `${m.lastTick!.stats.infer_ms.toFixed(1)} ms` : "– ms");
    this.#set("hud-detected", fresh ? detectedShareText(m.lastTick) : "–");
    this.#set("video-delay", m.video === "playing" ? videoDelayText(m.videoDelay) : "–");
    this.#set("player-mode", m.mode);
  }
}
