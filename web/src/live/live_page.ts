/// <reference lib="dom" />
/**
 * The live view for one camera: the player (modes with fallback), the tick socket, the
 * overlay drawn at the video's capture time, the HUD, the overlay offset slider, the verdict
 * flash for judged passes, and the zone editor. Video and metadata are independent: either
 * can fail and recover without a page reload.
 */
import { PassEventSchema } from "../../../shared/events.ts";
import type { Zones } from "../../../shared/config.ts";
import { type AppConfig, effectiveOrder } from "../../../shared/app_config.ts";
import type { StoplineDebug } from "../debug.ts";
import { byId } from "../dom.ts";
import { unitsOf, verdictText } from "../format.ts";
import { Hud, type HudModel } from "../hud.ts";
import { OverlayCanvas } from "../overlay/overlay_canvas.ts";
import { RealtimeTickSource } from "../overlay/realtime_tick_source.ts";
import { TickSocket } from "../overlay/tick_socket.ts";
import type { TickCallbacks, TickSource } from "../overlay/tick_source.ts";
import { createPlayer, playablePath } from "../player/create_player.ts";
import { getToken, wsUrl } from "../session.ts";
import { type ConfigDoc, fetchConfig } from "../zones/config_client.ts";
import { ZoneEditor } from "../zones/zone_editor.ts";
import { FrameCaptureWatch } from "./frame_capture.ts";
import { TickMediaIndex } from "./media_match.ts";
import { loadOffset, saveOffset } from "./offset_store.ts";
import { CODEC_WAIT_MS, loadCodec, saveCodec } from "./codec_memory.ts";
import { AnalysisToggle } from "./analysis_toggle.ts";
import { mayControl } from "./camera_control.ts";
import { type CameraInfo, listCameras } from "../api.ts";

export interface LiveView {
  stop(): void;
}

