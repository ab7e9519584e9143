/**
 * Where a frame's time goes between capture and its tick leaving the analyzer, per stage, over
 * the most recent frames (a ring per stage, so old load does not hide a current problem). The
 * metrics endpoint reports p50/p95/p99 of each stage; the latency benchmark prints them next to
 * what the browser measured.
 */

/** The stages of one frame, in order. Their sum is capture -> tick handed to the publisher. */
export const STAGES = [
  /** Capture time -> the decode worker has the whole frame (stream transport, decode, pipe). */
  "capture_to_decoded",
  /** Decoded -> taken by the pipeline loop (waiting in the latest-frame slot, worker message). */
  "decoded_to_pipeline",
  /** Waiting for the inference worker (another camera's frame in it) and the transfers. */
  "detect_wait",
  /** Preprocess + ONNX run + decode/NMS inside the inference worker. */
  "infer",
  /** Tracking, stop judge, crops, tick encoding, hand-off to the publisher. */
  "analyze",
  /** The whole: capture time -> tick handed to the publisher. */
  "capture_to_publish",
] as const;

export type Stage = typeof STAGES[number];

export interface FrameTimes {
  captureTs: number;
  arrivedAt: number;
  /** When the pipeline loop took the frame. */
  takenAt: number;
  /** When the detections came back. */
  detectedAt: number;
  /** Inference time measured inside the worker. */
  inferMs: number;
  /** When the tick was handed to the publisher. */
  publishedAt: number;
}

export const QUANTILES = [0.5, 0.95, 0.99] as const;

export class StageTimings {
  readonly #size: number;
  readonly #rings = new Map<Stage, Float64Array>();
  #count = 0;

  constructor(size = 600) {
    this.#size = size;
    for (const s of STAGES) this.#rings.set(s, new Float64Array(size));
  }

  /** Frames recorded so far (all time). */
  get count(): number {
    return this.#count;
  }

  record(t: FrameTimes): void {
    const detectSpan = t.detectedAt - t.takenAt;
    const values: Record<Stage, number> = {
      capture_to_decoded: t.arrivedAt - t.captureTs,
      decoded_to_pipeline: t.takenAt - t.arrivedAt,
      detect_wait: Math.max(0, detectSpan - t.inferMs),
      infer: Math.min(t.inferMs, detectSpan),
      analyze: t.publishedAt - t.detectedAt,
      capture_to_publish: t.publishedAt - t.captureTs,
    };
    const i = this.#count % this.#size;
    for (const s of STAGES) this.#rings.get(s)![i] = values[s];
    this.#count++;
  }

  /** p50/p95/p99 (nearest rank) of a stage over the recent frames; NaN before any frame. */
  quantiles(stage: Stage): Record<typeof QUANTILES[number], number> {
    const n = Math.min(this.#count, this.#size);
    const sorted = this.#rings.get(stage)!.slice(0, n).sort();
    const at = (q: number) => n ? sorted[Math.min(n - 1, Math.ceil(q * n) - 1)] : NaN;
    return { 0.5: at(0.5), 0.95: at(0.95), 0.99: at(0.99) };
  }
}
