/** Messages between the frame source (main thread) and the decode Worker. */
import type { IsolateMemory } from "../health/isolate_memory.ts";

export type ToDecoder =
  | {
    type: "start";
    bin: string;
    args: string[];
    /** Wall-clock ms that PTS 0 of the stream maps to; null = the arrival of the first frame. */
    anchorMs: number | null;
    /** Offline analysis: never drop; ffmpeg waits (pipe backpressure) until the frame is taken. */
    lossless: boolean;
  }
  /** Ask for the newest frame; optionally hand back a buffer to reuse. */
  | { type: "next"; recycle?: ArrayBuffer }
  | { type: "stop" };

export interface FrameMeta {
  /** Frame index in this ffmpeg run. */
  n: number;
  width: number;
  height: number;
  /** Seconds since the first frame of this run, from PTS. */
  ptsS: number;
  /** The frame's PTS in the stream's own timeline, s (with `-copyts`: the relay's). */
  streamPtsS: number;
  /** Capture time, unix ms: the anchor plus the PTS offset. */
  captureTs: number;
  /** Wall-clock ms when the decode worker had the whole frame (latency accounting). */
  arrivedAt: number;
  keyframe: boolean;
  /** Frames decoded but replaced by a newer one before anyone asked (cumulative, this run). */
  dropped: number;
}

export type FromDecoder =
  | { type: "frame"; meta: FrameMeta; data: ArrayBuffer }
  | { type: "ended"; code: number | null; reason: string }
  /** The worker's own V8 heap, every few seconds. */
  | { type: "memory"; memory: IsolateMemory }
  /**
   * The newest decoded frame's times, at most once a second whether or not the pipeline takes
   * frames: the decode link of the staleness chain stays fresh while inference is stuck.
   */
  | { type: "decoded"; captureTs: number; arrivedAt: number };
