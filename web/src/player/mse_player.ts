/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * Live fMP4-over-WebSocket player on Media Source Extensions (the dev media plane, see
 * functions/media-relay). The relay sends `{"type":"init","mime":...}` as text, then the init
 * segment and one fragment per frame as binary messages.
 *
 * Live, not VOD: the SourceBuffer runs in 'sequence' mode so fragments dropped by the relay for
 * a slow client leave no gap to stall on, and a control loop keeps the playhead near the
 * buffered live edge (seek when far behind, small playbackRate nudge when slightly behind).
 *
 * Capture-time alignment: the dev analyzer reads the same relay stream and stamps each frame
 * with its PTS anchored on the earliest arrival, and puts that PTS in its tick (`media_ms`). This
 * player tells the page each presented frame's PTS (frameMediaTime: the page then draws the tick
 * of that PTS, live/media_match.ts) and its own estimate of the frame's capture time, anchoring
 * each fragment's time (`tfdt`, shared/fmp4_time.ts) on its arrival here (arrival_clock.ts),
 * which is what decides whether a tick is of this timeline. Which fragment is on
 * screen: in 'sequence' mode the SourceBuffer shifts the fragments' times by `timestampOffset`
 * (changed where fragments were dropped), so the offset in force is kept per appended range and
 * a presented frame's media time minus it is its PTS.
 */

import { initialStats, LivePlayerBase } from "./live_player_base.ts";
import type { FrameMediaTime, PlayerStats, StateListener, VideoDelay } from "./player.ts";
import { ArrivalClock } from "./arrival_clock.ts";
import { fragmentTimeS, initTimescale } from "../../../shared/fmp4_time.ts";

/** Where an appended range starts on the video's timeline and the offset its PTS got there. */
interface _Offset {
  fromS: number;
  offsetS: number;
}

/** The offset in force at video time `t` (the last range starting at or before it). */
export function offsetAt(offsets: readonly _Offset[], t: number): number | null {
  for (let i = offsets.length - 1; i >= 0; i--) {
    // Half a millisecond of slack: a frame's time and its range's start are the same number
    // computed two ways.
    if (offsets[i].fromS <= t + 5e-4) return offsets[i].offsetS;
  }
  return null;
}

export interface MsePlayerOptions {
  /** ws:// or wss:// URL of `/media/ws?camera=<id>`. */
  url: string;
  /** Behind the buffered live edge by more than this: jump to the edge. */
  maxLagS?: number;
  /** Where a jump lands, behind the edge (a little slack avoids stalling on the next frame). */
  targetLagS?: number;
  /** Behind by more than this (but under maxLagS): play slightly faster to catch up. */
  nudgeLagS?: number;
  /** Seconds of played media kept in the SourceBuffer. */
  keepBehindS?: number;
  /** Reconnect if no media arrives for this long. */
  dataTimeoutMs?: number;
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  onState?: StateListener;
}

export interface MseStats extends PlayerStats {
  fragments: number;
  bytes: number;
  seeks: number;
  mime: string | null;
}

/** Pure live-edge decision, exported for tests: what to do given playhead and buffer end. */
export function liveEdgeAction(
  currentTime: number,
  bufferedStart: number,
  bufferedEnd: number,
  o: { maxLagS: number; targetLagS: number; nudgeLagS: number },
): { seekTo?: number; rate: number } {
  const lag = bufferedEnd - currentTime;
  if (currentTime < bufferedStart || lag > o.maxLagS) {
    return { seekTo: Math.max(bufferedStart, bufferedEnd - o.targetLagS), rate: 1 };
  }
  // Proportional nudge, capped so motion still looks natural.
  if (lag > o.nudgeLagS) return { rate: Math.min(1.25, 1 + (lag - o.targetLagS)) };
  return { rate: 1 };
}

export class MsePlayer extends LivePlayerBase<MseStats> {
  readonly mode = "mse" as const;
  readonly #o: Required<Omit<MsePlayerOptions, "onState">> & Pick<MsePlayerOptions, "onState">;
  #ws: WebSocket | undefined;
  #ms: MediaSource | undefined;
  #sb: SourceBuffer | undefined;
  #objectUrl: string | undefined;
  #queue: { data: ArrayBuffer; ptsS: number | null }[] = [];
  /** Timescale of this generation's init segment; undefined until it has arrived. */
  #timescale: number | null | undefined;
  #appendingPtsS: number | null = null;
  #offsets: _Offset[] = [];
  readonly #arrival = new ArrivalClock();
  #removeTo = 0;
  #lastDataAt = 0;