export function startLive(
  camera: string,
  cfg: AppConfig,
  search: string,
  /** The camera list the app already asked for, if any (else the page asks). */
  cameraList?: Promise<CameraInfo[]>,
): LiveView {
  const video = byId<HTMLVideoElement>("video");
  const canvas = byId<HTMLCanvasElement>("overlay");
  const stage = byId("stage");
  const flashEl = byId("verdict-flash");
  const slider = byId<HTMLInputElement>("offset");
  const sliderOut = byId("offset-value");
  const editBtn = byId<HTMLButtonElement>("edit-zones");
  const analysisToggle = new AnalysisToggle(
    byId<HTMLButtonElement>("analysis-toggle"),
    camera,
    mayControl(cfg.auth, camera),
  );
  // The codec decides the media path (an H.265 camera plays its H.264 copy). The last one seen
  // is remembered, so a known camera's video starts at once; an unknown one waits for the
  // camera list at most CODEC_WAIT_MS. Ticks and overlays never wait for the list.
  let codec: string | null = loadCodec(camera);
  let stopped = false;
  let videoStarted = false;
  const startVideo = () => {
    if (stopped || videoStarted) return;
    videoStarted = true;
    player.start();
  };
  const codecWait = codec === null ? setTimeout(startVideo, CODEC_WAIT_MS) : undefined;
  (cameraList ?? listCameras()).then((cams) => {
    if (stopped) return;
    const info = cams.find((c) => c.id === camera);
    const enabled = info?.analysis_enabled;
    if (typeof enabled === "boolean") analysisToggle.setEnabled(enabled);
    if (typeof info?.codec === "string" && info.codec !== codec) {
      const before = playablePath(camera, codec);
      codec = info.codec;
      saveCodec(camera, codec);
      // The camera changed codec since it was remembered: play the other path from now on.
      if (videoStarted && playablePath(camera, codec) !== before) {
        player.stop();
        player.start();
      }
    }
  }).catch(() => {/* no cameras API: the relay's status still tells */}).finally(() => {
    clearTimeout(codecWait);
    startVideo();
  });
  byId("camera-name").textContent = camera;
  document.title = `stopline · ${camera}`;

  const order = effectiveOrder(cfg, search);
  const model: HudModel = {
    video: "connecting",
    videoDetail: "",
    ws: "connecting",
    status: undefined,
    lastTick: undefined,
    lastTickAt: undefined,
    mode: order[0],
    videoDelay: null,
  };
  const hud = new Hud(document);
  const overlay = new OverlayCanvas(canvas, video);
  let offsetMs = loadOffset(camera);
  let passes = 0;
  let editor: ZoneEditor | undefined;
  let doc: ConfigDoc | undefined;
  let flashTimer: ReturnType<typeof setTimeout> | undefined;

  const player = createPlayer(video, camera, cfg, order, (s, detail, mode) => {
    model.video = s;
    model.videoDetail = detail;
    model.mode = mode;
    hud.update(model);
  }, () => codec);

  // The overlay shows the scene as it was when the frame on screen was captured: that frame's
  // capture time where the player can tell it (frame by frame, see FrameCaptureWatch), else now
  // minus the player's capture-to-screen delay (measured or estimated, see each player); minus
  // the operator's offset, an override for what neither can see (e.g. a camera's own delay).
  // The player's per-frame estimate is replaced by the tick of that very frame where the frame's
  // stream time names one (media_match.ts: the dev relay's MSE and WHEP).
  const byMedia = new TickMediaIndex();
  const frames = new FrameCaptureWatch(
    video,
    (meta) => byMedia.captureMs(player.frameMediaTime(meta), player.frameCaptureMs(meta)),
  );
  const overlayClock = () => {
    const frame = player.stats.state === "playing" ? frames.captureMs : null;
    return (frame ?? Date.now() - (player.videoDelay()?.ms ?? 0)) - offsetMs;
  };
  overlay.setClock(overlayClock);

  const showOffset = () => {
    slider.value = String(offsetMs);
    sliderOut.textContent = `${offsetMs > 0 ? "+" : ""}${offsetMs} ms`;
  };
  slider.oninput = () => {
    offsetMs = Number(slider.value);
    saveOffset(camera, offsetMs);
    showOffset();
  };
  showOffset();

  const zonesOf = (d: ConfigDoc | undefined): Zones | null =>
    d?.config.cameras?.[camera]?.zones ?? null;

  const onPass = (msg: Record<string, unknown>) => {
    const r = PassEventSchema.safeParse(msg);
    if (!r.success || r.data.camera !== camera) return;
    passes++;
    const p = r.data.pass;
    overlay.flash(p.verdict);
    flashEl.textContent = `#${p.track_id} ${p.label} · ${verdictText(p.verdict)} · stopped ${
      p.stop_duration_s.toFixed(1)
    } s`;
    flashEl.dataset.verdict = p.verdict;
    flashEl.hidden = false;
    clearTimeout(flashTimer);
    flashTimer = setTimeout(() => (flashEl.hidden = true), 4000);
  };

  const feed: TickCallbacks = {
    onTick: (tick) => {
      if (tick.camera !== camera) return;
      if (model.status === "paused") model.status = "online";
      analysisToggle.setEnabled(true);
      model.lastTick = tick;
      model.lastTickAt = performance.now();
      debug.ticks++;
      debug.lastTick = tick;
      overlay.pushTick(tick);
      byMedia.push(tick);
      editor?.onTick(tick);
    },
    onEvent: (msg) => {
      if (msg.type === "pass") onPass(msg);
    },
    onStatus: (s) => {
      model.status = s;
      // The analyzer went away (or was paused): clear boxes now rather than after the fade.
      if (s === "offline" || s === "paused") overlay.clear();
      if (s === "paused") analysisToggle.setEnabled(false);
      hud.update(model);
    },
    onState: (s) => {
      model.ws = s;
      if (s !== "open") model.status = undefined;
      hud.update(model);
    },
  };
  // The relay's /ws, or Supabase Realtime broadcast when the server says so (REALTIME=supabase).
  const rt = cfg.realtime;
  const ticks: TickSource = rt.kind === "supabase"
    ? new RealtimeTickSource({
      ...feed,
      url: rt.url,
      anonKey: rt.anon_key,
      camera,
      accessToken: cfg.auth ? getToken : undefined,
    })
    : new TickSocket({ ...feed, url: wsUrl(`/ws?camera=${encodeURIComponent(camera)}`) });

  const closeEditor = () => {
    editor?.destroy();
    editor = undefined;
    stage.classList.remove("editing");
    editBtn.hidden = false;
    overlay.setZones(zonesOf(doc));
  };
  editBtn.onclick = async () => {
    if (editor) return;
    try {
      doc = await fetchConfig();
    } catch (e) {
      editBtn.title = (e as Error).message;
      return;
    }
    if (!doc.config.cameras?.[camera]) {
      editBtn.title = `${camera} is not in the config`;
      return;
    }
    stage.classList.add("editing");
    editBtn.hidden = true;
    editor = new ZoneEditor({
      stage,
      video,
      camera,
      doc,
      onZones: (z) => overlay.setZones(z),
      onSaved: (d) => (doc = d),
      onClose: closeEditor,
    });
  };
  fetchConfig().then((d) => {
    doc = d;
    overlay.setAnchor(d.config.cameras?.[camera]?.anchor === "center" ? "center" : "bottom_center");
    overlay.setUnits(unitsOf(d.config));
    if (!editor) overlay.setZones(zonesOf(d));
  }).catch(() => {/* no config API: live view without zones */});

  // Live getters, so tests and the console always read the current values.
  const debug: StoplineDebug = {
    camera,
    ticks: 0,
    lastTick: null,
    get drawnBoxes() {
      return overlay.drawnBoxes;
    },
    get overlayAlpha() {
      return overlay.alpha;
    },
    get shownSeq() {
      return overlay.shownSeq;
    },
    get videoState() {
      return player.stats.state;
    },
    get mode() {
      return player.mode;
    },
    get attempts() {
      return player.attempts;
    },
    get videoLagS() {
      return player.stats.lagS;
    },
    get videoDelayMs() {
      return player.videoDelay()?.ms ?? null;
    },
    get offsetMs() {
      return offsetMs;
    },
    get overlayTargetMs() {
      return overlayClock();
    },
    get frameCaptureMs() {
      return frames.captureMs;
    },
    get framePresented() {
      return frames.presentedFrames;
    },
    get frameMatch() {
      return byMedia.lastMatch;
    },
    get firstFrameMs() {
      return player.stats.firstFrameMs;
    },
    get passes() {
      return passes;
    },
  };
  globalThis.stopline = debug;

  if (codec !== null) startVideo();
  frames.start();
  ticks.start();
  const hudTimer = setInterval(() => {
    model.videoDelay = player.videoDelay();
    hud.update(model);
  }, 250);

  return {
    stop() {
      stopped = true;
      clearTimeout(codecWait);
      clearInterval(hudTimer);
      clearTimeout(flashTimer);
      closeEditor();
      analysisToggle.destroy();
      player.stop();
      frames.stop();
      ticks.stop();
      overlay.destroy();
      flashEl.hidden = true;
    },
  };
}
