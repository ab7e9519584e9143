/// <reference lib="dom" />
/**
 * `#/mosaic`: every camera the viewer may see (`GET /api/cameras` filters by the token's claim)
 * in a grid. Each live tile is a player (the configured modes with fallback) with its overlay
 * and badges; a tile whose video cannot play, and every tile beyond the live limit (`?live=`,
 * default 9), shows the latest snapshot (`/api/cameras/:id/snapshot.jpg`, every few seconds)
 * with its age. Tiles outside the viewport stop their player, tick feed and snapshot polling
 * (IntersectionObserver), so a long mosaic costs only what is on screen. A click opens the
 * camera's live page.
 */
import { type AppConfig, effectiveOrder } from "../../../shared/app_config.ts";
import { listCameras } from "../api.ts";
import { h, replace } from "../dom.ts";
import { OverlayCanvas } from "../overlay/overlay_canvas.ts";
import { TickSocket } from "../overlay/tick_socket.ts";
import type { AnalyzerStatus } from "../overlay/tick_source.ts";
import { createPlayer } from "../player/create_player.ts";
import type { FallbackPlayer } from "../player/fallback_player.ts";
import type { VideoState } from "../player/player.ts";
import { routeHash } from "../router.ts";
import { apiFetch, wsUrl } from "../session.ts";
import {
  ageText,
  liveLimitFrom,
  type MosaicCamera,
  planMosaic,
  type TileKind,
  videoBadge,
} from "./mosaic_plan.ts";

const SNAPSHOT_EVERY_MS = 3_000;

/** `window.stoplineMosaic`: the tiles' facts, for tests and the console. */
export interface MosaicTileDebug {
  camera: string;
  kind: TileKind;
  badge: string;
  visible: boolean;
  drawnBoxes: number;
  analyzer: string | null;
  /** Age of the snapshot on show (ms), null when none is shown. */
  snapshotAgeMs: number | null;
}

declare global {
  var stoplineMosaic: { tiles: MosaicTileDebug[] } | undefined;
}

class MosaicTile {
  readonly el: HTMLAnchorElement;
  #video = h("video", { muted: true, autoplay: true, playsinline: true, class: "tile-video" });
  #canvas = h("canvas", { class: "tile-overlay", "aria-hidden": "true" });
  #img = h("img", { class: "tile-snapshot", alt: "", hidden: true });
  #badge = h("span", { class: "pill tile-badge" });
  #analyzerBadge = h("span", { class: "pill tile-analyzer", hidden: true }, "analyzer offline");
  #age = h("span", { class: "tile-age", hidden: true });
  #player: FallbackPlayer | undefined;
  #overlay: OverlayCanvas | undefined;
  #ticks: TickSocket | undefined;
  #videoState: VideoState | null = null;
  #analyzer: AnalyzerStatus | null = null;
  #snapTimer: ReturnType<typeof setInterval> | undefined;
  #snapUrl: string | undefined;
  /** Server-reported age at fetch time and when it was fetched (performance.now()). */
  #snapAge: { ms: number; at: number } | undefined;
  #visible = false;
  #stopped = false;

  constructor(
    readonly camera: MosaicCamera,
    readonly kind: TileKind,
    readonly cfg: AppConfig,
    readonly search: string,
  ) {
    this.el = h(
      "a",
      { class: "tile", href: routeHash("live", { camera: camera.id }), "data-camera": camera.id },
      h("div", { class: "tile-stage" }, this.#video, this.#img, this.#canvas),
      h(
        "div",
        { class: "tile-bar" },
        h("span", { class: "tile-name" }, camera.id),
        camera.codec ? h("span", { class: "tile-codec" }, _codecText(camera.codec)) : null,
        this.#badge,
        this.#analyzerBadge,
        this.#age,
      ),
    );
    if (kind !== "live" && camera.status?.online === false) this.#analyzer = "offline";
    this.#render();
  }

  setVisible(visible: boolean): void {
    if (this.#stopped || visible === this.#visible) return;
    this.#visible = visible;
    if (visible) this.#resume();
    else this.#pause();
    this.#render();
  }

  stop(): void {
    this.#pause();
    this.#stopped = true;
    if (this.#snapUrl) URL.revokeObjectURL(this.#snapUrl);
  }

  get debug(): MosaicTileDebug {
    return {
      camera: this.camera.id,
      kind: this.kind,
      badge: this.#badge.dataset.state ?? "",
      visible: this.#visible,
      drawnBoxes: this.#overlay?.drawnBoxes ?? 0,
      analyzer: this.#analyzer,
      snapshotAgeMs: this.#img.hidden ? null : this.#snapshotAgeMs(),
    };
  }

  #resume(): void {
    if (this.kind === "snapshot") return this.#startSnapshots();
    if (this.kind !== "live") return;
    const overlay = new OverlayCanvas(this.#canvas, this.#video);
    const player = createPlayer(
      this.#video,
      this.camera.id,
      this.cfg,
      effectiveOrder(this.cfg, this.search),
      (state) => {
        this.#videoState = state;
        // Video that cannot play: the latest snapshot stands in until it plays again.
        if (state === "playing") this.#stopSnapshots();
        else if (state === "unavailable" || state === "at_capacity") this.#startSnapshots();
        this.#render();
      },
      () => typeof this.camera.codec === "string" ? this.camera.codec : null,
    );
    overlay.setClock(() => Date.now() - (player.videoDelay()?.ms ?? 0));
    this.#ticks = new TickSocket({
      url: wsUrl(`/ws?camera=${encodeURIComponent(this.camera.id)}`),
      onTick: (tick) => {
        if (tick.camera !== this.camera.id) return;
        if (this.#analyzer !== "online") {
          this.#analyzer = "online";
          this.#render();
        }
        overlay.pushTick(tick);
      },
      onStatus: (s) => {
        this.#analyzer = s;
        if (s !== "online") overlay.clear();
        this.#render();
      },
    });
    this.#overlay = overlay;
    this.#player = player;
    player.start();
    this.#ticks.start();
  }

  #pause(): void {
    this.#player?.stop();
    this.#ticks?.stop();
    this.#overlay?.destroy();
    this.#player = this.#ticks = this.#overlay = undefined;
    this.#videoState = null;
    this.#stopSnapshots();
  }

