/**
 * A camera's frames on the main thread: starts the decode Worker, pulls the newest frame on
 * demand, and restarts ffmpeg with exponential backoff when a live stream breaks.
 */
import { redactSecrets, redactSource } from "../../shared/redact.ts";
import { ffmpegPath } from "../../shared/ffmpeg_path.ts";
import type { IsolateMemory } from "../health/isolate_memory.ts";
import type { FrameMeta, FromDecoder, ToDecoder } from "./decode_protocol.ts";
import { decodeArgs, type SourceSpec } from "./ffmpeg_args.ts";
import type { StreamClock } from "./stream_clock.ts";

export interface DecodedFrame {
  meta: FrameMeta;
  /** RGB24, width x height x 3 bytes. Hand it back with `release` when done. */
  data: Uint8Array;
}

export interface FrameSourceOptions {
  /** Restart when the stream ends or fails (live cameras). False: end of file ends the source. */
  reconnect: boolean;
  /** Map PTS 0 to this wall-clock time (offline analysis); default: arrival of the first frame. */
  anchorMs?: number;
  /** Offline analysis: every frame is delivered, none dropped (decoding waits for the consumer). */
  lossless?: boolean;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  log?: (msg: string) => void;
  /**
   * A shared-timeline source (the relay, read with -copyts): capture time comes from this clock,
   * which the clip recorder reading the same stream shares (stream_clock.ts).
   */
  clock?: StreamClock;
}

export type SourceState = "starting" | "running" | "backoff" | "ended" | "stopped";

export class FrameSource {
  readonly #spec: SourceSpec;
  readonly #opts: FrameSourceOptions;
  #worker: Worker | null = null;
  #waiter: ((f: DecodedFrame | null) => void) | null = null;
  #recycle: ArrayBuffer | undefined;
  #backoffMs: number;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #droppedBase = 0;
  #runDropped = 0;
  /** With a shared clock: the last capture time given (never backwards), and a new run's start. */
  #lastTs = -Infinity;
  #newRun = true;

  state: SourceState = "starting";
  frames = 0;
  restarts = 0;
  lastFrameAt = 0;
  /** The newest frame the decode worker has decoded (taken or not): its capture time (PTS on
   * the wall clock) and its arrival, ms since the epoch; 0 before the first. */
  lastCaptureTs = 0;
  lastDecodedAt = 0;
  lastError = "";
  /** The decode worker's V8 heap, as it last reported it. */
  workerMemory: IsolateMemory | null = null;

  constructor(spec: SourceSpec, opts: FrameSourceOptions) {
    this.#spec = spec;
    this.#opts = opts;
    this.#backoffMs = opts.minBackoffMs ?? 500;
  }

  get dropped(): number {
    return this.#droppedBase + this.#runDropped;
  }

  start(): void {
    this.#spawn();
  }

  /** The newest decoded frame; null once the source has ended or was stopped. */
  next(): Promise<DecodedFrame | null> {
    if (this.state === "ended" || this.state === "stopped") return Promise.resolve(null);
    if (this.#waiter) throw new Error("next() called while a frame is already awaited");
    return new Promise((resolve) => {
      this.#waiter = resolve;
      this.#request();
    });
  }

  /** Give a frame's buffer back so the decoder can reuse it (saves an allocation per frame). */
  release(frame: DecodedFrame): void {
    this.#recycle = frame.data.buffer as ArrayBuffer;
  }

  stop(): void {
    this.state = "stopped";
    clearTimeout(this.#retryTimer);
    this.#worker?.postMessage({ type: "stop" } satisfies ToDecoder);
    const w = this.#worker;
    // Give ffmpeg a moment to exit on SIGTERM before the worker (and its pipes) go away.
    setTimeout(() => w?.terminate(), 1000);
    this.#worker = null;
    this.#resolve(null);
  }

  #request(): void {
    if (!this.#worker) return; // asked again when the next worker starts
    const recycle = this.#recycle;
    this.#recycle = undefined;
    this.#worker.postMessage(
      { type: "next", recycle } satisfies ToDecoder,
      recycle ? { transfer: [recycle] } : undefined,
    );
  }

  #resolve(f: DecodedFrame | null): void {
    const w = this.#waiter;
    this.#waiter = null;
    w?.(f);
  }

