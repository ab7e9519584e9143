/**
 * One ffmpeg per camera, remuxing the source (no re-encode: `-c copy`) to fragmented MP4 with
 * one fragment per frame, so a browser (MSE) and the dev analyzer can both follow it live.
 *
 * Lifecycle: ffmpeg starts when the first subscriber arrives and stops `idleStopMs` after the
 * last one leaves; if it dies while subscribers remain, it restarts with exponential backoff.
 * The init segment and the fragments since the latest keyframe are kept (bounded) so a new
 * subscriber can start decoding at once instead of waiting for the next keyframe.
 */
import { redactSource } from "../../shared/redact.ts";
import { ffmpegPath } from "../../shared/ffmpeg_path.ts";
import { stderrTail, stopChild } from "./ffmpeg_child.ts";
import { type Bytes, Mp4Splitter, videoSampleEntry } from "./mp4_boxes.ts";

/** Per-frame fragments (low latency); empty_moov so the init segment comes first, alone. */
export const FRAGMENT_MOVFLAGS = "empty_moov+default_base_moof+frag_every_frame";

export interface SourceSpec {
  /** File path, rtsp(s)://, http(s)://, ... */
  source: string;
  /** Loop a file source forever (the dev default behaves like a live camera). */
  loop: boolean;
}

export type StreamEvent =
  | { type: "init"; generation: number; data: Bytes; mime: string }
  | { type: "fragment"; generation: number; data: Bytes; keyframe: boolean }
  | { type: "end"; generation: number; reason: string; final: boolean };

export type Subscriber = (ev: StreamEvent) => void;

export interface LiveFmp4Options {
  camera: string;
  spec: SourceSpec;
  /** ffmpeg binary; defaults to shared `ffmpegPath()`. */
  ffmpeg?: string;
  /** Keep ffmpeg running this long after the last subscriber leaves (reconnects are cheap). */
  idleStopMs?: number;
  /** Bound on the since-last-keyframe backlog; beyond it new subscribers wait for a keyframe. */
  backlogMaxBytes?: number;
  backlogMaxFragments?: number;
  /** Restart backoff, doubled per consecutive failure. */
  restartMinMs?: number;
  restartMaxMs?: number;
  /** Kill ffmpeg if it produces no bytes for this long (a hung RTSP session never exits). */
  stallMs?: number;
  log?: (msg: string) => void;
}

const _URL_SCHEME = /^[a-z][a-z0-9+.-]*:/i;

export function isFileSource(source: string): boolean {
  return !_URL_SCHEME.test(source) || source.toLowerCase().startsWith("file:");
}

/**
 * Browsers (Chrome's MSE and WebRTC) cannot play H.265, so an H.265 source is re-encoded to
 * H.264 by the relay itself (the seed's validated settings: ultrafast, zerolatency, 1 s GOP at
 * 10 fps, no B-frames); H.264 is only remuxed.
 */
export const H264_TRANSCODE_ARGS = [
  ...["-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency"],
  ...["-g", "10", "-keyint_min", "10", "-bf", "0", "-pix_fmt", "yuv420p"],
];

/** The codec family of an MP4 `codecs` string: "h265" for hvc1/hev1, "h264" for avc1/avc3. */
export function codecFamily(codec: string | undefined): "h264" | "h265" | null {
  if (!codec) return null;
  if (/^(hvc1|hev1)/i.test(codec)) return "h265";
  if (/^(avc1|avc3)/i.test(codec)) return "h264";
  return null;
}

/** A `unix:` source is a socket the relay listens on (the dev annotated stream), not a camera. */
export function isListenSource(source: string): boolean {
  return source.startsWith("unix:");
}

/** The ffmpeg command line for a source (exported for tests and diagnostics). */
export function ffmpegArgs(spec: SourceSpec, opts: { transcode?: boolean } = {}): string[] {
  return [
    ...["-hide_banner", "-loglevel", "error", "-nostdin"],
    ...ffmpegInputArgs(spec),
    // Video only: the MSE mime and the analyzer need exactly one H.264 track.
    ...["-map", "0:v:0", ...(opts.transcode ? H264_TRANSCODE_ARGS : ["-c", "copy"])],
    ...["-an", "-sn", "-dn"],
    ...["-f", "mp4", "-movflags", FRAGMENT_MOVFLAGS, "-flush_packets", "1", "pipe:1"],
  ];
}

/** ffmpeg's input options for a source, shared by every output the relay makes of it. */
export function ffmpegInputArgs(spec: SourceSpec): string[] {
  const input: string[] = [];
  const lower = spec.source.toLowerCase();
  if (isListenSource(spec.source)) {
    // The analyzer's annotated stream (dev): ffmpeg listens, the analyzer's ffmpeg connects.
    return ["-f", "mpegts", "-listen", "1", "-i", spec.source];
  }
  if (isFileSource(spec.source)) {
    // -re paces a file at real time so it behaves like a camera; -stream_loop keeps the
    // timestamps continuous across loops (verified on ffmpeg 4.1 and 5.1).
    input.push("-re");
    if (spec.loop) input.push("-stream_loop", "-1");
  } else if (lower.startsWith("rtsp://") || lower.startsWith("rtsps://")) {
    // TCP interleaving: no UDP packet loss, and works through NAT/firewalls.
    input.push("-rtsp_transport", "tcp");
  }
  return [...input, "-i", spec.source];
}

