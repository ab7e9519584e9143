/**
 * What a camera pipeline needs from a detector. The analyzer gives each camera one inference
 * Worker of the pool (analyzer/detector/inference_pool.ts: a worker per core, a camera on one
 * worker, its requests answered in order); the offline CLI gives its one camera a worker.
 */
import type { Detection } from "../detector/detection.ts";
import type { LowLightMode } from "../detector/low_light.ts";

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
  detect(
    frame: RgbFrame,
    opts: { minConf: number; classes: string[]; lowLight?: LowLightMode },
  ): Promise<DetectResult>;
}
