/**
 * One ffmpeg per camera packetizing its H.264 as RTP (no re-encode: `-c copy -f rtp`) to a UDP
 * socket on 127.0.0.1 that only this process reads; the packets fan out to the WebRTC (WHEP)
 * sessions watching the camera (functions/media-relay/whep.ts).
 *
 * `h264_mp4toannexb,dump_extra` puts SPS and PPS in band before every keyframe: a file's
 * parameter sets otherwise live only in its header, and a browser joining mid-stream needs
 * them. Lifecycle as the fMP4 stream's: ffmpeg starts with the first subscriber, stops
 * `idleStopMs` after the last one leaves, and restarts with backoff while anyone watches.
 */
import { createSocket, type Socket } from "node:dgram";
import { redactSecrets, redactSource } from "../../shared/redact.ts";
import { ffmpegPath } from "../../shared/ffmpeg_path.ts";
import { isRtcp, rtpPayload, spsOf } from "./h264_rtp.ts";
import { ffmpegInputArgs, isFileSource, type SourceSpec } from "./live_fmp4.ts";

/** RTP packet size ffmpeg aims at: below a loopback or LAN MTU with SRTP and header room. */
export const RTP_PACKET_BYTES = 1200;

export type RtpSubscriber = (packet: Uint8Array) => void;

export interface LiveRtpOptions {
  camera: string;
  spec: SourceSpec;
  ffmpeg?: string;
  idleStopMs?: number;
  restartMinMs?: number;
  restartMaxMs?: number;
  log?: (msg: string) => void;
}

/** ffmpeg's command line for RTP to `port` on loopback (exported for tests and diagnostics). */
export function ffmpegRtpArgs(spec: SourceSpec, port: number): string[] {
  return [
    ...["-hide_banner", "-loglevel", "error", "-nostdin"],
    ...ffmpegInputArgs(spec),
    ...["-map", "0:v:0", "-c", "copy", "-an", "-sn", "-dn"],
    ...["-bsf:v", "h264_mp4toannexb,dump_extra=freq=keyframe"],
    // RTCP goes to the same socket (isRtcp drops it): no second port, no ICMP noise.
    ...["-f", "rtp", `rtp://127.0.0.1:${port}?pkt_size=${RTP_PACKET_BYTES}&rtcpport=${port}`],
  ];
}

export class LiveRtpStream {
  readonly camera: string;
  readonly spec: SourceSpec;
  #o: Required<Omit<LiveRtpOptions, "ffmpeg" | "log">> & { ffmpeg?: string };
  #log: (msg: string) => void;
  #subs = new Set<RtpSubscriber>();
  #socket: Socket | undefined;
  #child: Deno.ChildProcess | undefined;
  #exited: Promise<void> | undefined;
  #sps: Uint8Array | undefined;
  #spsWaiters = new Set<(sps: Uint8Array | undefined) => void>();
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  #restartTimer: ReturnType<typeof setTimeout> | undefined;
  #failures = 0;
  #starting = false;
  #closed = false;
  #packets = 0;

