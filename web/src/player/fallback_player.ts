/// <reference lib="dom" />
/**
 * Tries the player modes in order (e.g. WHEP, then LL-HLS, then the MSE relay) and moves on
 * when one cannot start: it fails outright (404, 503 at capacity, unsupported), or shows no
 * frame within `connectTimeoutMs`, or loses video for `recoverMs` after playing. A mode that
 * is playing is never abandoned while it recovers within that time. When the last mode fails
 * too, it keeps retrying on its own and the chain starts over from the first after
 * `restartMs`, so a preferred server that comes back is used again.
 */
import type { PlayerMode } from "../../../shared/app_config.ts";
import type {
  FrameMediaTime,
  LivePlayer,
  PlayerStats,
  StateListener,
  VideoDelay,
  VideoState,
} from "./player.ts";

export interface FallbackOptions {
  order: PlayerMode[];
  create: (mode: PlayerMode, onState: StateListener) => LivePlayer;
  onState?: (state: VideoState, detail: string, mode: PlayerMode) => void;
  connectTimeoutMs?: number;
  recoverMs?: number;
  restartMs?: number;
}

export interface Attempt {
  mode: PlayerMode;
  outcome: string;
}

export interface FallbackStats extends PlayerStats {
  attempts: Attempt[];
}

/** States after which a mode that never played should hand over to the next one. */
export function isFailure(state: VideoState): boolean {
  return state === "unavailable" || state === "at_capacity";
}

export class FallbackPlayer implements LivePlayer {
  readonly #o: FallbackOptions;
  #index = 0;
  #current: LivePlayer | undefined;
  #played = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running = false;
  readonly attempts: Attempt[] = [];

  constructor(opts: FallbackOptions) {
    if (opts.order.length === 0) throw new Error("no player modes");
    this.#o = opts;
  }

  get mode(): PlayerMode {
    return this.#o.order[this.#index];
  }

  get stats(): FallbackStats {
    const s = this.#current?.stats ?? {
      mode: this.mode,
      state: "connecting" as const,
      detail: "",
      lagS: 0,
      reconnects: 0,
      firstFrameMs: null,
    };
    return { ...s, attempts: [...this.attempts] };
  }

  videoDelay(): VideoDelay | null {
    return this.#current?.videoDelay() ?? null;
  }

  frameCaptureMs(meta: VideoFrameCallbackMetadata): number | null {
    return this.#current?.frameCaptureMs(meta) ?? null;
  }

  frameMediaTime(meta: VideoFrameCallbackMetadata): FrameMediaTime | null {
    return this.#current?.frameMediaTime(meta) ?? null;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#use(0);
  }

  stop(): void {
    this.#running = false;
    clearTimeout(this.#timer);
    this.#current?.stop();
    this.#current = undefined;
  }

  #use(index: number): void {
    this.#current?.stop();
    clearTimeout(this.#timer);
    this.#index = index;
    this.#played = false;
    const mode = this.#o.order[index];
    const player = this.#o.create(mode, (s, d) => this.#onChild(player, s, d));
    this.#current = player;
    this.#arm(this.#o.connectTimeoutMs ?? 12_000, "no frame in time");
    player.start();
  }

  /** Give up on the current mode unless it is playing when the timer fires. */
  #arm(ms: number, outcome: string): void {
    clearTimeout(this.#timer);
    if (this.#o.order.length < 2) return;
    this.#timer = setTimeout(() => {
      if (this.#current?.stats.state !== "playing") this.#advance(outcome);
    }, ms);
  }

  #onChild(player: LivePlayer, state: VideoState, detail: string): void {
    if (player !== this.#current || !this.#running) return;
    this.#o.onState?.(state, detail, player.mode);
    if (state === "playing") {
      clearTimeout(this.#timer);
      if (!this.#played) this.attempts.push({ mode: player.mode, outcome: "playing" });
      this.#played = true;
    } else if (isFailure(state)) {
      if (!this.#played) this.#advance(detail || state);
      else this.#arm(this.#o.recoverMs ?? 15_000, `lost: ${detail || state}`);
    }
  }

  #advance(outcome: string): void {
    this.attempts.push({ mode: this.mode, outcome });
    if (this.#index + 1 < this.#o.order.length) return this.#use(this.#index + 1);
    // The last mode keeps retrying by itself; try the preferred ones again later.
    clearTimeout(this.#timer);
    if (this.#o.order.length > 1) {
      this.#timer = setTimeout(() => {
        if (this.#running && this.#current?.stats.state !== "playing") this.#use(0);
      }, this.#o.restartMs ?? 30_000);
    }
  }
}
