/**
 * The analyzer's capture clock, rebuilt in the browser for the video it plays, so the overlay
 * can draw on each displayed frame the tick of that very frame. Where the ticks carry the
 * frames' stream time (the dev relay's MSE and WHEP) the page matches the tick by that instead
 * (live/media_match.ts) and this estimate only vouches that a tick is of the same timeline; it
 * stays in charge for sources without a shared timeline (MediaMTX's WebRTC and HLS).
 *
 * The analyzer stamps a live frame with `anchor + PTS`, the anchor being the minimum over
 * frames of (arrival - PTS) (analyzer/source/capture_clock.ts). The browser receives the same
 * frames with the same media timeline (the MSE relay's fMP4 timestamps, or WebRTC's RTP
 * timestamps made from that fMP4) and applies the same rule to its own arrivals: the minimum
 * of (arrival - media time) is the media timeline's position on the wall clock, so
 * `anchor + media time` of a displayed frame is its capture time up to the difference of the
 * two minimum transit times (relay -> analyzer decode vs relay -> browser receive: a few ms on
 * one host, measured in bench/glass_to_glass.ts). Nothing is sent for this: it works against
 * MediaMTX's WebRTC as well as the dev relay.
 *
 * One frame of lag is the analyzer's own: its ffmpeg hands a frame over only when the next one
 * starts arriving (the fMP4 demuxer reads on to the next fragment's header, as the H.264 parser
 * of an RTSP input reads to the next access unit), so a frame "arrives" for the analyzer with
 * the next one. Measured: without this rule the overlay ran exactly one frame interval early
 * (-33.3 ms at 30 fps, every frame, bench/glass_to_glass.ts). `arrived()` applies it.
 *
 * The anchors agree only where the media timeline keeps pace with the wall clock (a camera's
 * clock does): a source whose timestamps fall behind real time while one reader watches and the
 * other does not gives the two readers different minima.
 */

/** A jump of (arrival - media time) above the anchor by more than this is a new timeline. */
export const TIMELINE_JUMP_MS = 3000;

export class ArrivalClock {
  #anchor: number | null = null;
  #previous: number | null = null;

  /**
   * A frame of media time `mediaMs` arrived at unix ms `arrivalMs`: the previous frame counts
   * as arrived now, as it does for the analyzer (see above).
   */
  arrived(mediaMs: number, arrivalMs: number): void {
    const previous = this.#previous;
    if (previous !== null && mediaMs > previous) this.observe(previous, arrivalMs);
    // A late (reordered) frame does not move the timeline back; a restart of it does.
    if (previous === null || mediaMs > previous || previous - mediaMs > TIMELINE_JUMP_MS) {
      this.#previous = mediaMs;
    }
  }

  /** A frame of media time `mediaMs` arrived (fully) at unix ms `arrivalMs`. */
  observe(mediaMs: number, arrivalMs: number): void {
    if (!Number.isFinite(mediaMs) || !Number.isFinite(arrivalMs)) return;
    const est = arrivalMs - mediaMs;
    // Far later than the anchor: the source restarted with a new timeline (min would ignore it).
    if (this.#anchor === null || est < this.#anchor || est - this.#anchor > TIMELINE_JUMP_MS) {
      this.#anchor = est;
    }
  }

  /** Capture time (unix ms) of the frame at media time `mediaMs`; null before any arrival. */
  captureMs(mediaMs: number): number | null {
    return this.#anchor === null ? null : this.#anchor + mediaMs;
  }

  reset(): void {
    this.#anchor = null;
    this.#previous = null;
  }
}

/** RTP's 32-bit 90 kHz timestamps as one unwrapped media time in ms (WebRTC video). */
export class RtpTimeline {
  #last: number | null = null;
  /** 90 kHz ticks since the first timestamp (an integer: no rounding drift over hours). */
  #ticks = 0;

  /** Media ms of an RTP timestamp (continuous across the 32-bit wrap, ~13 h at 90 kHz). */
  mediaMs(rtpTimestamp: number): number {
    if (this.#last !== null) {
      // Signed 32-bit difference: frames may come out of order by a little, never by 2^31.
      this.#ticks += (rtpTimestamp - this.#last) << 0;
    }
    this.#last = rtpTimestamp >>> 0;
    return this.#ticks / 90;
  }

  reset(): void {
    this.#last = null;
    this.#ticks = 0;
  }
}