  async #spawn(): Promise<void> {
    const bin = await ffmpegPath();
    if (this.state === "stopped") return;
    const worker = new Worker(new URL("./decode_worker.ts", import.meta.url).href, {
      type: "module",
    });
    this.#worker = worker;
    this.#runDropped = 0;
    this.#newRun = true;
    worker.onmessage = (e: MessageEvent<FromDecoder>) => this.#onMessage(worker, e.data);
    worker.onerror = (e) => {
      e.preventDefault();
      this.#onEnded(worker, null, `decode worker error: ${e.message}`);
    };
    worker.postMessage(
      {
        type: "start",
        bin,
        args: decodeArgs(this.#spec),
        anchorMs: this.#opts.anchorMs ?? null,
        lossless: this.#opts.lossless ?? false,
      } satisfies ToDecoder,
    );
    if (this.#waiter) this.#request();
  }

  #decoded(captureTs: number, arrivedAt: number): void {
    if (arrivedAt < this.lastDecodedAt) return; // a frame message older than a report
    this.lastCaptureTs = captureTs;
    this.lastDecodedAt = arrivedAt;
  }

  #onMessage(worker: Worker, msg: FromDecoder): void {
    if (worker !== this.#worker) return;
    if (msg.type === "frame") {
      this.state = "running";
      this.frames++;
      this.lastFrameAt = Date.now();
      this.#runDropped = msg.meta.dropped;
      const clock = this.#opts.clock;
      if (clock) {
        const anchor = clock.observe(msg.meta.streamPtsS, msg.meta.arrivedAt, this.#newRun);
        this.#newRun = false;
        msg.meta.captureTs = Math.max(anchor + msg.meta.streamPtsS * 1000, this.#lastTs);
        this.#lastTs = msg.meta.captureTs;
      }
      this.#decoded(msg.meta.captureTs, msg.meta.arrivedAt);
      this.#backoffMs = this.#opts.minBackoffMs ?? 500;
      this.#resolve({ meta: msg.meta, data: new Uint8Array(msg.data) });
    } else if (msg.type === "memory") {
      this.workerMemory = msg.memory;
    } else if (msg.type === "decoded") {
      this.#decoded(msg.captureTs, msg.arrivedAt);
    } else if (msg.type === "ended") {
      this.#onEnded(worker, msg.code, msg.reason);
    }
  }

  #onEnded(worker: Worker, code: number | null, workerReason: string): void {
    if (worker !== this.#worker) return;
    // Again on this thread: substituted config secrets are registered here, not in the worker.
    const reason = redactSecrets(workerReason);
    this.#worker = null;
    worker.terminate();
    this.#droppedBase += this.#runDropped;
    this.#runDropped = 0;
    if (this.state === "stopped") return;
    const where = redactSource(this.#spec.source);
    if (!this.#opts.reconnect) {
      this.state = "ended";
      if (code !== 0) this.lastError = `ffmpeg exited ${code} on ${where}: ${reason}`;
      this.#resolve(null);
      return;
    }
    this.state = "backoff";
    this.lastError = `stream ${where} ended (ffmpeg exit ${code}): ${reason}`;
    this.#opts.log?.(`${this.lastError}; reconnecting in ${this.#backoffMs} ms`);
    this.#retryTimer = setTimeout(() => {
      this.restarts++;
      this.#spawn();
    }, this.#backoffMs);
    this.#backoffMs = Math.min(this.#backoffMs * 2, this.#opts.maxBackoffMs ?? 2_000);
  }
}
