/**
 * The camera's H.264 as RTP, for the WebRTC (WHEP) sessions watching it (whep.ts): an ffmpeg
 * reads the relay's own live fMP4 of the camera (live_fmp4.ts) on stdin and packetizes it
 * without re-encoding (`-c copy -f rtp`) to a UDP socket on 127.0.0.1 that only this process
 * reads. Fed from the fMP4 stream, not from the source: one timeline per camera, so the WebRTC
 * picture is the very frames the analyzer reads (a second reading of a file source would start
 * at its beginning and the overlays would belong to another moment of the clip).
 *
 * `h264_mp4toannexb,dump_extra` puts SPS and PPS in band before every keyframe (in MP4 they sit
 * in the init segment only; a browser joining mid-stream needs them). ffmpeg starts at a
 * keyframe with the first subscriber, is replaced when the fMP4 stream restarts (a new init
 * segment), and stops `idleStopMs` after the last subscriber leaves.
 */
import { createSocket, type Socket } from "node:dgram";
import { ffmpegPath } from "../../shared/ffmpeg_path.ts";
import { stderrTail, stopChild } from "./ffmpeg_child.ts";
import { isRtcp, rtpPayload, spsOf } from "./h264_rtp.ts";
import type { LiveFmp4Stream, StreamEvent } from "./live_fmp4.ts";
import type { Bytes } from "./mp4_boxes.ts";

/** RTP packet size ffmpeg aims at: below a loopback or LAN MTU with SRTP and header room. */
export const RTP_PACKET_BYTES = 1200;

export type RtpSubscriber = (packet: Uint8Array) => void;

export interface LiveRtpOptions {
  camera: string;
  /** The camera's live fMP4 (shared with MSE viewers and the analyzer). */
  fmp4: LiveFmp4Stream;
  ffmpeg?: string;
  idleStopMs?: number;
  /** Bytes written to ffmpeg but not yet read, above which fragments wait for a keyframe. */
  maxPendingBytes?: number;
  log?: (msg: string) => void;
}

/** ffmpeg's command line: fMP4 on stdin -> RTP to `port` on loopback (exported for tests). */
export function ffmpegRtpArgs(port: number): string[] {
  return [
    ...["-hide_banner", "-loglevel", "error"],
    // Live input: no probing beyond the init segment, no input buffering.
    ...["-fflags", "nobuffer", "-probesize", "32", "-analyzeduration", "0"],
    ...["-f", "mp4", "-i", "pipe:0"],
    ...["-map", "0:v:0", "-c", "copy", "-an", "-sn", "-dn"],
    ...["-bsf:v", "h264_mp4toannexb,dump_extra=freq=keyframe"],
    // RTCP goes to the same socket (isRtcp drops it): no second port, no ICMP noise.
    ...["-f", "rtp", `rtp://127.0.0.1:${port}?pkt_size=${RTP_PACKET_BYTES}&rtcpport=${port}`],
  ];
}

export class LiveRtpStream {
  readonly camera: string;
  readonly fmp4: LiveFmp4Stream;
  #o: { idleStopMs: number; maxPendingBytes: number; ffmpeg?: string };
  #log: (msg: string) => void;
  #subs = new Set<RtpSubscriber>();
  #socket: Socket | undefined;
  #unsubscribeFmp4: (() => void) | undefined;
  #child: Deno.ChildProcess | undefined;
  #writer: WritableStreamDefaultWriter<Uint8Array> | undefined;
  #pendingBytes = 0;
  #generation = -1;
  #init: Bytes | undefined;
  /** Skip fragments until a keyframe: ffmpeg (re)started, or a fragment had to be dropped. */
  #needKeyframe = true;
  #sps: Uint8Array | undefined;
  #spsWaiters = new Set<(sps: Uint8Array | undefined) => void>();
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  #lastStartMs = 0;
  #closed = false;
  #packets = 0;
  #skipBacklog = false;

