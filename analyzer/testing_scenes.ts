/**
 * Test and benchmark helper: run a rendered synthetic scene (dev/testing/scenes/catalog.ts)
 * through the offline pipeline with the real detector at a chosen processed frame rate, and collect its
 * passes (and, on request, ticks). The ground-truth test and bench/stop_accuracy_bench.ts share it.
 */
import { VEHICLE_LABELS } from "../shared/labels.ts";
import type { SceneSpec } from "../dev/testing/scenes/mod.ts";
import { type CameraConfig, validateConfig } from "../shared/config.ts";
import type { Tick } from "../shared/tick.ts";
import { analyzeFile, type AnalyzeSummary } from "./cli.ts";
import type { PassRecord } from "./persist/records.ts";
import type { PipelineDeps } from "./pipeline/camera_pipeline.ts";
import type { DetectResult, FrameDetector, RgbFrame } from "./pipeline/serial_detector.ts";

/** A pass as the offline pipeline prints it (no samples). */
export type PassLine = Omit<PassRecord, "samples">;

export interface SceneRunOptions {
  spec: SceneSpec;
  /** The rendered video of `spec`. */
  video: string;
  /** Frames analyzed per second (the spec's fps: every frame). */
  fps: number;
  modelPath: string;
  objectsDir: string;
  /** Keep every tick (the ground truth matches boxes against them). */
  ticks?: boolean;
  /** detect.regions (default: the config default, off). */
  regions?: "auto" | "off";
  /** detect.motion_gating (default: the config default). */
  motionGating?: boolean;
  /** A live camera's frame timing under load (PipelineDeps.liveTiming; dev/testing/live_timing.ts). */
  liveTiming?: PipelineDeps["liveTiming"];
}

export interface SceneRun {
  summary: AnalyzeSummary;
  passes: PassLine[];
  ticks: Tick[];
  /** Per tick (with `ticks`): did the detector run on its frame (false: gated, predicted)? */
  detected: boolean[];
}

/** The spec's stop settings as config keys (m/s thresholds only for a calibrated scene). */
function _configStop(spec: SceneSpec): Record<string, number> {
  const { stop_speed_mps, rolling_speed_mps, ...px } = spec.stop ?? {};
  return spec.calibration
    ? {
      ...px,
      ...(stop_speed_mps ? { stop_speed_mps } : {}),
      ...(rolling_speed_mps ? { rolling_speed_mps } : {}),
    }
    : px;
}

export async function analyzeScene(o: SceneRunOptions): Promise<SceneRun> {
  const camera = validateConfig({
    cameras: {
      scene: {
        source: o.video,
        detect: {
          fps: o.fps,
          min_conf: 0.4,
          ...(o.regions ? { regions: o.regions } : {}),
          ...(o.motionGating === undefined ? {} : { motion_gating: o.motionGating }),
        },
        classes: [...VEHICLE_LABELS],
        anchor: o.spec.anchor ?? "bottom_center",
        zones: o.spec.zones,
        // Pinhole scenes carry their true calibration; the judge then works in m/s.
        ...(o.spec.calibration ? { calibration: o.spec.calibration } : {}),
        stop: _configStop(o.spec),
      },
    },
  }).cameras.scene;
  return await analyzeVideo({ ...o, camera, cameraId: "scene" });
}

/**
 * The detector's answers by frame content (SHA-1 of the pixels and the options), for this
 * process's life. A scene analyzed at full, half and quarter rate decodes the same frames again;
 * the detector (deterministic: same input, same boxes) runs once per distinct input. Why: the
 * offline tests took 24 of CI's 26 minutes on the 2-core box (2026-11-30), most of it inference;
 * region crops follow each rate's own motion, so they mostly miss and run.
 */
const _memo = new Map<string, Omit<DetectResult, "buffer">>();
/** Enough for every frame of the largest test file's scenes (~6 k inputs); then it starts over. */
const MEMO_MAX = 20_000;

async function _memoKey(frame: RgbFrame, opts: unknown): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-1", frame.data as Uint8Array<ArrayBuffer>);
  const hex = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
  return `${frame.width}x${frame.height}:${hex}:${JSON.stringify(opts)}`;
}

/** `d` behind the memo: a frame seen before gets its boxes back without an inference. */
export function memoizedDetector(d: FrameDetector): FrameDetector {
  return {
    detect: async (frame, opts) => {
      const key = await _memoKey(frame, opts);
      const hit = _memo.get(key);
      if (hit) {
        const { buffer, byteOffset, byteLength } = frame.data;
        return {
          detections: structuredClone(hit.detections),
          inferMs: hit.inferMs,
          // The pipeline reads the frame back from the buffer the detector hands back.
          buffer: byteOffset === 0 && byteLength === buffer.byteLength
            ? buffer as ArrayBuffer
            : frame.data.slice().buffer,
        };
      }
      const result = await d.detect(frame, opts);
      if (_memo.size >= MEMO_MAX) _memo.clear();
      _memo.set(key, { detections: structuredClone(result.detections), inferMs: result.inferMs });
      return result;
    },
  };
}

/** Run a video through the offline pipeline with a validated camera config. */
export async function analyzeVideo(o: {
  video: string;
  camera: CameraConfig;
  cameraId: string;
  modelPath: string;
  objectsDir: string;
  ticks?: boolean;
  liveTiming?: PipelineDeps["liveTiming"];
}): Promise<SceneRun> {
  const passes: PassLine[] = [];
  const ticks: Tick[] = [];
  const detected: boolean[] = [];
  // The pipeline detects a frame before it publishes its tick, one frame at a time.
  let ran = false;
  const summary = await analyzeFile({
    source: o.video,
    camera: o.camera,
    cameraId: o.cameraId,
    modelPath: o.modelPath,
    anchorMs: 0,
    objectsDir: o.objectsDir,
    events: false,
    liveTiming: o.liveTiming,
    write: (l) => {
      const line = JSON.parse(l);
      if (line.type === "pass") passes.push(line);
    },
    wrapDetector: (d) => {
      const memo = memoizedDetector(d);
      return {
        detect: (frame, opts) => {
          ran = true;
          return memo.detect(frame, opts);
        },
      };
    },
    onTick: o.ticks
      ? (t) => {
        ticks.push(JSON.parse(t));
        detected.push(ran);
        ran = false;
      }
      : undefined,
  });
  return { summary, passes, ticks, detected };
}
