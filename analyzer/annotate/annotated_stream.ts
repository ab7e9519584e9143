/**
 * The annotated stream of one camera (issue #14 §6): annotated RGB frames -> ffmpeg's stdin ->
 * libx264 (ultrafast, zerolatency, no B-frames) -> RTSP into MediaMTX (production) or MPEG-TS
 * to any other ffmpeg output URL (dev, tests). The seed's spike validated this path.
 *
 * The live pipeline never waits on it: `offer` returns at once; while the previous frame is
 * still being written (ffmpeg slow, the server stalled) the new frame is dropped and counted
 * (latest-state). If ffmpeg dies, the stream restarts on a later frame after a backoff.
 */
import { annotatedSocketDir, annotatedSocketUrl } from "../../shared/annotated_socket.ts";
import { annotatedPath } from "../../shared/media_paths.ts";
import { redactSecrets } from "../../shared/redact.ts";
import { ffmpegPath } from "../../shared/ffmpeg_path.ts";
import type { RgbImage } from "./draw.ts";

export interface AnnotatedStreamOptions {
  camera: string;
  /** Where ffmpeg sends the stream: rtsp(s)://... (RTSP over TCP) or any URL/path (MPEG-TS). */
  target: string;
  /** Frame rate hint for the encoder's GOP (timestamps are wall-clock). */
  fps: number;
  ffmpeg?: string;
  /** First restart delay after ffmpeg dies, doubled per consecutive failure (max 5 s). */
  restartMinMs?: number;
  log?: (m: string) => void;
}

export interface AnnotatedStreamStats {
  /** Frames handed to ffmpeg. */
  sent: number;
  /** Frames not sent: ffmpeg was still busy with the previous one, restarting, or down. */
  dropped: number;
  /** ffmpeg processes started. */
  starts: number;
}

/** ffmpeg's command line for an annotated stream (exported for tests and diagnostics). */
export function annotatedFfmpegArgs(
  width: number,
  height: number,
  fps: number,
  target: string,
): string[] {
  const gop = String(Math.max(1, Math.round(fps)));
  const rtsp = /^rtsps?:\/\//i.test(target);
  return [
    // -y: a file target (tests) is replaced on restart instead of prompting on stdin.
    ...["-hide_banner", "-loglevel", "error", "-y"],
    // Wall-clock timestamps: frames arrive at the analyzer's pace, with gaps where dropped.
    ...["-use_wallclock_as_timestamps", "1"],
    ...["-f", "rawvideo", "-pix_fmt", "rgb24", "-s", `${width}x${height}`, "-i", "pipe:0"],
    ...["-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency"],
    ...["-g", gop, "-keyint_min", gop, "-bf", "0", "-pix_fmt", "yuv420p", "-fps_mode", "vfr"],
    ...(rtsp ? ["-f", "rtsp", "-rtsp_transport", "tcp"] : ["-f", "mpegts", "-flush_packets", "1"]),
    target,
  ];
}

/**
 * Where `<cam>_annotated` goes: production `rtsp://<MEDIA_PUBLISH_HOST>/<cam>_annotated` with
 * the publisher credential (MEDIA_PUBLISH_USER/PASSWORD; as MEDIA_READ_HOST is for reading);
 * dev (the analyzer reads the relay: STOPLINE_MEDIA_URL) the relay's Unix socket for the camera
 * (shared/annotated_socket.ts); else nowhere (null: the stream stays off).
 */
export function annotatedTargetFromEnv(
  env: (name: string) => string | undefined,
): (camera: string) => string | null {
  const host = env("MEDIA_PUBLISH_HOST");
  if (host) {
    return (camera) => {
      const url = new URL(`rtsp://${host}/${annotatedPath(camera)}`);
      const user = env("MEDIA_PUBLISH_USER");
      const password = env("MEDIA_PUBLISH_PASSWORD");
      if (user) url.username = encodeURIComponent(user);
      if (password) url.password = encodeURIComponent(password);
      return url.toString();
    };
  }
  if (env("STOPLINE_MEDIA_URL")) {
    const dir = annotatedSocketDir(env);
    return (camera) => annotatedSocketUrl(dir, camera);
  }
  return () => null;
}

export class AnnotatedStream {
  readonly camera: string;
  readonly stats: AnnotatedStreamStats = { sent: 0, dropped: 0, starts: 0 };
  #opts: AnnotatedStreamOptions;
  #log: (m: string) => void;
  #child: Deno.ChildProcess | undefined;
  #writer: WritableStreamDefaultWriter<Uint8Array> | undefined;
  #size = "";
  #busy = false;
  #starting = false;
  #failures = 0;
  #notBefore = 0;
  #closed = false;

