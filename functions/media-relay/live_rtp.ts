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
 *
 * RTP time is the fMP4's own time: ffmpeg's RTP muxer starts its timestamps at a random base,
 * so the relay shifts every packet's timestamp by one constant per ffmpeg run to
 * `PTS x 90 kHz mod 2^32` of the relay's stream time. The constant comes from the run's first
 * slice packet, found by its bytes in the keyframe fragments given to that run (not assumed to
 * be the first one: ffmpeg can drop a GOP at its start, see ffmpegRtpArgs); the packets ahead of
 * it (SPS, PPS, same timestamp) wait for it. That is the time the analyzer reads with
 * `-copyts` and puts in each tick (`media_ms`), so the browser can pick the tick of the very
 * frame on screen from its RTP timestamp (web/src/live/media_match.ts). werift forwards the
 * timestamps unchanged (its offset only moves when a sender switches sources). Sequence numbers
 * run on from one ffmpeg run to the next, so a viewer's session survives a camera restart.
 */
import { createSocket, type Socket } from "node:dgram";
import { ffmpegPath } from "../../shared/ffmpeg_path.ts";
import { stderrTail, stopChild } from "./ffmpeg_child.ts";
import { containsBytes, isRtcp, rtpPayload, sliceBytes, spsOf } from "./h264_rtp.ts";
import { fragmentTimeS, initTimescale } from "../../shared/fmp4_time.ts";
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
    // Live input: no probing beyond the init segment, no input buffering. `nobuffer` discards
    // the packets read while probing (often the first keyframe; stream copy then starts at the
    // next one, a GOP later): the RTP time mapping finds the first packet's frame by its bytes.
    // Without it, ffmpeg 5.1 sent nothing for 5 s from the bench's 30 fps source.
    ...["-fflags", "nobuffer", "-probesize", "32", "-analyzeduration", "0"],
    ...["-f", "mp4", "-i", "pipe:0"],
    ...["-map", "0:v:0", "-c", "copy", "-an", "-sn", "-dn"],
    ...["-bsf:v", "h264_mp4toannexb,dump_extra=freq=keyframe"],
    // RTCP goes to the same socket (isRtcp drops it): no second port, no ICMP noise.
    ...["-f", "rtp", `rtp://127.0.0.1:${port}?pkt_size=${RTP_PACKET_BYTES}&rtcpport=${port}`],
  ];
}

/**
 * Keyframe fragments a run's first slice is looked for in. ffmpeg drops up to a GOP at its
 * start, and a source starting under load hands over seconds of frames at once (seen: the
 * first slice was in none of the last 4 keyframes given, at load 9).
 */
const KEYFRAMES_KEPT = 16;
/** Packets held for a run's first slice (SPS, PPS and any other non-slice NAL ahead of it). */
const HELD_MAX = 16;

/** RTP's video clock (ticks per second). */
export const RTP_CLOCK_HZ = 90_000;

/** A fragment's presentation time on the 90 kHz RTP clock, mod 2^32; null without a tfdt. */
export function rtpTimeOf(fragment: Uint8Array, timescale: number): number | null {
  const s = fragmentTimeS(fragment, timescale);
  return s === null ? null : Math.round(s * RTP_CLOCK_HZ) % 2 ** 32;
}

/** Set an RTP packet's timestamp to (its timestamp + shift) mod 2^32, in place. */
export function shiftRtpTimestamp(packet: Uint8Array, shift: number): void {
  const v = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  v.setUint32(4, (v.getUint32(4) + shift) >>> 0);
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
  /** The init segment's video timescale (fragment times), null if it has none. */
  #timescale: number | null = null;
  /** Keyframe fragments given to this ffmpeg run (and their RTP time) while its shift is unknown. */
  #keyframesIn: { rtp: number; data: Uint8Array }[] = [];
  /** What this ffmpeg run's timestamps need adding to be RTP time; null until its first slice. */
  #rtpShift: number | null = null;
  /** The run's packets ahead of its first slice packet (SPS, PPS), until the shift is known. */
  #held: Uint8Array[] = [];
  /** The last sequence number handed out, kept across ffmpeg runs; null before any. */
  #lastSeq: number | null = null;
  /** What this run's sequence numbers need adding to follow on from the last run's. */
  #seqShift: number | null = null;
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
      this.#timescale = initTimescale(ev.data);
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
      if (this.#rtpShift === null && ev.keyframe && this.#timescale) {
        const rtp = rtpTimeOf(ev.data, this.#timescale);
        if (rtp !== null) this.#keyframesIn.push({ rtp, data: ev.data });
        if (this.#keyframesIn.length > KEYFRAMES_KEPT) this.#keyframesIn.shift();
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
    this.#keyframesIn = [];
    this.#rtpShift = null;
    this.#seqShift = null;
    this.#held = [];
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
    if (this.#rtpShift === null) {
      const sample = sliceBytes(payload);
      if (!sample) {
        if (this.#held.length < HELD_MAX) this.#held.push(packet.slice());
        return;
      }
      const ts = new DataView(packet.buffer, packet.byteOffset).getUint32(4);
      const from = this.#keyframesIn.find((k) => containsBytes(k.data, sample));
      if (!from) {
        // Never seen in tests; the first keyframe given is the best guess left (no stall).
        this.#log(`[media-relay] ${this.camera}: rtp: first slice in no keyframe given`);
      }
      const rtp = from?.rtp ?? this.#keyframesIn[0]?.rtp ?? ts;
      this.#rtpShift = (rtp - ts) >>> 0;
      this.#keyframesIn = [];
      const held = this.#held;
      this.#held = [];
      for (const h of held) this.#forward(h, rtpPayload(h)!);
    }
    this.#forward(packet, payload);
  }

  /** A packet of this run, on the fMP4's RTP time, to the subscribers. */
  #forward(packet: Uint8Array, payload: Uint8Array): void {
    shiftRtpTimestamp(packet, this.#rtpShift ?? 0);
    // Sequence numbers run on across ffmpeg runs (each starts at a random one): a viewer's
    // session outlives a camera restart, and a jump in them reads as thousands of lost packets.
    const v = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
    const seq = v.getUint16(2);
    this.#seqShift ??= this.#lastSeq === null ? 0 : (this.#lastSeq + 1 - seq) & 0xffff;
    this.#lastSeq = (seq + this.#seqShift) & 0xffff;
    v.setUint16(2, this.#lastSeq);
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
