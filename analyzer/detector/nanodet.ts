/**
 * NanoDet-g (COCO, 416x416) detector adapter on onnxruntime-node.
 *
 * Pipeline: RGB24 frame -> bilinear resize + BGR mean/std NCHW tensor ->
 * ONNX -> per-level decode (sigmoid class scores are already applied inside
 * the graph; box sides are GFL distributions: softmax over 11 bins,
 * expectation x stride, measured from the cell centre) -> class filter ->
 * NMS with car/truck/bus merged -> boxes in source pixels.
 */
import * as ort from "onnxruntime-node";
import { COCO_LABELS } from "./coco_labels.ts";
import { nms, VEHICLE_GROUP } from "./nms.ts";
import {
  boxToSource,
  NANODET_NORM,
  planResize,
  preprocessRgb24,
  type ResizeMode,
  type ResizePlan,
} from "./preprocess.ts";

/** One decoded video frame: interleaved RGB24 (ffmpeg `-pix_fmt rgb24`). */
export interface Frame {
  width: number;
  height: number;
  data: Uint8Array;
}

export interface Detection {
  label: string;
  conf: number;
  /** x, y, w, h in source pixels. */
  box: [number, number, number, number];
}

export interface DetectOptions {
  /** Minimum class score (default 0.35). */
  minConf?: number;
  /** COCO label names to keep (default: all 80). */
  classes?: string[];
  /** Cap on returned detections (default 100, like NanoDet's own post-processing). */
  maxDetections?: number;
}

export interface LoadOptions {
  /** ONNX Runtime intra-op threads (default: min(cores, 4)). */
  threads?: number;
  /**
   * How frames are fitted into the square input. "letterbox" (default) keeps
   * the aspect ratio, centred with black borders: NanoDet-g was trained and
   * evaluated that way (keep_ratio: True), and on the vtest frame it gives
   * the same boxes as "stretch" with fewer spurious low-score detections.
   */
  resize?: ResizeMode;
  /** NMS IoU threshold (default 0.6, NanoDet's own). */
  iouThreshold?: number;
  /** Labels suppressed together (default: car/truck/bus). */
  mergeGroups?: string[][];
}

/** One head level of the raw model output. */
export interface HeadLevel {
  stride: number;
  gridW: number;
  gridH: number;
  /** [gridW*gridH, numClasses] sigmoid scores, row-major cells. */
  cls: Float32Array;
  /** [gridW*gridH, 4*bins] distribution logits for left, top, right, bottom. */
  reg: Float32Array;
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

export interface DecodeOptions {
  minConf: number;
  /** 1 = class allowed; null = all classes. */
  classMask: Uint8Array | null;
  numClasses: number;
  /** Bins per box side (reg_max + 1); 11 for NanoDet-g. */
  bins: number;
  inputW: number;
  inputH: number;
}

/**
 * Decodes all head levels. A cell emits one candidate per allowed class at
 * or above minConf; the box is computed once per cell and only for cells that
 * pass, which keeps this cheap (~3.5k cells x 80 scores).
 */
export function decodeNanodet(levels: readonly HeadLevel[], opts: DecodeOptions): RawDetection[] {
  const out: RawDetection[] = [];
  const { minConf, classMask, numClasses: nc, bins, inputW, inputH } = opts;
  const dist = new Float64Array(4);
  for (const lv of levels) {
    const n = lv.gridW * lv.gridH;
    const regStride = 4 * bins;
    for (let cell = 0; cell < n; cell++) {
      const base = cell * nc;
      let any = false;
      for (let c = 0; c < nc; c++) {
        if (lv.cls[base + c] >= minConf && (!classMask || classMask[c])) {
          any = true;
          break;
        }
      }
      if (!any) continue;
      // Softmax expectation of each side's distance distribution (in stride units).
      const r = cell * regStride;
      for (let side = 0; side < 4; side++) {
        const o = r + side * bins;
        let mx = -Infinity;
        for (let k = 0; k < bins; k++) if (lv.reg[o + k] > mx) mx = lv.reg[o + k];
        let sum = 0, acc = 0;
        for (let k = 0; k < bins; k++) {
          const e = Math.exp(lv.reg[o + k] - mx);
          sum += e;
          acc += e * k;
        }
        dist[side] = (acc / sum) * lv.stride;
      }
      const cx = ((cell % lv.gridW) + 0.5) * lv.stride;
      const cy = (Math.floor(cell / lv.gridW) + 0.5) * lv.stride;
      const x1 = Math.max(0, cx - dist[0]);
      const y1 = Math.max(0, cy - dist[1]);
      const x2 = Math.min(inputW, cx + dist[2]);
      const y2 = Math.min(inputH, cy + dist[3]);
      for (let c = 0; c < nc; c++) {
        const s = lv.cls[base + c];
        if (s >= minConf && (!classMask || classMask[c])) {
          out.push({ classId: c, score: s, x1, y1, x2, y2 });
        }
      }
    }
  }
  return out;
}

/** Class filter + NMS + mapping to source pixels. */
export function postprocess(
  raw: readonly RawDetection[],
  plan: ResizePlan,
  opts: {
    iouThreshold: number;
    mergeGroups: readonly (readonly string[])[];
    maxDetections: number;
  },
): Detection[] {
  const dets: Detection[] = raw.map((r) => ({
    label: COCO_LABELS[r.classId] ?? `class_${r.classId}`,
    conf: r.score,
    box: boxToSource(r.x1, r.y1, r.x2, r.y2, plan),
  }));
  return nms(dets, opts);
}

interface _LevelNames {
  stride: number;
  gridW: number;
  gridH: number;
  cls: string;
  reg: string;
}

export class NanoDetDetector {
  /** Wall time of the last detect() stages, for stats and benchmarks. */
  lastTimings = { preMs: 0, runMs: 0, postMs: 0 };
  private _plan: ResizePlan | null = null;
  private readonly _input: Float32Array;
  private readonly _maskCache = new Map<string, Uint8Array | null>();