  constructor(opts: AnnotatedStreamOptions) {
    this.camera = opts.camera;
    this.#opts = opts;
    this.#log = opts.log ?? ((m) => console.error(m));
  }

  /** The running ffmpeg's pid (diagnostics; tests kill it to prove the pipeline goes on). */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /**
   * Hands a frame to ffmpeg without waiting; false when it was dropped. Only a frame that will
   * be sent is copied and drawn on (`draw` on the copy): a dropped frame costs nothing.
   */
  offer(frame: RgbImage, draw: (copy: RgbImage) => void = () => {}): boolean {
    if (this.#closed) return false;
    const size = `${frame.width}x${frame.height}`;
    if (this.#child && size !== this.#size) this.#stop();
    if (!this.#writer) {
      this.#drop();
      if (!this.#starting && Date.now() >= this.#notBefore) void this.#start(frame);
      return false;
    }
    if (this.#busy) return this.#drop();
    this.#busy = true;
    const copy = { width: frame.width, height: frame.height, data: frame.data.slice() };
    draw(copy);
    const writer = this.#writer;
    writer.write(copy.data).then(
      () => {
        this.#busy = false;
      },
      () => {
        // ffmpeg went away; #onExit restarts it.
        this.#busy = false;
      },
    );
    this.stats.sent++;
    return true;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const child = this.#child;
    this.#stop();
    await child?.status.catch(() => {});
  }

  #drop(): false {
    this.stats.dropped++;
    return false;
  }

  async #start(frame: RgbImage): Promise<void> {
    this.#starting = true;
    try {
      const bin = this.#opts.ffmpeg ?? await ffmpegPath();
      if (this.#closed) return;
      const child = new Deno.Command(bin, {
        args: annotatedFfmpegArgs(frame.width, frame.height, this.#opts.fps, this.#opts.target),
        stdin: "piped",
        stdout: "null",
        stderr: "piped",
      }).spawn();
      this.#child = child;
      this.#size = `${frame.width}x${frame.height}`;
      this.#writer = child.stdin.getWriter();
      this.#busy = false;
      this.stats.starts++;
      void this.#watch(child);
    } catch (e) {
      this.#backoff(`spawn failed: ${(e as Error).message}`);
    } finally {
      this.#starting = false;
    }
  }

  async #watch(child: Deno.ChildProcess): Promise<void> {
    const tail: string[] = [];
    const lines = child.stderr.pipeThrough(new TextDecoderStream());
    const reading = (async () => {
      for await (const chunk of lines) {
        tail.push(chunk);
        if (tail.length > 8) tail.shift();
      }
    })().catch(() => {});
    const startedAt = Date.now();
    const status = await child.status;
    await reading;
    // A run that lasted ends a failure streak (a write that succeeded proves little: ffmpeg
    // reads its first frame before it even opens the target).
    if (Date.now() - startedAt > 10_000) this.#failures = 0;
    if (this.#child !== child) return; // stopped on purpose (resize, close)
    this.#child = undefined;
    this.#writer = undefined;
    if (this.#closed) return;
    // ffmpeg's words can hold the target URL with the publisher password.
    const why = redactSecrets(tail.join("").trim().split("\n").slice(-2).join(" | "));
    this.#backoff(`ffmpeg exited (${status.signal ?? status.code})${why ? `: ${why}` : ""}`);
  }

  #backoff(reason: string): void {
    const min = this.#opts.restartMinMs ?? 500;
    // At most 5 s: in dev the relay only listens while someone watches the stream.
    const failures = this.#failures++;
    const delay = Math.min(5_000, min * 2 ** failures);
    this.#notBefore = Date.now() + delay;
    // In dev nobody may be watching for a long time (the relay listens only then): say it once
    // per outage, and every 60th retry after that.
    if (failures % 60 === 0) {
      this.#log(`[annotate] ${this.camera}_annotated: ${reason}; retrying every <= 5 s`);
    }
  }

  #stop(): void {
    const child = this.#child;
    this.#child = undefined;
    this.#writer?.close().catch(() => {});
    this.#writer = undefined;
    this.#busy = false;
    try {
      child?.kill("SIGTERM");
    } catch { /* already gone */ }
  }
}
