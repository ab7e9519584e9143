/// <reference lib="dom" />
/**
 * Browser entry: live video (MSE) + client-side overlay + HUD for one camera (`?camera=`).
 * Video and metadata are independent: either can fail and recover without a page reload.
 */
import type { StoplineDebug } from "./debug.ts";
import { Hud, type HudModel } from "./hud.ts";
import { OverlayCanvas } from "./overlay/overlay_canvas.ts";
import { TickSocket } from "./overlay/tick_socket.ts";
import { MsePlayer } from "./player/mse_player.ts";

const CAMERA_ID = /^[A-Za-z0-9_-]{1,64}$/;

function _camera(): string {
  const q = new URLSearchParams(location.search).get("camera");
  return q && CAMERA_ID.test(q) ? q : "cam_01";
}

function _wsUrl(path: string): string {
  const u = new URL(path, location.href);
  u.protocol = location.protocol === "https:" ? "wss:" : "ws:";
  return u.toString();
}

function main(): void {
  const camera = _camera();
  const video = document.getElementById("video") as HTMLVideoElement;
  const canvas = document.getElementById("overlay") as HTMLCanvasElement;
  const camEl = document.getElementById("camera-name");
  if (camEl) camEl.textContent = camera;
  document.title = `stopline · ${camera}`;

  const model: HudModel = {
    video: "connecting",
    videoDetail: "",
    ws: "connecting",
    status: undefined,
    lastTick: undefined,
    lastTickAt: undefined,
    videoLagS: 0,
  };
  const hud = new Hud(document);
  const overlay = new OverlayCanvas(canvas, video);

  const player = new MsePlayer(video, {
    url: _wsUrl(`/media/ws?camera=${encodeURIComponent(camera)}`),
    onState: (s, detail) => {
      model.video = s;
      model.videoDetail = detail;
      hud.update(model);
    },
  });

  const ticks = new TickSocket({
    url: _wsUrl(`/ws?camera=${encodeURIComponent(camera)}`),
    onTick: (tick) => {
      if (tick.camera !== camera) return;
      const at = performance.now();
      model.lastTick = tick;
      model.lastTickAt = at;
      debug.ticks++;
      debug.lastTick = tick;
      overlay.setTick(tick, at);
    },
    onStatus: (s) => {
      model.status = s;
      // The analyzer went away: clear boxes now rather than after the stale timeout.
      if (s === "offline") overlay.clear();
      hud.update(model);
    },
    onState: (s) => {
      model.ws = s;
      if (s !== "open") model.status = undefined;
      hud.update(model);
    },
  });

  // Live getters, so tests and the console always read the current values.
  const debug: StoplineDebug = {
    camera,
    ticks: 0,
    lastTick: null,
    get drawnBoxes() {
      return overlay.drawnBoxes;
    },
    get videoState() {
      return player.stats.state;
    },
    get videoLagS() {
      return player.stats.lagS;
    },
    get firstFrameMs() {
      return player.stats.firstFrameMs;
    },
  };
  globalThis.stopline = debug;

  player.start();
  ticks.start();
  setInterval(() => {
    model.videoLagS = player.stats.lagS;
    hud.update(model);
  }, 250);
}

main();