function _mime(codec: string | undefined): string {
  return codec ? `video/mp4; codecs="${codec}"` : "video/mp4";
}

export class LiveFmp4Stream {
  readonly camera: string;
  readonly spec: SourceSpec;
  #opts: Required<Omit<LiveFmp4Options, "ffmpeg" | "log">> & { ffmpeg?: string };
  #log: (msg: string) => void;
  #subs = new Set<Subscriber>();
  #child: Deno.ChildProcess | undefined;
  #exited: Promise<void> | undefined;
  #generation = 0;
  #init: { data: Bytes; mime: string } | undefined;
  #backlog: Bytes[] = [];
  #backlogBytes = 0;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  #restartTimer: ReturnType<typeof setTimeout> | undefined;
  #failures = 0;
  #closed = false;
  #starting = false;
  #fragments = 0;
  /** The source's own codec, learned from the first init segment of a copy run. */
  #sourceCodec: "h264" | "h265" | null = null;
  #transcode = false;
  /** Set while the copy run that found H.265 exits, so its exit is a switch, not an outage. */
  #switching = false;

  constructor(opts: LiveFmp4Options) {
    this.camera = opts.camera;
    this.spec = opts.spec;
    this.#log = opts.log ?? ((m) => console.error(m));
    this.#opts = {
      camera: opts.camera,
      spec: opts.spec,
      ffmpeg: opts.ffmpeg,
      idleStopMs: opts.idleStopMs ?? 5_000,
      backlogMaxBytes: opts.backlogMaxBytes ?? 16 * 1024 * 1024,
      backlogMaxFragments: opts.backlogMaxFragments ?? 600,
      restartMinMs: opts.restartMinMs ?? 500,
      restartMaxMs: opts.restartMaxMs ?? 10_000,
      stallMs: opts.stallMs ?? 15_000,
    };
  }

  /** Process id of the running ffmpeg, if any. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get subscribers(): number {
    return this.#subs.size;
  }

  /** The current init segment and mime, once ffmpeg has written it. */
  get init(): { data: Bytes; mime: string } | undefined {
    return this.#init;
  }

  /** The camera's codec ("h265" means the relay serves an H.264 transcode of it). */
  get sourceCodec(): "h264" | "h265" | null {
    return this.#sourceCodec;
  }

  /** The relay re-encodes this source to H.264 (an H.265 camera). */
  get transcoding(): boolean {
    return this.#transcode;
  }

  get stats(): { generation: number; fragments: number; backlog: number; running: boolean } {
    return {
      generation: this.#generation,
      fragments: this.#fragments,
      backlog: this.#backlog.length,
      running: this.#child !== undefined,
    };
  }

  /**
   * Receive init + fragments from the latest keyframe at once (when available), then live
   * events. Returns the unsubscribe function. Subscribers must not throw or block.
   */
  subscribe(fn: Subscriber): () => void {
    if (this.#closed) throw new Error("stream closed");
    this.#subs.add(fn);
    clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    if (this.#init) {
      const g = this.#generation;
      fn({ type: "init", generation: g, ...this.#init });
      for (const data of this.#backlog) {
        fn({ type: "fragment", generation: g, data, keyframe: data === this.#backlog[0] });
      }
    }
    if (!this.#child && !this.#starting && this.#restartTimer === undefined) void this.#start();
    return () => this.#unsubscribe(fn);
  }

  #unsubscribe(fn: Subscriber): void {
    if (!this.#subs.delete(fn) || this.#subs.size > 0 || this.#closed) return;
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = undefined;
      if (this.#subs.size === 0) {
        clearTimeout(this.#restartTimer);
        this.#restartTimer = undefined;
        void this.#stop();
      }
    }, this.#opts.idleStopMs);
  }

  #emit(ev: StreamEvent): void {
    for (const fn of [...this.#subs]) {
      try {
        fn(ev);
      } catch (e) {
        this.#log(`[media-relay] ${this.camera}: subscriber error: ${(e as Error).message}`);
      }
    }
  }

  async #start(): Promise<void> {
    this.#starting = true;
    let bin: string;
    try {
      bin = this.#opts.ffmpeg ?? await ffmpegPath();
    } catch (e) {
      this.#starting = false;
      this.#onExit(this.#generation, (e as Error).message, false, 0);
      return;
    }
    this.#starting = false;
    if (this.#closed || this.#child || this.#subs.size === 0) return;
    const generation = ++this.#generation;
    this.#init = undefined;
    this.#resetBacklog();
    let child: Deno.ChildProcess;
    if (isListenSource(this.spec.source)) {
      // A socket left by a killed ffmpeg would make the new one fail with "address in use".
      try {
        Deno.removeSync(this.spec.source.slice("unix:".length));
      } catch { /* none left */ }
    }
    try {
      child = new Deno.Command(bin, {
        args: ffmpegArgs(this.spec, { transcode: this.#transcode }),
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
    } catch (e) {
      this.#onExit(generation, `spawn failed: ${(e as Error).message}`, false, 0);
      return;
    }
    this.#child = child;
    const startedAt = Date.now();
    this.#log(
      `[media-relay] ${this.camera}: ffmpeg pid ${child.pid} <- ${redactSource(this.spec.source)}`,
    );
    const stderr = stderrTail(
      child.stderr,
      (t) => t.replaceAll(this.spec.source, redactSource(this.spec.source)),
    );
    this.#exited = (async () => {
      let reason = "";
      try {
        await this.#pump(child, generation);
      } catch (e) {
        reason = (e as Error).message;
        try {
          child.kill("SIGKILL");
        } catch { /* already gone */ }
      }
      const status = await child.status;
      const tail = await stderr;
      if (this.#child === child) this.#child = undefined;
      reason ||= tail || `ffmpeg exited with code ${status.code}`;
      this.#onExit(generation, reason, status.success, Date.now() - startedAt);
    })();
  }

  async #pump(child: Deno.ChildProcess, generation: number): Promise<void> {
    const splitter = new Mp4Splitter();
    const reader = child.stdout.getReader();
    let lastData = Date.now();
    // A hung input (RTSP camera gone silent) never makes ffmpeg exit: kill it ourselves.
    const watchdog = setInterval(() => {
      if (Date.now() - lastData > this.#opts.stallMs) {
        this.#log(`[media-relay] ${this.camera}: no data for ${this.#opts.stallMs} ms, killing`);
        try {
          child.kill("SIGKILL");
        } catch { /* gone */ }
      }
    }, 1_000);
    try {
      while (true) {
        const { value, done } = await reader.read();
        if (done) break;
        lastData = Date.now();
        for (const seg of splitter.push(value)) {
          if (seg.kind === "init") {
            if (!this.#transcode) {
              this.#sourceCodec = codecFamily(seg.codec ?? videoSampleEntry(seg.data));
              if (this.#sourceCodec === "h265") {
                // Nothing sent yet: restart at once as a transcode (#onExit sees #transcode).
                this.#transcode = true;
                this.#switching = true;
                this.#log(`[media-relay] ${this.camera}: H.265 source, transcoding to H.264`);
                throw new Error("h265 source: restarting as an H.264 transcode");
              }
            }
            this.#init = { data: seg.data, mime: _mime(seg.codec) };
            this.#emit({ type: "init", generation, ...this.#init });
          } else {
            this.#fragments++;
            this.#remember(seg.data, seg.keyframe);
            this.#emit({ type: "fragment", generation, data: seg.data, keyframe: seg.keyframe });
          }
        }
      }
    } finally {
      clearInterval(watchdog);
      reader.releaseLock();
    }
  }

  /** Keep fragments since the latest keyframe, bounded; on overflow keep none. */
  #remember(data: Bytes, keyframe: boolean): void {
    if (keyframe) this.#resetBacklog();
    else if (this.#backlog.length === 0) return; // no keyframe held: nothing decodable to add
    this.#backlog.push(data);
    this.#backlogBytes += data.length;
    if (
      this.#backlogBytes > this.#opts.backlogMaxBytes ||
      this.#backlog.length > this.#opts.backlogMaxFragments
    ) this.#resetBacklog();
  }

  #resetBacklog(): void {
    this.#backlog = [];
    this.#backlogBytes = 0;
  }

  #onExit(generation: number, reason: string, success: boolean, ranMs: number): void {
    this.#init = undefined;
    this.#resetBacklog();
    if (this.#switching) {
      // Copy -> transcode: no subscriber saw this run's video; start the H.264 run now.
      this.#switching = false;
      if (!this.#closed && this.#subs.size > 0) void this.#start();
      return;
    }
    // A plain file without loop reaching its end is finished, not failed.
    const final = this.#closed || (success && isFileSource(this.spec.source) && !this.spec.loop);
    this.#emit({ type: "end", generation, reason, final });
    if (this.#closed || this.#subs.size === 0 || final) return;
    // A run that lasted a while was healthy: start the backoff over.
    if (ranMs > 10_000) this.#failures = 0;
    const delay = Math.min(this.#opts.restartMaxMs, this.#opts.restartMinMs * 2 ** this.#failures);
    this.#failures++;
    this.#log(`[media-relay] ${this.camera}: ffmpeg stopped (${reason}); restart in ${delay} ms`);
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = undefined;
      if (this.#subs.size > 0) void this.#start();
    }, delay);
  }

  async #stop(): Promise<void> {
    const child = this.#child;
    const exited = this.#exited;
    if (!child) return;
    void stopChild(child);
    await exited;
  }

  /** Stop ffmpeg and drop every subscriber. Resolves once the process has exited. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#idleTimer);
    clearTimeout(this.#restartTimer);
    this.#idleTimer = this.#restartTimer = undefined;
    await this.#stop();
    this.#subs.clear();
  }
}