  constructor(opts: LiveRtpOptions) {
    this.camera = opts.camera;
    this.fmp4 = opts.fmp4;
    this.#log = opts.log ?? ((m) => console.error(m));
    this.#o = {
      ffmpeg: opts.ffmpeg,
      idleStopMs: opts.idleStopMs ?? 5_000,
      maxPendingBytes: opts.maxPendingBytes ?? 4 * 1024 * 1024,
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
    void this.#bind();
    if (!this.#unsubscribeFmp4) {
      // The fMP4 stream hands a new subscriber its backlog since the last keyframe at once:
      // skipped, as a burst of old frames would make the browser's jitter buffer wait longer.
      this.#skipBacklog = true;
      try {
        this.#unsubscribeFmp4 = this.fmp4.subscribe((ev) => this.#onFmp4(ev));
      } finally {
        this.#skipBacklog = false;
      }
    }
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
      this.#unsubscribeFmp4?.();
      this.#unsubscribeFmp4 = undefined;
      this.#stopChild();
    }, this.#o.idleStopMs);
  }

  #onFmp4(ev: StreamEvent): void {
    if (ev.type === "init") {
      // A new ffmpeg upstream (restart, or the first one): its timeline starts over, so does ours.
      this.#generation = ev.generation;
      this.#init = ev.data;
      this.#stopChild();
      this.#needKeyframe = true;
    } else if (ev.type === "end") {
      this.#stopChild();
      this.#init = undefined;
      this.#sps = undefined;
    } else if (ev.generation === this.#generation && this.#init && !this.#skipBacklog) {
      if (this.#needKeyframe) {
        if (!ev.keyframe) return;
        if (!this.#child && !this.#startChild()) return;
        this.#needKeyframe = false;
      }
      if (!this.#child) return;
      if (this.#pendingBytes > this.#o.maxPendingBytes) {
        // ffmpeg is not keeping up: drop until the next keyframe rather than queue (latest wins).
        this.#needKeyframe = true;
        return;
      }
      this.#write(ev.data);
    }
  }

  #startChild(): boolean {
    const socket = this.#socket;
    if (!socket || !this.#init || !this.#ffmpegBin) return false; // bound in a moment
    // A crash loop (bad input) must not spawn ffmpeg at every keyframe.
    if (Date.now() - this.#lastStartMs < 1_000) return false;
    this.#lastStartMs = Date.now();
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(this.#ffmpegBin, {
        args: ffmpegRtpArgs(socket.address().port),
        stdin: "piped",
        stdout: "null",
        stderr: "piped",
      }).spawn();
    } catch (e) {
      this.#log(`[media-relay] ${this.camera}: rtp ffmpeg spawn failed: ${(e as Error).message}`);
      return false;
    }
    this.#child = child;
    this.#writer = child.stdin.getWriter();
    this.#pendingBytes = 0;
    this.#sps = undefined;
    this.#log(`[media-relay] ${this.camera}: rtp ffmpeg pid ${child.pid} <- live fMP4`);
    this.#write(this.#init);
    void (async () => {
      const tail = await stderrTail(child.stderr);
      const status = await child.status;
      if (this.#child !== child) return;
      this.#child = undefined;
      this.#writer = undefined;
      this.#needKeyframe = true; // the next keyframe starts a new one
      if (!this.#closed && this.#subs.size > 0) {
        this.#log(
          `[media-relay] ${this.camera}: rtp ffmpeg stopped (${
            tail || `code ${status.code}`
          }); restarting at the next keyframe`,
        );
      }
    })();
    return true;
  }

  /** The resolved ffmpeg binary, once known (resolved with the socket). */
  #ffmpegBin: string | undefined;

  #write(data: Uint8Array): void {
    const writer = this.#writer;
    if (!writer) return;
    this.#pendingBytes += data.length;
    writer.write(data).then(
      () => this.#pendingBytes -= data.length,
      () => {/* ffmpeg gone: its exit handler tidies up */},
    );
  }

  #stopChild(): void {
    const child = this.#child;
    this.#child = undefined;
    const writer = this.#writer;
    this.#writer = undefined;
    if (!child) return;
    writer?.close().catch(() => {});
    void stopChild(child);
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

  #binding: Promise<void> | undefined;

  /** Bind the UDP socket and resolve the ffmpeg binary (once); the next keyframe starts ffmpeg. */
  #bind(): Promise<void> {
    this.#binding ??= (async () => {
      this.#ffmpegBin = this.#o.ffmpeg ?? await ffmpegPath();
      const socket = createSocket("udp4");
      socket.on("message", (msg: Uint8Array) => this.#onPacket(msg));
      socket.on(
        "error",
        (e: Error) => this.#log(`[media-relay] ${this.camera}: udp: ${e.message}`),
      );
      await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
      if (this.#closed) socket.close();
      else this.#socket = socket;
    })().catch((e) => {
      this.#binding = undefined;
      this.#log(`[media-relay] ${this.camera}: rtp setup failed: ${(e as Error).message}`);
    });
    return this.#binding;
  }

  /** Stop ffmpeg, close the socket, drop every subscriber. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    this.#unsubscribeFmp4?.();
    this.#unsubscribeFmp4 = undefined;
    const child = this.#child;
    this.#stopChild();
    await child?.status;
    this.#subs.clear();
    for (const w of [...this.#spsWaiters]) w(undefined);
    await this.#binding;
    this.#socket?.close();
    this.#socket = undefined;
  }
}
