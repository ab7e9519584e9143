/**
 * The one interface every detector adapter implements (NanoDet, CenterNet,
 * YOLO), and the session-driving base they share: frame -> preprocess ->
 * ONNX run -> model-specific decode -> class filter + NMS with vehicles
 * merged -> boxes in source pixels. Adapters only say how to read their
 * outputs; everything else exists once, here.
 */
import * as ort from "onnxruntime-node";
import type { Detection } from "./detection.ts";
import { nms, VEHICLE_GROUP } from "./nms.ts";
import {
  boxToSource,
  type Normalization,
  planResize,
  preprocessRgb24,
  type ResizeMode,
  type ResizePlan,
} from "./preprocess.ts";
import {
  chooseGain,
  DEFAULT_LOW_LIGHT,
  gainTable,
  type LowLightGain,
  type LowLightMode,
  type LowLightOptions,
  lumaHistogram,
  smooth3,
} from "./low_light.ts";

/** One decoded video frame: interleaved RGB24 (ffmpeg `-pix_fmt rgb24`). */
export interface Frame {
  width: number;
  height: number;
  data: Uint8Array;
}

export type { Detection } from "./detection.ts";

export interface DetectOptions {
  /** Minimum class score (default 0.35). */
  minConf?: number;
  /** Label names to keep (default: all the model knows). */
  classes?: string[];
  /** Cap on returned detections (default 100). */
  maxDetections?: number;
  /**
   * `auto`: a dark input is smoothed and gained before the model (low_light.ts; config
   * `detect.low_light`). Default `off`, so callers other than the camera pipeline are unchanged.
   */
  lowLight?: LowLightMode;
}

/** Wall time of one detect() split by stage. */
export interface StageTimings {
  preMs: number;
  runMs: number;
  postMs: number;
}

export interface Detector {
  /** Which adapter decodes the model: "nanodet" | "centernet" | "yolov5" | "yolov8" | "yolo-nms". */
  readonly kind: string;
  /** Model input size in pixels. */
  readonly inputSize: { width: number; height: number };
  /** Class names by class id. */
  readonly labels: readonly string[];
  /** Stage split of the last detect(), for stats and benchmarks. */
  readonly lastTimings: StageTimings;
  detect(frame: Frame, opts?: DetectOptions): Promise<Detection[]>;
  close(): Promise<void>;
}

/** Options every adapter understands. */
export interface AdapterOptions {
  /** How frames are fitted into the input (each adapter has its trained default). */
  resize?: ResizeMode;
  /** NMS IoU threshold (each adapter has its upstream default). */
  iouThreshold?: number;
  /** Labels suppressed together (default: car/truck/bus). */
  mergeGroups?: string[][];
}

/** A decoded box in model-input pixels, before NMS. */
export interface RawDetection {
  classId: number;
  score: number;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/** Everything the base needs to know about a loaded session. */
export interface SessionSpec {
  session: ort.InferenceSession;
  inputName: string;
  inputW: number;
  inputH: number;
  norm: Normalization;
  labels: readonly string[];
}

/** Class filter + NMS + mapping to source pixels. */
export function toDetections(
  raw: readonly RawDetection[],
  labels: readonly string[],
  plan: ResizePlan,
  opts: {
    iouThreshold: number;
    mergeGroups: readonly (readonly string[])[];
    maxDetections: number;
  },
): Detection[] {
  const dets: Detection[] = raw.map((r) => ({
    label: labels[r.classId] ?? `class_${r.classId}`,
    conf: r.score,
    box: boxToSource(r.x1, r.y1, r.x2, r.y2, plan),
  }));
  return nms(dets, opts);
}

/**
 * 1 per allowed class id, or null for "all". Unknown names throw: a typo in
 * a class list would otherwise silently detect nothing.
 */
export function classMask(
  labels: readonly string[],
  classes: readonly string[] | undefined,
): Uint8Array | null {
  if (!classes) return null;
  const mask = new Uint8Array(labels.length);
  for (const name of classes) {
    const id = labels.indexOf(name);
    if (id < 0) throw new Error(`unknown class "${name}"`);
    mask[id] = 1;
  }
  return mask;
}

/** Shared session driver; subclasses implement `decode` for their output layout. */
export abstract class OnnxDetector implements Detector {
  abstract readonly kind: string;
  lastTimings: StageTimings = { preMs: 0, runMs: 0, postMs: 0 };
  /** The low-light gain the last detect() applied (null: none), for benchmarks. */
  lastGain: LowLightGain | null = null;
  /** The low-light thresholds (benchmarks try others). */
  lowLightOptions: LowLightOptions = DEFAULT_LOW_LIGHT;
  readonly inputSize: { width: number; height: number };
  readonly labels: readonly string[];
  protected readonly session: ort.InferenceSession;
  private readonly _spec: SessionSpec;
  private readonly _input: Float32Array;
  private readonly _dims: number[];
  private _plan: ResizePlan | null = null;
  private readonly _hist = new Uint32Array(256);
  private readonly _table = new Float32Array(768);
  private readonly _smooth = { tmp: new Uint16Array(0), out: new Uint8Array(0) };
  private readonly _maskCache = new Map<string, Uint8Array | null>();
  private readonly _resize: ResizeMode;
  private readonly _nms: { iouThreshold: number; mergeGroups: string[][] };