  #startSnapshots(): void {
    if (this.#snapTimer !== undefined) return;
    void this.#fetchSnapshot();
    this.#snapTimer = setInterval(() => void this.#fetchSnapshot(), SNAPSHOT_EVERY_MS);
  }

  #stopSnapshots(): void {
    clearInterval(this.#snapTimer);
    this.#snapTimer = undefined;
    this.#img.hidden = true;
  }

  async #fetchSnapshot(): Promise<void> {
    try {
      const res = await apiFetch(`/api/cameras/${encodeURIComponent(this.camera.id)}/snapshot.jpg`);
      if (!res.ok) {
        await res.body?.cancel();
        return this.#render(); // keep the previous picture; its age keeps growing
      }
      const blob = await res.blob();
      if (this.#snapTimer === undefined) return; // stopped meanwhile
      const url = URL.createObjectURL(blob);
      if (this.#snapUrl) URL.revokeObjectURL(this.#snapUrl);
      this.#snapUrl = url;
      this.#img.src = url;
      this.#img.hidden = false;
      this.#snapAge = { ms: Number(res.headers.get("x-frame-age-ms")) || 0, at: performance.now() };
    } catch { /* network: try again next period */ }
    this.#render();
  }

  #snapshotAgeMs(): number | null {
    return this.#snapAge ? this.#snapAge.ms + (performance.now() - this.#snapAge.at) : null;
  }

  /** Badges and the age line; called on every change and once a second. */
  #render(): void {
    const [state, text] = videoBadge(this.kind, this.#videoState);
    if (this.#badge.dataset.state !== state) this.#badge.dataset.state = state;
    if (this.#badge.textContent !== text) this.#badge.textContent = text;
    this.#analyzerBadge.hidden = this.kind === "unconfigured" || this.#analyzer !== "offline";
    const age = this.#img.hidden ? null : this.#snapshotAgeMs();
    this.#age.hidden = age === null;
    if (age !== null) this.#age.textContent = `snapshot ${ageText(age)}`;
    this.el.dataset.badge = state;
  }

  tick(): void {
    this.#render();
  }
}

/** "h265" is played as the H.264 copy (relay transcode, or MediaMTX's `<cam>_h264` sidecar). */
function _codecText(codec: string): string {
  return codec === "h265" ? "H.265 → H.264" : codec === "h264" ? "H.264" : codec;
}

export function renderMosaic(
  root: HTMLElement,
  cfg: AppConfig,
  params: URLSearchParams,
  search: string,
): () => void {
  const grid = h("div", { class: "mosaic", id: "mosaic" });
  const note = h("p", { class: "muted" }, "Loading cameras…");
  replace(root, h("h1", {}, "Cameras"), note, grid);
  document.title = "stopline · mosaic";
  let tiles: MosaicTile[] = [];
  let left = false;
  const observer = new IntersectionObserver((entries) => {
    for (const e of entries) {
      tiles.find((t) => t.el === e.target)?.setVisible(e.isIntersecting);
    }
  }, { rootMargin: "0px" });
  const clock = setInterval(() => tiles.forEach((t) => t.tick()), 1000);
  globalThis.stoplineMosaic = {
    get tiles() {
      return tiles.map((t) => t.debug);
    },
  };

  listCameras().then((cams) => {
    if (left) return;
    const byId = new Map(cams.map((c) => [c.id, c as MosaicCamera]));
    const plan = planMosaic([...byId.values()], liveLimitFrom(params));
    tiles = plan.map((p) => new MosaicTile(byId.get(p.id)!, p.kind, cfg, search));
    note.textContent = tiles.length ? "" : "No camera you may watch.";
    note.hidden = tiles.length > 0;
    replace(grid, ...tiles.map((t) => t.el));
    for (const t of tiles) observer.observe(t.el);
  }).catch((e) => {
    if (!left) note.textContent = `Cameras unavailable: ${(e as Error).message}`;
  });

  return () => {
    left = true;
    clearInterval(clock);
    observer.disconnect();
    for (const t of tiles) t.stop();
    tiles = [];
    globalThis.stoplineMosaic = undefined;
  };
}
