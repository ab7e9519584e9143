/**
 * The tick of the very frame on screen, matched by the frame's stream time instead of by two
 * clocks estimated apart.
 *
 * The dev analyzer and the dev players read one timeline: the media relay's fMP4 time. The
 * analyzer decodes with `-copyts` and puts each frame's PTS in its tick (`media_ms`); the MSE
 * player sees the same time in the fragments' `tfdt`, and the relay's WHEP in the RTP
 * timestamps (made `PTS x 90 kHz mod 2^32` by functions/media-relay/live_rtp.ts). So the frame
 * on screen at stream time m is the frame of the tick whose `media_ms` is m: the overlay draws
 * that tick's own `ts`. A frame the analyzer did not process (detect fps below the video's,
 * frames it dropped, a tick not arrived yet) gets the analyzer's anchor of its nearest tick:
 * `tick.ts + (m - tick.media_ms)`, the capture time the analyzer would have given it.
 *
 * The player's own estimate (arrival_clock.ts: the analyzer's clock rule applied to the
 * browser's arrivals; right to within a frame) decides whether a tick belongs to the frame's
 * timeline at all: a tick's implied capture time for the frame must agree with the estimate
 * within ANCHOR_AGREE_MS. That rejects ticks of another timeline: a relay restart (stream time
 * starts over; the ticks of the old run name the same media times seconds or more away), a
 * reconnect before the analyzer's clock re-settled, and any source without a shared timeline
 * (MediaMTX's WebRTC and HLS: random RTP base, another muxer's times). There the estimate
 * stays in charge (`lastMatch` says which rule gave the last frame's time).
 */
import type { Tick } from "../../../shared/tick.ts";
import type { FrameMediaTime } from "../player/player.ts";

/**
 * A tick within this of the frame's media time is that frame's. The two sides' times of one
 * frame differ by rounding only (media_ms to 1 us, RTP to 1/90 ms); frames are >= 16.7 ms apart
 * up to 60 fps.
 */
export const SAME_FRAME_MS = 1;

/**
 * A tick's implied capture time for the frame must agree with the player's own estimate within
 * this. The estimate is within a frame (33 ms at 30 fps) plus a few ms of the analyzer's on one
 * timeline (docs/PERFORMANCE.md); another timeline is off by the time between the two runs'
 * starts (seconds) or by a random RTP base.
 */
export const ANCHOR_AGREE_MS = 250;

/** Ticks kept: 17 s at 30 ticks/s, beyond any video delay the overlay still draws. */
const KEEP = 512;

export type MatchKind = "tick" | "anchor" | "estimate";

export class TickMediaIndex {
  #media: number[] = [];
  #ts: number[] = [];
  /** How the last frame's capture time was found (tests, the debug handle). */
  lastMatch: MatchKind | null = null;

  /** A tick arrived (ticks without `media_ms` are ignored). */
  push(tick: Pick<Tick, "ts" | "media_ms">): void {
    if (tick.media_ms === undefined) return;
    this.#media.push(tick.media_ms);
    this.#ts.push(tick.ts);
    if (this.#media.length > KEEP) {
      this.#media.shift();
      this.#ts.shift();
    }
  }

  clear(): void {
    this.#media = [];
    this.#ts = [];
    this.lastMatch = null;
  }

  /**
   * Capture time (unix ms) of the frame at `media`, given the player's estimate of it: the
   * matching tick's own time, else the nearest agreeing tick's anchor, else the estimate.
   */
  captureMs(media: FrameMediaTime | null, estimateMs: number | null): number | null {
    if (estimateMs === null) {
      this.lastMatch = null;
      return null;
    }
    let bestD = Infinity;
    let bestTs = 0;
    if (media !== null && Number.isFinite(media.ms)) {
      const wrap = media.wrapMs;
      for (let i = this.#media.length - 1; i >= 0; i--) {
        // Tick minus frame, on the wrapped circle where the frame's time wraps.
        let d = this.#media[i] - media.ms;
        if (wrap) d = ((d % wrap) + wrap + wrap / 2) % wrap - wrap / 2;
        if (Math.abs(d) >= Math.abs(bestD)) continue;
        if (Math.abs(this.#ts[i] - d - estimateMs) > ANCHOR_AGREE_MS) continue;
        bestD = d;
        bestTs = this.#ts[i];
      }
    }
    if (bestD === Infinity) {
      this.lastMatch = "estimate";
      return estimateMs;
    }
    if (Math.abs(bestD) <= SAME_FRAME_MS) {
      this.lastMatch = "tick";
      return bestTs;
    }
    this.lastMatch = "anchor";
    return bestTs - bestD;
  }
}