  protected constructor(
    spec: SessionSpec,
    opts: AdapterOptions,
    defaults: { resize: ResizeMode; iouThreshold: number },
  ) {
    this._spec = spec;
    this.session = spec.session;
    this.labels = spec.labels;
    this.inputSize = { width: spec.inputW, height: spec.inputH };
    this._input = new Float32Array(3 * spec.inputW * spec.inputH);
    this._dims = spec.norm.layout === "nhwc"
      ? [1, spec.inputH, spec.inputW, 3]
      : [1, 3, spec.inputH, spec.inputW];
    this._resize = opts.resize ?? defaults.resize;
    this._nms = {
      iouThreshold: opts.iouThreshold ?? defaults.iouThreshold,
      mergeGroups: opts.mergeGroups ?? [VEHICLE_GROUP.slice()],
    };
  }

  /** Reads the raw outputs into candidate boxes in model-input pixels. */
  protected abstract decode(
    out: ort.InferenceSession.OnnxValueMapType,
    minConf: number,
    mask: Uint8Array | null,
  ): RawDetection[];

  async detect(frame: Frame, opts: DetectOptions = {}): Promise<Detection[]> {
    const t0 = performance.now();
    const { inputW, inputH, norm, inputName } = this._spec;
    const mask = this._classMask(opts.classes);
    if (!this._plan || this._plan.srcW !== frame.width || this._plan.srcH !== frame.height) {
      this._plan = planResize(frame.width, frame.height, inputW, inputH, this._resize);
    }
    this.lastGain = opts.lowLight === "auto"
      ? chooseGain(
        lumaHistogram(frame, this.lowLightOptions.step, this._hist),
        this.lowLightOptions,
      )
      : null;
    const table = this.lastGain ? gainTable(this.lastGain, norm, this._table) : null;
    const src = table && this.lowLightOptions.denoise ? smooth3(frame, this._smooth) : frame;
    preprocessRgb24(src, this._plan, norm, this._input, table);
    const t1 = performance.now();
    const res = await this.session.run({
      [inputName]: new ort.Tensor("float32", this._input, this._dims),
    });
    const t2 = performance.now();
    try {
      const raw = this.decode(res, opts.minConf ?? 0.35, mask);
      return toDetections(raw, this.labels, this._plan, {
        ...this._nms,
        maxDetections: opts.maxDetections ?? 100,
      });
    } finally {
      for (const t of Object.values(res)) t.dispose?.();
      this.lastTimings = { preMs: t1 - t0, runMs: t2 - t1, postMs: performance.now() - t2 };
    }
  }

  async close(): Promise<void> {
    await this.session.release();
  }

  private _classMask(classes: string[] | undefined): Uint8Array | null {
    if (!classes) return null;
    const key = classes.join("\n");
    if (!this._maskCache.has(key)) this._maskCache.set(key, classMask(this.labels, classes));
    return this._maskCache.get(key)!;
  }
}