  constructor(opts: LiveRtpOptions) {
    this.camera = opts.camera;
    this.spec = opts.spec;
    this.#log = opts.log ?? ((m) => console.error(m));
    this.#o = {
      camera: opts.camera,
      spec: opts.spec,
      ffmpeg: opts.ffmpeg,
      idleStopMs: opts.idleStopMs ?? 5_000,
      restartMinMs: opts.restartMinMs ?? 500,
      restartMaxMs: opts.restartMaxMs ?? 10_000,
    };
  }

  get subscribers(): number {
    return this.#subs.size;
  }

  get stats(): { packets: number; running: boolean } {
    return { packets: this.#packets, running: this.#child !== undefined };
  }

  /** The latest SPS seen in band (its profile is what an answer must name), if any yet. */
  get sps(): Uint8Array | undefined {
    return this.#sps;
  }

  /** Every RTP packet from now on (RTCP excluded). Returns the unsubscribe function. */
  subscribe(fn: RtpSubscriber): () => void {
    if (this.#closed) throw new Error("stream closed");
    this.#subs.add(fn);
    clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    if (!this.#child && !this.#starting && this.#restartTimer === undefined) void this.#start();
    return () => this.#unsubscribe(fn);
  }

  /** The SPS, waiting for the next keyframe up to `timeoutMs` (undefined: no video came). */
  waitForSps(timeoutMs: number): Promise<Uint8Array | undefined> {
    if (this.#sps) return Promise.resolve(this.#sps);
    return new Promise((resolve) => {
      const done = (sps: Uint8Array | undefined) => {
        clearTimeout(timer);
        this.#spsWaiters.delete(done);
        resolve(sps);
      };
      const timer = setTimeout(() => done(undefined), timeoutMs);
      this.#spsWaiters.add(done);
    });
  }

  #unsubscribe(fn: RtpSubscriber): void {
    if (!this.#subs.delete(fn) || this.#subs.size > 0 || this.#closed) return;
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = undefined;
      if (this.#subs.size > 0) return;
      clearTimeout(this.#restartTimer);
      this.#restartTimer = undefined;
      void this.#stop();
    }, this.#o.idleStopMs);
  }

  #onPacket(packet: Uint8Array): void {
    if (isRtcp(packet)) return;
    const payload = rtpPayload(packet);
    if (!payload) return;
    this.#packets++;
    const sps = spsOf(payload);
    if (sps) {
      this.#sps = sps.slice();
      for (const w of [...this.#spsWaiters]) w(this.#sps);
    }
    for (const fn of [...this.#subs]) {
      try {
        fn(packet);
      } catch (e) {
        this.#log(`[media-relay] ${this.camera}: rtp subscriber error: ${(e as Error).message}`);
      }
    }
  }

  async #bind(): Promise<Socket> {
    if (this.#socket) return this.#socket;
    const socket = createSocket("udp4");
    socket.on("message", (msg: Uint8Array) => this.#onPacket(msg));
    socket.on("error", (e: Error) => this.#log(`[media-relay] ${this.camera}: udp: ${e.message}`));
    await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
    this.#socket = socket;
    return socket;
  }

  async #start(): Promise<void> {
    this.#starting = true;
    let bin: string;
    let port: number;
    try {
      bin = this.#o.ffmpeg ?? await ffmpegPath();
      port = (await this.#bind()).address().port;
    } catch (e) {
      this.#starting = false;
      this.#onExit((e as Error).message, false, 0);
      return;
    }
    this.#starting = false;
    if (this.#closed || this.#child || this.#subs.size === 0) return;
    this.#sps = undefined;
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(bin, {
        args: ffmpegRtpArgs(this.spec, port),
        stdin: "null",
        stdout: "null",
        stderr: "piped",
      }).spawn();
    } catch (e) {
      this.#onExit(`spawn failed: ${(e as Error).message}`, false, 0);
      return;
    }
    this.#child = child;
    const startedAt = Date.now();
    this.#log(
      `[media-relay] ${this.camera}: rtp ffmpeg pid ${child.pid} <- ${
        redactSource(this.spec.source)
      }`,
    );
    this.#exited = (async () => {
      const tail = await this.#stderrTail(child.stderr);
      const status = await child.status;
      if (this.#child === child) this.#child = undefined;
      this.#onExit(
        tail || `ffmpeg exited with code ${status.code}`,
        status.success,
        Date.now() - startedAt,
      );
    })();
  }

  async #stderrTail(stream: ReadableStream<Uint8Array>): Promise<string> {
    let tail = "";
    const dec = new TextDecoder();
    try {
      for await (const chunk of stream) tail = (tail + dec.decode(chunk)).slice(-2000);
    } catch { /* killed */ }
    const lines = tail.trim().split("\n").slice(-3).join(" | ");
    return redactSecrets(lines.replaceAll(this.spec.source, redactSource(this.spec.source)));
  }

  #onExit(reason: string, success: boolean, ranMs: number): void {
    this.#sps = undefined;
    const final = this.#closed || (success && isFileSource(this.spec.source) && !this.spec.loop);
    if (this.#closed || this.#subs.size === 0 || final) return;
    if (ranMs > 10_000) this.#failures = 0;
    const delay = Math.min(this.#o.restartMaxMs, this.#o.restartMinMs * 2 ** this.#failures);
    this.#failures++;
    this.#log(
      `[media-relay] ${this.camera}: rtp ffmpeg stopped (${reason}); restart in ${delay} ms`,
    );
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = undefined;
      if (this.#subs.size > 0) void this.#start();
    }, delay);
  }

  async #stop(): Promise<void> {
    const child = this.#child;
    const exited = this.#exited;
    if (!child) return;
    try {
      child.kill("SIGTERM");
    } catch { /* already gone */ }
    const killer = setTimeout(() => {
      try {
        child.kill("SIGKILL");
      } catch { /* gone */ }
    }, 2_000);
    await exited;
    clearTimeout(killer);
  }

  /** Stop ffmpeg, close the socket, drop every subscriber. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#idleTimer);
    clearTimeout(this.#restartTimer);
    this.#idleTimer = this.#restartTimer = undefined;
    await this.#stop();
    this.#subs.clear();
    for (const w of [...this.#spsWaiters]) w(undefined);
    this.#socket?.close();
    this.#socket = undefined;
  }
}
