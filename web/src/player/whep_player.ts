/// <reference lib="dom" />
/**
 * WebRTC playback via WHEP (MediaMTX: `<whep_base>/<camera>/whep`). POST the SDP offer
 * (`application/sdp`) -> 201 with the answer and a `Location` for the session; local ICE
 * candidates trickle to the session with PATCH (`application/trickle-ice-sdpfrag`); the
 * session is DELETEd on stop (also from pagehide, with keepalive so it survives unload).
 * 503/429 mean the server has no room for another viewer: shown as "stream at capacity" and
 * retried with a longer backoff. Everything else reconnects with the usual backoff.
 */
import { initialStats, LivePlayerBase } from "./live_player_base.ts";
import type {
  FrameMediaTime,
  PlayerStats,
  StateListener,
  VideoDelay,
  VideoState,
} from "./player.ts";
import { type CandidateLike, type OfferData, parseOffer, sdpFragment } from "./whep_sdp.ts";
import { ArrivalClock, RtpTimeline } from "./arrival_clock.ts";

export interface WhepPlayerOptions {
  /** The WHEP endpoint, e.g. http://mediamtx:8889/cam_01/whep */
  url: string;
  headers?: () => HeadersInit;
  onState?: StateListener;
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** Playing video that stops advancing this long: tear down and reconnect. */
  stallReconnectMs?: number;
  /** A track that shows no frame this long after it arrived: tear down and reconnect. */
  firstFrameTimeoutMs?: number;
  iceServers?: RTCIceServer[];
}

export interface WhepStats extends PlayerStats {
  session: string | null;
  patches: number;
}

/** Error carrying the HTTP status, so callers can tell capacity from other failures. */
class _WhepHttpError extends Error {
  constructor(readonly status: number) {
    super(`WHEP ${status}`);
  }
}

export class WhepPlayer extends LivePlayerBase<WhepStats> {
  readonly mode = "whep" as const;
  readonly #o: WhepPlayerOptions;
  /** Absolute endpoint: the base may be a same-origin path (reverse proxy in front of MediaMTX). */
  readonly #url: string;
  #pc: RTCPeerConnection | undefined;
  #session: string | undefined;
  #offer: OfferData | undefined;
  #pending: CandidateLike[] = [];
  #rtpDelayMs: number | null = null;
  #statsDelayMs: number | null = null;
  #rvfc = 0;
  /** When this connection's track arrived (performance.now()); 0 before. */
  #trackAt = 0;
  /** The frames' RTP timestamps as one media timeline, anchored on their arrival. */
  readonly #rtp = new RtpTimeline();
  readonly #arrival = new ArrivalClock();

  constructor(video: HTMLVideoElement, opts: WhepPlayerOptions) {
    super(video, { ...initialStats("whep"), session: null, patches: 0 }, opts, 250);
    this.#o = opts;
    this.#url = new URL(opts.url, location.href).toString();
  }

