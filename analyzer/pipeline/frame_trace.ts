/**
 * OpenTelemetry spans for one analyzed frame, built after the frame from the times the pipeline
 * already takes for its stage timings (nothing is timed twice): a root `frame` span with one
 * child per stage, `decode`, `infer`, `track_judge`, `publish`, and one `db_write` per pass the
 * frame judged. The sampler decides on the root span; an unsampled frame builds nothing more.
 */
import { ROOT_CONTEXT, type Span, trace, type Tracer } from "@opentelemetry/api";
import type { FrameTimes } from "./stage_timings.ts";

/** One pass written while handling a frame (the sink's durable hand-off). */
export interface PassWrite {
  passId: string;
  verdict: string;
  startedAt: number;
  endedAt: number;
}

/** Everything one frame's spans are built from (ms since the epoch). */
export interface FrameTrace extends FrameTimes {
  camera: string;
  seq: number;
  /** When decoding of this frame began: live, its capture time; offline, the previous frame's arrival. */
  decodeStartedAt: number;
  /** Tracking and judging done, tick built (just before the hand-off to the publisher). */
  analyzedAt: number;
  passes: PassWrite[];
}

export interface FrameTracer {
  frame(t: FrameTrace): void;
}

/** Span attribute names (stopline's own namespace, OTel style). */
export const ATTR_CAMERA = "stopline.camera";
export const ATTR_PASS_ID = "stopline.pass_id";
export const ATTR_PASS_IDS = "stopline.pass_ids";
export const ATTR_VERDICT = "stopline.verdict";
export const ATTR_FRAME_SEQ = "stopline.frame_seq";
export const ATTR_CAPTURE_TS = "stopline.capture_ts_ms";
export const ATTR_INFER_MS = "stopline.infer_ms";
export const ATTR_DETECT_WAIT_MS = "stopline.detect_wait_ms";

export function otelFrameTracer(tracer: Tracer): FrameTracer {
  return {
    frame(t) {
      const end = Math.max(t.publishedAt, ...t.passes.map((p) => p.endedAt));
      const root = tracer.startSpan("frame", {
        startTime: t.decodeStartedAt,
        attributes: {
          [ATTR_CAMERA]: t.camera,
          [ATTR_FRAME_SEQ]: t.seq,
          [ATTR_CAPTURE_TS]: t.captureTs,
          ...(t.passes.length ? { [ATTR_PASS_IDS]: t.passes.map((p) => p.passId) } : {}),
        },
      });
      if (!root.isRecording()) return; // not sampled: no child spans, nothing exported
      const ctx = trace.setSpan(ROOT_CONTEXT, root);
      const child = (name: string, start: number, stop: number, extra = {}): Span => {
        const s = tracer.startSpan(name, {
          startTime: start,
          attributes: { [ATTR_CAMERA]: t.camera, ...extra },
        }, ctx);
        s.end(stop);
        return s;
      };
      child("decode", t.decodeStartedAt, t.arrivedAt);
      const detectMs = t.detectedAt - t.takenAt;
      child("infer", t.takenAt, t.detectedAt, {
        [ATTR_INFER_MS]: t.inferMs,
        [ATTR_DETECT_WAIT_MS]: Math.max(0, detectMs - t.inferMs),
      });
      child("track_judge", t.detectedAt, t.analyzedAt);
      child("publish", t.analyzedAt, t.publishedAt);
      for (const p of t.passes) {
        child("db_write", p.startedAt, p.endedAt, {
          [ATTR_PASS_ID]: p.passId,
          [ATTR_VERDICT]: p.verdict,
        });
      }
      root.end(end);
    },
  };
}