  private constructor(
    private readonly _session: ort.InferenceSession,
    private readonly _inputName: string,
    readonly inputW: number,
    readonly inputH: number,
    private readonly _levels: _LevelNames[],
    private readonly _numClasses: number,
    private readonly _bins: number,
    private readonly _opts: Required<Omit<LoadOptions, "threads">>,
  ) {
    this._input = new Float32Array(3 * inputW * inputH);
  }

  static async load(modelPath: string, opts: LoadOptions = {}): Promise<NanoDetDetector> {
    const threads = opts.threads ?? Math.max(1, Math.min(4, navigator.hardwareConcurrency || 1));
    const session = await ort.InferenceSession.create(modelPath, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: "sequential",
      graphOptimizationLevel: "all",
    });
    try {
      if (session.inputNames.length !== 1) {
        throw new Error(`expected one model input, got ${session.inputNames.join(", ")}`);
      }
      const inputName = session.inputNames[0];
      // NanoDet-g is 416x416; the output shapes below confirm the grid it implies.
      const inputW = 416, inputH = 416;
      // A warm-up run both primes ORT's allocations and reveals the output layout.
      const zeros = new Float32Array(3 * inputW * inputH);
      const res = await session.run({
        [inputName]: new ort.Tensor("float32", zeros, [1, 3, inputH, inputW]),
      });
      const { levels, numClasses, bins } = _identifyOutputs(res, inputW, inputH);
      return new NanoDetDetector(session, inputName, inputW, inputH, levels, numClasses, bins, {
        resize: opts.resize ?? "letterbox",
        iouThreshold: opts.iouThreshold ?? 0.6,
        mergeGroups: opts.mergeGroups ?? [VEHICLE_GROUP.slice()],
      });
    } catch (e) {
      await session.release().catch(() => {});
      throw new Error(`${modelPath} is not a NanoDet-style model: ${(e as Error).message}`);
    }
  }

