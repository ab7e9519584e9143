/**
 * One capture timeline per camera for every reader of the same stream in this process (the
 * pipeline's decoder and the dev clip recorder). Both read the media relay's `/media/<id>.mp4`
 * with `-copyts`: its fragments carry the relay's own stream time (tfdt), so a frame has the same
 * PTS on every connection (measured: two connections joined 5 s apart saw the same frames at the
 * same PTS; without -copyts each connection's timeline starts at 0). Capture time is one anchor
 * plus that PTS; the anchor is the minimum of (arrival − PTS) over what either reader saw, so the
 * reader that gets a frame first (the recorder sees packets, the decoder decoded frames) sets it,
 * and samples and clip segments share it: a clip's frame at capture time t is the frame the
 * sample at t was taken from.
 *
 * The relay restarting restarts its stream time: every connection ends, and the first
 * observation of a reader's next run that disagrees with the anchor by more than RESET_MS starts
 * a new timeline (an epoch). Inside a run the anchor only goes down (a stalled reader never
 * moves it).
 */
/**
 * A reconnect's first frame is late by the relay's backlog (since the last keyframe, one GOP: 1 s
 * for the samples) plus the reader's start-up (the recorder's ffmpeg probes its input: seconds
 * under load; with 3 s, `deno task dev` under load 20 reset on it); more than this is another
 * timeline. A reset that was only a slow start heals itself: the other reader's live frames bring
 * the minimum back down. A relay restart within RESET_MS of its previous start is not told apart
 * (its timestamps come out early by that much).
 */
export const RESET_MS = 10_000;

export class StreamClock {
  #anchor: number | null = null;
  /** Timelines started (a relay restart starts a new one). */
  epoch = 0;

  /** The current anchor: capture time (unix ms) of PTS 0; null before any observation. */
  get anchorMs(): number | null {
    return this.#anchor;
  }

  /**
   * A frame (or packet) at stream PTS `ptsS` arrived at `arrivalMs`. `firstOfRun`: the first
   * a reader saw since it (re)connected, which may belong to a new timeline. Returns the anchor.
   */
  observe(ptsS: number, arrivalMs: number, firstOfRun = false): number {
    const est = arrivalMs - ptsS * 1000;
    if (this.#anchor === null || (firstOfRun && Math.abs(est - this.#anchor) > RESET_MS)) {
      this.#anchor = est;
      this.epoch++;
    } else this.#anchor = Math.min(this.#anchor, est);
    return this.#anchor;
  }
}

const _clocks = new Map<string, StreamClock>();

/** The process's clock for a camera's stream (the decoder's and the recorder's). */
export function streamClock(camera: string): StreamClock {
  let c = _clocks.get(camera);
  if (!c) _clocks.set(camera, c = new StreamClock());
  return c;
}
