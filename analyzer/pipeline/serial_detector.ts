/**
 * Shares one inference Worker between cameras: requests run one at a time in arrival order, so
 * every camera gets its turn (a camera waits for at most one frame of each other camera).
 * The detector may still be loading: cameras start decoding meanwhile (ffmpeg and the decode
 * worker start in parallel with the model load, which shortens a restart) and their first
 * requests run once it is ready.
 */
import type { Detection } from "../detector/detection.ts";

export interface RgbFrame {
  width: number;
  height: number;
  /** RGB24 bytes. */
  data: Uint8Array;
}

export interface DetectResult {
  detections: Detection[];
  inferMs: number;
  /** The frame's buffer, handed back for reuse (it travelled to the worker and back). */
  buffer: ArrayBuffer;
}

export interface FrameDetector {
  detect(frame: RgbFrame, opts: { minConf: number; classes: string[] }): Promise<DetectResult>;
}

export class SerialDetector implements FrameDetector {
  readonly #inner: Promise<FrameDetector>;
  #tail: Promise<unknown> = Promise.resolve();

  constructor(inner: FrameDetector | Promise<FrameDetector>) {
    this.#inner = Promise.resolve(inner);
    this.#inner.catch(() => {}); // a failed load rejects each detect, not the process
  }

  detect(frame: RgbFrame, opts: { minConf: number; classes: string[] }): Promise<DetectResult> {
    const run = this.#tail.then(async () => (await this.#inner).detect(frame, opts));
    this.#tail = run.catch(() => {});
    return run;
  }
}
