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
import {
  type AdapterOptions,
  type Detection,
  OnnxDetector,
  type RawDetection,
  type SessionSpec,
  toDetections,
} from "./detector.ts";
import { NANODET_NORM, type ResizePlan } from "./preprocess.ts";
import { registerDetectorFamily } from "./registry.ts";
import type { NanodetLayout } from "../../shared/model/model_layout.ts";
import { COCO_LABELS } from "../../shared/model/coco_labels.ts";

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

/** Class filter + NMS + mapping to source pixels (COCO labels). */
export function postprocess(
  raw: readonly RawDetection[],
  plan: ResizePlan,
  opts: {
    iouThreshold: number;
    mergeGroups: readonly (readonly string[])[];
    maxDetections: number;
  },
): Detection[] {
  return toDetections(raw, COCO_LABELS, plan, opts);
}

export class NanoDetDetector extends OnnxDetector {
  readonly kind = "nanodet";
  readonly inputW: number;
  readonly inputH: number;

  constructor(
    spec: SessionSpec,
    private readonly _layout: NanodetLayout,
    opts: AdapterOptions = {},
  ) {
    // NanoDet's own NMS threshold is 0.6.
    super(spec, opts, { resize: "letterbox", iouThreshold: 0.6 });
    this.inputW = spec.inputW;
    this.inputH = spec.inputH;
  }

  protected decode(
    res: ort.InferenceSession.OnnxValueMapType,
    minConf: number,
    mask: Uint8Array | null,
  ): RawDetection[] {
    const levels: HeadLevel[] = this._layout.levels.map((l) => ({
      stride: l.stride,
      gridW: l.gridW,
      gridH: l.gridH,
      cls: res[l.cls].data as Float32Array,
      reg: res[l.reg].data as Float32Array,
    }));
    return decodeNanodet(levels, {
      minConf,
      classMask: mask,
      numClasses: this._layout.numClasses,
      bins: this._layout.bins,
      inputW: this.inputW,
      inputH: this.inputH,
    });
  }
}

registerDetectorFamily({
  kinds: ["nanodet"],
  norm: () => NANODET_NORM,
  create: (spec, layout, opts) => new NanoDetDetector(spec, layout as NanodetLayout, opts),
});