  async detect(frame: Frame, opts: DetectOptions = {}): Promise<Detection[]> {
    const t0 = performance.now();
    if (
      !this._plan || this._plan.srcW !== frame.width || this._plan.srcH !== frame.height
    ) {
      this._plan = planResize(
        frame.width,
        frame.height,
        this.inputW,
        this.inputH,
        this._opts.resize,
      );
    }
    preprocessRgb24(frame, this._plan, NANODET_NORM, this._input);
    const t1 = performance.now();
    const res = await this._session.run({
      [this._inputName]: new ort.Tensor("float32", this._input, [1, 3, this.inputH, this.inputW]),
    });
    const t2 = performance.now();
    const levels: HeadLevel[] = this._levels.map((l) => ({
      stride: l.stride,
      gridW: l.gridW,
      gridH: l.gridH,
      cls: res[l.cls].data as Float32Array,
      reg: res[l.reg].data as Float32Array,
    }));
    const raw = decodeNanodet(levels, {
      minConf: opts.minConf ?? 0.35,
      classMask: this._classMask(opts.classes),
      numClasses: this._numClasses,
      bins: this._bins,
      inputW: this.inputW,
      inputH: this.inputH,
    });
    const dets = postprocess(raw, this._plan, {
      iouThreshold: this._opts.iouThreshold,
      mergeGroups: this._opts.mergeGroups,
      maxDetections: opts.maxDetections ?? 100,
    });
    for (const t of Object.values(res)) t.dispose?.();
    this.lastTimings = { preMs: t1 - t0, runMs: t2 - t1, postMs: performance.now() - t2 };
    return dets;
  }

  async close(): Promise<void> {
    await this._session.release();
  }

  private _classMask(classes: string[] | undefined): Uint8Array | null {
    if (!classes) return null;
    const key = classes.join("\n");
    if (this._maskCache.has(key)) return this._maskCache.get(key)!;
    const mask = new Uint8Array(this._numClasses);
    for (const name of classes) {
      const id = COCO_LABELS.indexOf(name);
      // A typo in a class list would silently detect nothing; fail loudly instead.
      if (id < 0 || id >= this._numClasses) throw new Error(`unknown class "${name}"`);
      mask[id] = 1;
    }
    this._maskCache.set(key, mask);
    return mask;
  }
}

/**
 * Pairs the outputs by cell count: [1, N, numClasses] scores and
 * [1, N, 4*bins] distributions per level, stride derived from N.
 */
function _identifyOutputs(
  res: ort.InferenceSession.OnnxValueMapType,
  inputW: number,
  inputH: number,
): { levels: _LevelNames[]; numClasses: number; bins: number } {
  const byN = new Map<number, { name: string; c: number }[]>();
  for (const [name, t] of Object.entries(res)) {
    const d = t.dims;
    if (d.length !== 3 || d[0] !== 1) throw new Error(`output ${name} has shape [${d}]`);
    if (!byN.has(d[1])) byN.set(d[1], []);
    byN.get(d[1])!.push({ name, c: d[2] });
  }
  const levels: _LevelNames[] = [];
  let numClasses = 0, bins = 0;
  for (const [n, outs] of byN) {
    if (outs.length !== 2) throw new Error(`cannot pair outputs with ${n} cells`);
    // Box distributions have 4*bins channels with small bins; classes are the other one.
    const [reg, cls] = outs[0].c % 4 === 0 && outs[0].c < outs[1].c ? outs : [outs[1], outs[0]];
    if (reg.c % 4 !== 0) throw new Error(`output ${reg.name} is not 4 box distributions`);
    const stride = [8, 16, 32, 64, 128].find((s) =>
      Math.ceil(inputW / s) * Math.ceil(inputH / s) === n
    );
    if (!stride) throw new Error(`${n} cells match no stride for ${inputW}x${inputH}`);
    if ((numClasses && numClasses !== cls.c) || (bins && bins !== reg.c / 4)) {
      throw new Error("levels disagree on class or bin count");
    }
    numClasses = cls.c;
    bins = reg.c / 4;
    levels.push({
      stride,
      gridW: Math.ceil(inputW / stride),
      gridH: Math.ceil(inputH / stride),
      cls: cls.name,
      reg: reg.name,
    });
  }
  if (!levels.length) throw new Error("model has no outputs");
  levels.sort((a, b) => a.stride - b.stride);
  return { levels, numClasses, bins };
}
