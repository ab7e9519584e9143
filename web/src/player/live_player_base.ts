/// <reference lib="dom" />
/**
 * The lifecycle every live player (WHEP, LL-HLS, MSE relay) shares: start a control loop and
 * connect; report each state change once; on failure tear down, show why and reconnect with
 * backoff; stop cleanly (twice, or from pagehide). Subclasses bring the transport: connect,
 * teardown and the rest of the control loop.
 */
import type { PlayerMode } from "../../../shared/app_config.ts";
import { Backoff } from "../backoff.ts";
import {
  type FrameMediaTime,
  type LivePlayer,
  type PlayerStats,
  prepareLiveVideo,
  type StateListener,
  type VideoDelay,
  type VideoState,
} from "./player.ts";
import { ProgressWatch } from "./progress.ts";

/** The options the base reads (every player's options type has them). */
export interface LivePlayerBaseOptions {
  onState?: StateListener;
  /** First reconnect delay, ms (default 1000). */
  reconnectMinMs?: number;
  /** Longest reconnect delay, ms (default 15000). */
  reconnectMaxMs?: number;
}

/** The stats every player starts from, before its own fields. */
export function initialStats(mode: PlayerMode): PlayerStats {
  return { mode, state: "connecting", detail: "", lagS: 0, reconnects: 0, firstFrameMs: null };
}

/** The video events after which progress is worth judging. */
const _PROGRESS_EVENTS = ["playing", "timeupdate"] as const;

export abstract class LivePlayerBase<S extends PlayerStats> implements LivePlayer {
  abstract readonly mode: PlayerMode;
  protected readonly video: HTMLVideoElement;
  protected readonly backoff: Backoff;
  protected readonly progress = new ProgressWatch();
  /** The live stats, updated in place; `stats` hands out copies. */
  protected readonly info: S;
  /** Between start() and stop(); a player that cannot work at all clears it to stay down. */
  protected running = false;
  readonly #onState: StateListener | undefined;
  readonly #controlMs: number;
  #timer: ReturnType<typeof setInterval> | undefined;
  #retry: ReturnType<typeof setTimeout> | undefined;
  /**
   * The video's own events judge progress at once: the control loop alone could leave
   * "connecting" on screen for a tick after the first frame (or after a seek to the edge).
   */
  readonly #onVideoEvent = () => {
    if (this.running) this.checkProgress();
  };

  /** `controlMs`: how often control() runs while started. */
  constructor(video: HTMLVideoElement, stats: S, opts: LivePlayerBaseOptions, controlMs: number) {
    this.video = video;
    this.info = stats;
    this.#onState = opts.onState;
    this.#controlMs = controlMs;
    this.backoff = new Backoff(opts.reconnectMinMs ?? 1000, opts.reconnectMaxMs ?? 15000);
    prepareLiveVideo(video);
  }

  get stats(): S {
    return { ...this.info, firstFrameMs: this.progress.firstFrameMs };
  }

  abstract videoDelay(): VideoDelay | null;

  /** The frame's capture time, where the player can tell it (see LivePlayer). */
  frameCaptureMs(_meta: VideoFrameCallbackMetadata): number | null {
    return null;
  }

  /** The frame's stream time, where the player can tell it (see LivePlayer). */
  frameMediaTime(_meta: VideoFrameCallbackMetadata): FrameMediaTime | null {
    return null;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.progress.restart();
    for (const e of _PROGRESS_EVENTS) this.video.addEventListener(e, this.#onVideoEvent);
    this.#timer = setInterval(() => {
      if (this.running) this.control();
    }, this.#controlMs);
    void this.connect();
  }

  stop(): void {
    this.running = false;
    clearInterval(this.#timer);
    clearTimeout(this.#retry);
    for (const e of _PROGRESS_EVENTS) this.video.removeEventListener(e, this.#onVideoEvent);
    this.teardown();
  }

  /** Open the stream; called by start() and by each reconnect. */
  protected abstract connect(): void | Promise<void>;

  /** Release the stream and the video element's source; must be safe to call twice. */
  protected abstract teardown(): void;

  /** One tick of the control loop, only while running. */
  protected abstract control(): void;

  /** Listeners hear a state (or its detail) once, not on every control tick. */
  protected setState(state: VideoState, detail = ""): void {
    if (this.info.state === state && this.info.detail === detail) return;
    this.info.state = state;
    this.info.detail = detail;
    this.#onState?.(state, detail);
  }

  /** Something broke: drop the stream, show why and reconnect once with backoff. */
  protected fail(detail: string, state: VideoState = "unavailable"): void {
    this.teardown();
    if (!this.running) return;
    this.setState(state, detail);
    clearTimeout(this.#retry);
    this.#retry = setTimeout(() => {
      this.info.reconnects++;
      void this.connect();
    }, this.retryDelay(state));
  }

  /** ms until the next reconnect after failing with `state`. */
  protected retryDelay(_state: VideoState): number {
    return this.backoff.next();
  }

  /** Judge playback progress and show it; playing again resets the backoff. */
  protected checkProgress(now?: number): void {
    const next = this.progress.check(this.video, this.info.state, now);
    if (next === "playing") {
      this.backoff.reset();
      this.onPlaying();
    }
    if (next) this.setState(next);
  }

  /** Called when the video (re)starts playing, for a subclass's own bookkeeping. */
  protected onPlaying(): void {}

  /** Buffering for longer than `ms` means the stream is gone: reconnect from scratch. */
  protected failIfStalled(ms: number): void {
    if (this.info.state === "buffering" && this.progress.stalledFor() > ms) {
      this.fail("no video frames");
    }
  }
}