  constructor(video: HTMLVideoElement, opts: MsePlayerOptions) {
    const o = {
      maxLagS: 0.6,
      targetLagS: 0.15,
      nudgeLagS: 0.3,
      keepBehindS: 10,
      dataTimeoutMs: 6000,
      reconnectMinMs: 500,
      reconnectMaxMs: 8000,
      ...opts,
    };
    const stats = { ...initialStats("mse"), fragments: 0, bytes: 0, seeks: 0, mime: null };
    super(video, stats, o, 200);
    this.#o = o;
  }

  videoDelay(): VideoDelay | null {
    if (this.info.state !== "playing") return null;
    return { ms: this.info.lagS * 1000, source: "estimate" };
  }

  /** The presented frame's PTS (its media time less the offset in force) on the capture clock. */
  override frameCaptureMs(meta: VideoFrameCallbackMetadata): number | null {
    const media = this.frameMediaTime(meta);
    return media === null ? null : this.#arrival.captureMs(media.ms);
  }

  /** The presented frame's PTS (ms): the relay's stream time, as in the analyzer's ticks. */
  override frameMediaTime(meta: VideoFrameCallbackMetadata): FrameMediaTime | null {
    const offset = offsetAt(this.#offsets, meta.mediaTime);
    return offset === null ? null : { ms: (meta.mediaTime - offset) * 1000 };
  }

  protected connect(): void {
    if (!this.running) return;
    this.#lastDataAt = performance.now();
    // Keep showing "unavailable" while retrying, so the text does not flicker.
    if (this.info.state !== "unavailable") this.setState("connecting");
    const ws = new WebSocket(this.#o.url);
    ws.binaryType = "arraybuffer";
    this.#ws = ws;
    ws.onmessage = (e) => {
      if (ws !== this.#ws) return;
      if (typeof e.data === "string") this.#onText(e.data);
      else this.#onBinary(e.data as ArrayBuffer);
    };
    ws.onclose = (e) => {
      if (ws !== this.#ws) return;
      this.#ws = undefined;
      this.fail(e.reason || `media socket closed (${e.code})`);
    };
  }

  /** Drop the socket and the media; fail() then reconnects with backoff. */
  protected teardown(): void {
    this.#closeSocket();
    this.#teardownMedia();
  }

  #closeSocket(): void {
    const ws = this.#ws;
    this.#ws = undefined;
    if (ws && ws.readyState <= WebSocket.OPEN) ws.close();
  }

  #onText(text: string): void {
    let msg: { type?: string; mime?: string; video?: string; reason?: string };
    try {
      msg = JSON.parse(text);
    } catch {
      return;
    }
    if (msg.type === "init" && typeof msg.mime === "string") this.#setupMedia(msg.mime);
    else if (msg.type === "status" && msg.video === "offline") {
      // The relay restarts the source and will send a fresh init; keep the socket.
      this.#teardownMedia();
      this.setState("unavailable", msg.reason ?? "source offline");
    }
  }

  #onBinary(data: ArrayBuffer): void {
    this.#lastDataAt = performance.now();
    this.info.fragments++;
    this.info.bytes += data.byteLength;
    if (!this.#ms) return; // no init yet for this generation
    // Far behind on appends (tab was throttled?): resync from a keyframe instead of catching up.
    if (this.#queue.length > 150) return this.fail("player fell behind");
    let ptsS: number | null = null;
    if (this.#timescale === undefined) {
      // The generation's first binary message is its init segment.
      this.#timescale = initTimescale(new Uint8Array(data));
    } else if (this.#timescale !== null) {
      ptsS = fragmentTimeS(new Uint8Array(data), this.#timescale);
      if (ptsS !== null) this.#arrival.arrived(ptsS * 1000, Date.now());
    }
    this.#queue.push({ data, ptsS });
    this.#pump();
  }

  /** A new stream generation: fresh MediaSource, so old timestamps/codec state cannot linger. */
  #setupMedia(mime: string): void {
    this.#teardownMedia();
    this.info.mime = mime;
    // A new generation: a new timeline (ffmpeg restarted), anchored afresh.
    this.#timescale = undefined;
    this.#arrival.reset();
    if (!("MediaSource" in globalThis) || !MediaSource.isTypeSupported(mime)) {
      this.running = false;
      this.#closeSocket();
      this.setState("unavailable", `unsupported: ${mime}`);
      return;
    }
    const ms = new MediaSource();
    this.#ms = ms;
    this.#objectUrl = URL.createObjectURL(ms);
    ms.addEventListener("sourceopen", () => {
      if (ms !== this.#ms) return;
      URL.revokeObjectURL(this.#objectUrl!);
      this.#objectUrl = undefined;
      try {
        const sb = ms.addSourceBuffer(mime);
        sb.mode = "sequence";
        sb.addEventListener("updateend", () => {
          this.#appended(sb);
          this.#pump();
        });
        sb.addEventListener("error", () => this.fail("source buffer error"));
        this.#sb = sb;
      } catch (e) {
        return this.fail(`addSourceBuffer: ${(e as Error).message}`);
      }
      this.#pump();
    }, { once: true });
    this.video.onerror = () => {
      const err = this.video.error;
      if (this.#ms === ms) {
        this.fail(`media error ${err?.code ?? ""} ${err?.message ?? ""}`.trim());
      }
    };
    this.video.src = this.#objectUrl;
  }

  /** After an append: where the fragment landed on the video's timeline (sequence mode). */
  #appended(sb: SourceBuffer): void {
    const pts = this.#appendingPtsS;
    this.#appendingPtsS = null;
    if (pts === null || sb !== this.#sb) return;
    const offsetS = sb.timestampOffset;
    const last = this.#offsets.at(-1);
    if (last && Math.abs(last.offsetS - offsetS) < 1e-6) return;
    this.#offsets.push({ fromS: pts + offsetS, offsetS });
    // Ranges long played are no longer on screen: keep a few.
    if (this.#offsets.length > 32) this.#offsets.shift();
  }

  #teardownMedia(): void {
    this.#queue = [];
    this.#offsets = [];
    this.#appendingPtsS = null;
    this.#removeTo = 0;
    this.#sb = undefined;
    const ms = this.#ms;
    this.#ms = undefined;
    if (this.#objectUrl) URL.revokeObjectURL(this.#objectUrl);
    this.#objectUrl = undefined;
    if (ms) {
      this.video.onerror = null;
      this.video.removeAttribute("src");
      this.video.load();
    }
    this.progress.resetPosition();
  }

  /** Append queued fragments one at a time; removals of old media go in between. */
  #pump(): void {
    const sb = this.#sb;
    if (!sb || sb.updating || this.#ms?.readyState !== "open") return;
    if (this.#removeTo > 0) {
      const to = this.#removeTo;
      this.#removeTo = 0;
      try {
        sb.remove(0, to);
        return;
      } catch { /* range already gone */ }
    }
    const next = this.#queue.shift();
    if (!next) return;
    try {
      sb.appendBuffer(next.data);
      this.#appendingPtsS = next.ptsS;
    } catch (e) {
      if ((e as DOMException).name === "QuotaExceededError") {
        // Buffer full: free played media and retry this fragment after the removal.
        this.#queue.unshift(next);
        this.#removeTo = Math.max(0, this.video.currentTime - 1);
        if (this.#removeTo > 0) this.#pump();
        else this.fail("source buffer full");
      } else this.fail(`append: ${(e as Error).message}`);
    }
  }

  /** The live-edge control loop (every 200 ms). */
  protected control(): void {
    const now = performance.now();
    if (this.#ws && now - this.#lastDataAt > this.#o.dataTimeoutMs) {
      return this.fail("no media data");
    }
    const v = this.video;
    const sb = this.#sb;
    if (!sb || sb.buffered.length === 0) return;
    const last = sb.buffered.length - 1;
    const start = sb.buffered.start(last);
    const end = sb.buffered.end(last);
    const action = liveEdgeAction(v.currentTime, start, end, this.#o);
    if (action.seekTo !== undefined) {
      v.currentTime = action.seekTo;
      this.info.seeks++;
    }
    if (v.playbackRate !== action.rate) v.playbackRate = action.rate;
    if (v.paused && v.readyState >= 2) v.play().catch(() => {/* retried next tick */});
    this.info.lagS = Math.max(0, end - v.currentTime);

    this.checkProgress(now);

    // Trim played media so the SourceBuffer never grows without bound.
    if (v.currentTime - sb.buffered.start(0) > this.#o.keepBehindS + 5) {
      this.#removeTo = v.currentTime - this.#o.keepBehindS;
      this.#pump();
    }
  }
}
