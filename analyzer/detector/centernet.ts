/**
 * MobileNetV3-CenterNet (COCO, from `@vladmandic/human`) adapter.
 *
 * Input: [1, 512, 512, 3] NHWC RGB in 0..255. Outputs (see
 * model/centernet_model.ts for why the graph is cut there):
 * `keypoints` [1, H/4, W/4, C] per-class sigmoid heatmaps and `wh`
 * [1, H/4, W/4, 4] distances from the cell's position (x*4, y*4) to the
 * left, top, right and bottom box sides in input pixels. This is the decode
 * the original graph does after its heads (verified against its own
 * `tower_0/detections`): a cell is an object of class c when its score is a
 * 3x3 local maximum of the class heatmap (max-pool equality), top 100 by
 * score; then human runs NMS, as we do (vehicles merged).
 */
import type * as ort from "onnxruntime-node";
import {
  type AdapterOptions,
  OnnxDetector,
  type RawDetection,
  type SessionSpec,
} from "./detector.ts";
import { CENTERNET_NORM } from "./preprocess.ts";
import { registerDetectorFamily } from "./registry.ts";
import type { CenternetLayout } from "../../shared/model/model_layout.ts";

/** The graph keeps the 100 best peaks; so do we, after the threshold. */
const _TOP_K = 100;

/**
 * Peak extraction and box decode over NHWC heatmaps. Only cells at or above
 * minConf are tested against their 3x3 neighbourhood, so the cost is one
 * comparison per heatmap value plus a few per candidate.
 */
export function decodeCenternet(
  heat: Float32Array,
  wh: Float32Array,
  layout: { gridW: number; gridH: number; numClasses: number; strideX: number; strideY: number },
  minConf: number,
  mask: Uint8Array | null,
  topK = _TOP_K,
): RawDetection[] {
  const { gridW: W, gridH: H, numClasses: C, strideX, strideY } = layout;
  const out: RawDetection[] = [];
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const base = (y * W + x) * C;
      for (let c = 0; c < C; c++) {
        const s = heat[base + c];
        if (s < minConf || (mask && !mask[c])) continue;
        // TF's SAME max-pool ignores out-of-range cells; ties still count as peaks (Equal).
        let peak = true;
        for (let dy = -1; dy <= 1 && peak; dy++) {
          const yy = y + dy;
          if (yy < 0 || yy >= H) continue;
          for (let dx = -1; dx <= 1; dx++) {
            const xx = x + dx;
            if (xx < 0 || xx >= W || (dx === 0 && dy === 0)) continue;
            if (heat[(yy * W + xx) * C + c] > s) {
              peak = false;
              break;
            }
          }
        }
        if (!peak) continue;
        const cx = x * strideX, cy = y * strideY, o = (y * W + x) * 4;
        out.push({
          classId: c,
          score: s,
          x1: cx - wh[o],
          y1: cy - wh[o + 1],
          x2: cx + wh[o + 2],
          y2: cy + wh[o + 3],
        });
      }
    }
  }
  if (out.length > topK) {
    out.sort((a, b) => b.score - a.score);
    out.length = topK;
  }
  return out;
}

export class CenterNetDetector extends OnnxDetector {
  readonly kind = "centernet";

  constructor(
    spec: SessionSpec,
    private readonly _layout: CenternetLayout,
    opts: AdapterOptions = {},
  ) {
    // human feeds CenterNet a plain (stretched) resize of the whole frame, and on the vtest frame
    // letterboxing loses the small people in the back (see centernet_test.ts).
    super(spec, opts, { resize: "stretch", iouThreshold: 0.5 });
  }

  protected decode(
    res: ort.InferenceSession.OnnxValueMapType,
    minConf: number,
    mask: Uint8Array | null,
  ): RawDetection[] {
    const l = this._layout;
    return decodeCenternet(
      res[l.heatmap].data as Float32Array,
      res[l.wh].data as Float32Array,
      {
        gridW: l.gridW,
        gridH: l.gridH,
        numClasses: l.numClasses,
        strideX: this.inputSize.width / l.gridW,
        strideY: this.inputSize.height / l.gridH,
      },
      minConf,
      mask,
    );
  }
}

registerDetectorFamily({
  kinds: ["centernet"],
  norm: () => CENTERNET_NORM,
  create: (spec, layout, opts) => new CenterNetDetector(spec, layout as CenternetLayout, opts),
});
