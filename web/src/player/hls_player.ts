/// <reference lib="dom" />
/**
 * LL-HLS playback with hls.js (MediaMTX: `<hls_base>/<camera>/index.m3u8`). Low-latency mode
 * uses parts and blocking playlist reloads when the server offers them (MediaMTX does); for
 * plain HLS it stays two target durations behind the edge and plays up to 1.5x to catch up
 * rather than drifting. Fatal network errors reconnect with backoff; fatal media errors first
 * try hls.js's in-place recovery.
 */
import type Hls from "hls.js";
import { lazyImport } from "../lazy_import.ts";
import { initialStats, LivePlayerBase } from "./live_player_base.ts";
import type { PlayerStats, StateListener, VideoDelay } from "./player.ts";

export interface HlsPlayerOptions {
  /** The playlist URL. */
  url: string;
  headers?: () => Record<string, string>;
  onState?: StateListener;
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
}

/** hls.js is loaded on first use: pages that play WebRTC or the MSE relay never download it. */
const _loadHls = lazyImport(() => import("hls.js").then((m) => m.default));

export class HlsPlayer extends LivePlayerBase<PlayerStats> {
  readonly mode = "hls" as const;
  readonly #o: HlsPlayerOptions;
  #hls: Hls | undefined;
  /** Counts connects, so one that awaited the hls.js download knows it is still current. */
  #attempt = 0;
  #mediaRecoveries = 0;
  /** Seconds a part (LL-HLS) or segment covers: media exists only after it is complete. */
  #chunkS = 0;

  constructor(video: HTMLVideoElement, opts: HlsPlayerOptions) {
    super(video, initialStats("hls"), opts, 250);
    this.#o = opts;
  }

  /**
   * With EXT-X-PROGRAM-DATE-TIME (MediaMTX writes it) the playhead's capture time is known:
   * `hls.playingDate`. Without it: behind the live edge (`hls.latency`) plus one chunk, since a
   * chunk is listed only after its last frame was captured.
   */
  videoDelay(): VideoDelay | null {
    const hls = this.#hls;
    if (!hls || this.info.state !== "playing") return null;
    const pdt = hls.playingDate;
    if (pdt) return { ms: Math.max(0, Date.now() - pdt.getTime()), source: "pdt" };
    return { ms: (hls.latency + this.#chunkS) * 1000, source: "estimate" };
  }

  /**
   * With program date-time: the date of the playhead, moved back to the frame presented (its
   * media time can trail currentTime by a frame). Without it the frame's capture is unknown.
   */
  override frameCaptureMs(meta: VideoFrameCallbackMetadata): number | null {
    const pdt = this.#hls?.playingDate;
    if (!pdt || this.info.state !== "playing") return null;
    return pdt.getTime() - (this.video.currentTime - meta.mediaTime) * 1000;
  }

  protected async connect(): Promise<void> {
    if (!this.running) return;
    if (this.info.state !== "unavailable") this.setState("connecting");
    const attempt = ++this.#attempt;
    let Hls: typeof import("hls.js").default;
    try {
      Hls = await _loadHls();
    } catch (e) {
      if (attempt === this.#attempt) this.fail(`HLS player did not load: ${(e as Error).message}`);
      return;
    }
    // Stopped, or a newer connect started, while the module loaded.
    if (!this.running || attempt !== this.#attempt) return;
    if (!Hls.isSupported()) {
      // Safari/iOS play HLS natively (and LL-HLS) without MSE.
      if (this.video.canPlayType("application/vnd.apple.mpegurl")) {
        this.video.src = this.#o.url;
        return;
      }
      this.running = false;
      return this.setState("unavailable", "HLS not supported by this browser");
    }
    const headers = this.#o.headers;
    const hls = new Hls({
      lowLatencyMode: true,
      // Plain HLS: 2 target durations behind the edge; LL-HLS uses the server's PART-HOLD-BACK.
      liveSyncDurationCount: 2,
      liveMaxLatencyDurationCount: 5,
      maxLiveSyncPlaybackRate: 1.5,
      backBufferLength: 10,
      // Main-thread transmux: one stream per page, and no worker blob for a bundler to break.
      enableWorker: false,
      manifestLoadingMaxRetry: 1,
      xhrSetup: headers
        ? (xhr) => {
          for (const [k, v] of Object.entries(headers())) xhr.setRequestHeader(k, v);
        }
        : undefined,
    });
    this.#hls = hls;
    hls.on(Hls.Events.LEVEL_UPDATED, (_e, data) => {
      const d = data.details;
      this.#chunkS = d.partTarget || d.targetduration || 0;
    });
    hls.on(Hls.Events.ERROR, (_e, data) => {
      if (hls !== this.#hls || !data.fatal) return;
      if (data.type === Hls.ErrorTypes.MEDIA_ERROR && this.#mediaRecoveries++ < 3) {
        hls.recoverMediaError();
        return;
      }
      const code = data.response?.code;
      if (code === 503 || code === 429) this.fail("stream at capacity", "at_capacity");
      else this.fail(code ? `HLS ${code} (${data.details})` : `HLS ${data.details}`);
    });
    hls.loadSource(this.#o.url);
    hls.attachMedia(this.video);
  }

  protected control(): void {
    const v = this.video;
    if (v.paused && v.readyState >= 2) v.play().catch(() => {});
    if (this.#hls) this.info.lagS = Math.max(0, this.#hls.latency || 0);
    this.checkProgress();
    // hls.js keeps retrying stalled live playlists on its own; a long stall means the
    // stream is gone and a fresh manifest load is the cleanest restart.
    this.failIfStalled(12_000);
  }

  protected override onPlaying(): void {
    this.#mediaRecoveries = 0;
  }

  protected teardown(): void {
    const hls = this.#hls;
    this.#hls = undefined;
    hls?.destroy();
    if (this.video.getAttribute("src")) {
      this.video.removeAttribute("src");
      this.video.load();
    }
    this.progress.resetPosition();
  }
}