  /**
   * How old the frame on screen is: from its capture time (frameCaptureMs) where the frames
   * carry what it needs; otherwise an estimate: jitter buffer delay + decode time + half the
   * round trip.
   */
  videoDelay(): VideoDelay | null {
    if (this.info.state !== "playing") return null;
    if (this.#rtpDelayMs !== null) return { ms: this.#rtpDelayMs, source: "rtp" };
    if (this.#statsDelayMs !== null) return { ms: this.#statsDelayMs, source: "estimate" };
    return null;
  }

  /**
   * The frame's RTP timestamp on the analyzer's capture clock: RTP time anchored on the
   * earliest arrival (`receiveTime`, the frame's last packet) as the analyzer anchors PTS
   * (arrival_clock.ts). Without those fields: Chromium's `captureTime` (the sender's RTCP
   * clock, i.e. when the server sent the frame, jittered by the sender-report interval).
   */
  override frameCaptureMs(meta: VideoFrameCallbackMetadata): number | null {
    if (typeof meta.rtpTimestamp === "number" && typeof meta.receiveTime === "number") {
      const media = this.#rtp.mediaMs(meta.rtpTimestamp);
      this.#arrival.arrived(media, performance.timeOrigin + meta.receiveTime);
      return this.#arrival.captureMs(media);
    }
    if (typeof meta.captureTime === "number" && meta.captureTime > 0) {
      return performance.timeOrigin + meta.captureTime;
    }
    return null;
  }

  /**
   * The frame's RTP timestamp in ms, modulo the 32-bit wrap: the relay's stream time where the
   * server makes RTP time from it (the dev relay does, functions/media-relay/live_rtp.ts);
   * MediaMTX's random RTP base never agrees with a tick (live/media_match.ts).
   */
  override frameMediaTime(meta: VideoFrameCallbackMetadata): FrameMediaTime | null {
    if (typeof meta.rtpTimestamp !== "number") return null;
    return { ms: (meta.rtpTimestamp >>> 0) / 90, wrapMs: 2 ** 32 / 90 };
  }

  #headers(extra: Record<string, string>): Headers {
    const h = new Headers(this.#o.headers?.() ?? {});
    for (const [k, v] of Object.entries(extra)) h.set(k, v);
    return h;
  }

  protected async connect(): Promise<void> {
    if (!this.running) return;
    if (this.info.state !== "unavailable" && this.info.state !== "at_capacity") {
      this.setState("connecting");
    }
    const pc = new RTCPeerConnection({ iceServers: this.#o.iceServers ?? [] });
    this.#pc = pc;
    this.#pending = [];
    pc.addTransceiver("video", { direction: "recvonly" });
    pc.addTransceiver("audio", { direction: "recvonly" });
    pc.ontrack = (e) => {
      if (pc !== this.#pc || e.track.kind !== "video") return;
      this.video.srcObject = e.streams[0] ?? new MediaStream([e.track]);
      this.#trackAt = performance.now();
      this.video.play().catch(() => {/* retried by the control loop */});
    };
    pc.onicecandidate = (e) => {
      if (pc !== this.#pc || !e.candidate) return;
      this.#pending.push(e.candidate);
      if (this.#session) void this.#flushCandidates(pc);
    };
    pc.onconnectionstatechange = () => {
      if (pc !== this.#pc) return;
      if (pc.connectionState === "failed") this.fail("peer connection failed");
    };
    try {
      const offer = await pc.createOffer();
      await pc.setLocalDescription(offer);
      this.#offer = parseOffer(offer.sdp ?? "");
      const res = await fetch(this.#url, {
        method: "POST",
        headers: this.#headers({ "content-type": "application/sdp" }),
        body: offer.sdp,
        signal: AbortSignal.timeout(10_000),
      });
      if (pc !== this.#pc) return;
      if (res.status !== 201) {
        await res.body?.cancel();
        throw new _WhepHttpError(res.status);
      }
      const location = res.headers.get("location");
      this.#session = location ? new URL(location, this.#url).toString() : undefined;
      this.info.session = this.#session ?? null;
      await pc.setRemoteDescription({ type: "answer", sdp: await res.text() });
      void this.#flushCandidates(pc);
      this.#watchFrames(pc);
    } catch (e) {
      if (pc !== this.#pc) return;
      const status = e instanceof _WhepHttpError ? e.status : 0;
      if (status === 503 || status === 429) this.fail("stream at capacity", "at_capacity");
      else this.fail((e as Error).message || "WHEP failed");
    }
  }

  /** PATCH the candidates gathered so far in one fragment (MediaMTX accepts any number). */
  async #flushCandidates(pc: RTCPeerConnection): Promise<void> {
    if (!this.#session || !this.#offer || this.#pending.length === 0) return;
    const batch = this.#pending;
    this.#pending = [];
    try {
      const res = await fetch(this.#session, {
        method: "PATCH",
        headers: this.#headers({
          "content-type": "application/trickle-ice-sdpfrag",
          "if-match": "*",
        }),
        body: sdpFragment(this.#offer, batch),
      });
      await res.body?.cancel();
      if (pc === this.#pc) this.info.patches++;
      // 405/501: the server does not trickle; its answer already carries its candidates and
      // ICE can still succeed with peer-reflexive candidates, so this is not fatal.
    } catch { /* a lost PATCH only narrows the candidate set */ }
  }

  /** Per-frame capture times (Chromium, Safari), when the stream provides them. */
  #watchFrames(pc: RTCPeerConnection): void {
    const v = this.video;
    if (!("requestVideoFrameCallback" in v)) return;
    const onFrame = (_now: number, meta: VideoFrameCallbackMetadata) => {
      if (pc !== this.#pc) return;
      const capture = this.frameCaptureMs(meta);
      if (capture !== null) {
        this.#rtpDelayMs = Math.max(0, performance.timeOrigin + meta.expectedDisplayTime - capture);
      }
      this.#rvfc = v.requestVideoFrameCallback(onFrame);
    };
    this.#rvfc = v.requestVideoFrameCallback(onFrame);
  }

  async #pollStats(pc: RTCPeerConnection): Promise<void> {
    let jitter = 0;
    let decode = 0;
    let rtt = 0;
    try {
      (await pc.getStats()).forEach((s) => {
        if (s.type === "inbound-rtp" && s.kind === "video" && s.jitterBufferEmittedCount) {
          jitter = (s.jitterBufferDelay / s.jitterBufferEmittedCount) * 1000;
          if (s.framesDecoded) decode = (s.totalDecodeTime / s.framesDecoded) * 1000;
        } else if (s.type === "candidate-pair" && s.nominated && s.currentRoundTripTime) {
          rtt = s.currentRoundTripTime * 1000;
        }
      });
    } catch {
      return;
    }
    if (pc === this.#pc) this.#statsDelayMs = jitter + decode + rtt / 2;
  }

  protected control(): void {
    const pc = this.#pc;
    if (!pc) return;
    const v = this.video;
    if (v.srcObject && v.paused && v.readyState >= 2) v.play().catch(() => {});
    this.checkProgress();
    if (this.info.state === "playing") void this.#pollStats(pc);
    this.failIfStalled(this.#o.stallReconnectMs ?? 8000);
    // Seen with the dev relay under load (1 run in 3 of bench/glass_to_glass.ts at load 15):
    // the track arrives, packets flow, and Chromium never decodes a frame (readyState 0). A new
    // session starts at a fresh keyframe and plays.
    if (
      this.info.state === "connecting" && this.#trackAt > 0 && v.readyState === 0 &&
      performance.now() - this.#trackAt > (this.#o.firstFrameTimeoutMs ?? 10_000)
    ) this.fail("no video frame from the track");
  }

  protected teardown(): void {
    const pc = this.#pc;
    this.#pc = undefined;
    const session = this.#session;
    this.#session = undefined;
    this.info.session = null;
    this.#rtpDelayMs = null;
    this.#statsDelayMs = null;
    this.#trackAt = 0;
    // A new session may carry a new RTP timeline (the server's packetizer restarted).
    this.#rtp.reset();
    this.#arrival.reset();
    if (this.#rvfc && "cancelVideoFrameCallback" in this.video) {
      this.video.cancelVideoFrameCallback(this.#rvfc);
    }
    if (session) {
      // keepalive lets the DELETE leave even when this runs from pagehide.
      fetch(session, { method: "DELETE", headers: this.#headers({}), keepalive: true })
        .then((r) => r.body?.cancel())
        .catch(() => {});
    }
    pc?.close();
    if (this.video.srcObject) {
      this.video.srcObject = null;
      this.video.load();
    }
    this.progress.resetPosition();
  }

  /** At capacity: back off harder, every retry costs the server an SDP negotiation. */
  protected override retryDelay(state: VideoState): number {
    return this.backoff.next() * (state === "at_capacity" ? 2 : 1);
  }
}
