/**
 * Frame -> model input: bilinear resize of an interleaved RGB24 frame into a
 * normalized planar (NCHW) or interleaved (NHWC) Float32 tensor, plus the
 * inverse mapping of boxes back to source pixels. Pure and allocation-free on the hot path (the caller
 * owns the output buffer; lookup tables are cached per geometry).
 */

/** How the source is fitted into the model input. */
export type ResizeMode = "stretch" | "letterbox";

/** Geometry of one source-size -> input-size mapping. */
export interface ResizePlan {
  mode: ResizeMode;
  srcW: number;
  srcH: number;
  dstW: number;
  dstH: number;
  /** Where the image content lands inside the input (letterbox leaves borders). */
  padX: number;
  padY: number;
  contentW: number;
  contentH: number;
}

export interface Normalization {
  /** Channel order of the output planes. */
  order: "bgr" | "rgb";
  /** Per output plane, in the same order as the planes. */
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
  /** Tensor layout (default "nchw"). */
  layout?: "nchw" | "nhwc";
  /** Letterbox border colour as a 0..255 grey level (default 0, black). */
  pad?: number;
}

/** YOLOv5/v8/11 (ultralytics): RGB planes scaled to 0..1, letterboxed with grey 114. */
export const YOLO_NORM: Normalization = Object.freeze({
  order: "rgb" as const,
  mean: [0, 0, 0] as const,
  std: [255, 255, 255] as const,
  pad: 114,
});

/** MobileNetV3-CenterNet (human): NHWC RGB in raw 0..255 (no normalization in or outside the graph). */
export const CENTERNET_NORM: Normalization = Object.freeze({
  order: "rgb" as const,
  mean: [0, 0, 0] as const,
  std: [1, 1, 1] as const,
  layout: "nhwc" as const,
});

/** NanoDet (mmdet/OpenCV convention): BGR planes, ImageNet mean/std in 0..255 units. */
export const NANODET_NORM: Normalization = Object.freeze({
  order: "bgr" as const,
  mean: [103.53, 116.28, 123.675] as const,
  std: [57.375, 57.12, 58.395] as const,
});

export function planResize(
  srcW: number,
  srcH: number,
  dstW: number,
  dstH: number,
  mode: ResizeMode = "stretch",
): ResizePlan {
  if (!(srcW > 0 && srcH > 0 && dstW > 0 && dstH > 0)) {
    throw new Error(`bad resize geometry ${srcW}x${srcH} -> ${dstW}x${dstH}`);
  }
  if (mode === "stretch") {
    return { mode, srcW, srcH, dstW, dstH, padX: 0, padY: 0, contentW: dstW, contentH: dstH };
  }
  const scale = Math.min(dstW / srcW, dstH / srcH);
  const contentW = Math.max(1, Math.min(dstW, Math.round(srcW * scale)));
  const contentH = Math.max(1, Math.min(dstH, Math.round(srcH * scale)));
  const padX = Math.floor((dstW - contentW) / 2);
  const padY = Math.floor((dstH - contentH) / 2);
  return { mode, srcW, srcH, dstW, dstH, padX, padY, contentW, contentH };
}

interface _Axis {
  /** Byte/element offsets of the two source samples and the weight of the second. */
  i0: Int32Array;
  i1: Int32Array;
  f: Float32Array;
}

/**
 * Half-pixel-centre bilinear sampling positions (same convention as OpenCV
 * INTER_LINEAR and TF half_pixel_centers), so boxes do not drift by half a
 * source pixel per scale step.
 */
function _axis(src: number, dst: number, mul: number): _Axis {
  const i0 = new Int32Array(dst);
  const i1 = new Int32Array(dst);
  const f = new Float32Array(dst);
  const scale = src / dst;
  for (let d = 0; d < dst; d++) {
    let s = (d + 0.5) * scale - 0.5;
    if (s < 0) s = 0;
    if (s > src - 1) s = src - 1;
    const a = Math.floor(s);
    const b = Math.min(a + 1, src - 1);
    i0[d] = a * mul;
    i1[d] = b * mul;
    f[d] = s - a;
  }
  return { i0, i1, f };
}

const _axisCache = new Map<string, _Axis>();

function _cachedAxis(src: number, dst: number, mul: number): _Axis {
  const key = `${src}:${dst}:${mul}`;
  let a = _axisCache.get(key);
  if (!a) {
    if (_axisCache.size > 32) _axisCache.clear(); // geometry rarely changes; bound memory anyway
    a = _axis(src, dst, mul);
    _axisCache.set(key, a);
  }
  return a;
}

/**
 * Writes the normalized tensor for `frame` into `out` (length 3 * dstW *
 * dstH), planar or interleaved per `norm.layout`. Letterbox borders are
 * `norm.pad` grey pixels (black by default). With `table` (3 x 256, model plane p's value for
 * source byte v at p * 256 + v, already normalized: low_light.ts's gainTable) each source sample
 * is looked up instead of scaled by mean/std; without it the output is what it always was.
 */
export function preprocessRgb24(
  frame: { width: number; height: number; data: Uint8Array },
  plan: ResizePlan,
  norm: Normalization,
  out: Float32Array,
  table: Float32Array | null = null,
): Float32Array {
  const { width: W, height: H, data } = frame;
  if (W !== plan.srcW || H !== plan.srcH) {
    throw new Error(`frame ${W}x${H} does not match plan ${plan.srcW}x${plan.srcH}`);
  }
  if (data.length < W * H * 3) {
    throw new Error(`frame data too short: ${data.length} < ${W * H * 3}`);
  }
  const plane = plan.dstW * plan.dstH;
  if (out.length !== 3 * plane) throw new Error(`output length ${out.length} != ${3 * plane}`);
  const nhwc = norm.layout === "nhwc";
  const padPx = norm.pad ?? 0;
  if (plan.padX || plan.padY || plan.contentW !== plan.dstW || plan.contentH !== plan.dstH) {
    // Borders are pad-colour pixels, as in each model's own keep-ratio warp during training
    // (black for NanoDet, grey 114 for ultralytics YOLO).
    const v = [0, 1, 2].map((p) => (padPx - norm.mean[p]) / norm.std[p]);
    if (nhwc) { for (let i = 0; i < out.length; i += 3) out.set(v, i); }
    else for (let p = 0; p < 3; p++) out.fill(v[p], p * plane, (p + 1) * plane);
  }
  const xs = _cachedAxis(W, plan.contentW, 3);
  const ys = _cachedAxis(H, plan.contentH, W * 3);
  // Plane p takes source channel srcCh[p]; fold mean/std into one multiply-add.
  const srcCh = norm.order === "bgr" ? [2, 1, 0] : [0, 1, 2];
  const k0 = 1 / norm.std[0], k1 = 1 / norm.std[1], k2 = 1 / norm.std[2];
  const b0 = -norm.mean[0] * k0, b1 = -norm.mean[1] * k1, b2 = -norm.mean[2] * k2;
  const c0 = srcCh[0], c1 = srcCh[1], c2 = srcCh[2];
  if (table) {
    if (table.length !== 768) throw new Error(`table length ${table.length} != 768`);
    _sampleTable(data, plan, xs, ys, [c0, c1, c2], table, nhwc, out);
    return out;
  }
  if (nhwc) {
    // Interleaved output: same sampling, channels adjacent.
    for (let y = 0; y < plan.contentH; y++) {
      const r0 = ys.i0[y], r1 = ys.i1[y], fy = ys.f[y], gy = 1 - fy;
      let o = ((y + plan.padY) * plan.dstW + plan.padX) * 3;
      for (let x = 0; x < plan.contentW; x++, o += 3) {
        const a = r0 + xs.i0[x], b = r0 + xs.i1[x], c = r1 + xs.i0[x], d = r1 + xs.i1[x];
        const fx = xs.f[x], gx = 1 - fx;
        const wa = gx * gy, wb = fx * gy, wc = gx * fy, wd = fx * fy;
        out[o] = (data[a + c0] * wa + data[b + c0] * wb + data[c + c0] * wc + data[d + c0] * wd) *
            k0 + b0;
        out[o + 1] =
          (data[a + c1] * wa + data[b + c1] * wb + data[c + c1] * wc + data[d + c1] * wd) * k1 +
          b1;
        out[o + 2] =
          (data[a + c2] * wa + data[b + c2] * wb + data[c + c2] * wc + data[d + c2] * wd) * k2 +
          b2;
      }
    }
    return out;
  }
  for (let y = 0; y < plan.contentH; y++) {
    const r0 = ys.i0[y], r1 = ys.i1[y], fy = ys.f[y], gy = 1 - fy;
    let o = (y + plan.padY) * plan.dstW + plan.padX;
    for (let x = 0; x < plan.contentW; x++, o++) {
      const a = r0 + xs.i0[x], b = r0 + xs.i1[x], c = r1 + xs.i0[x], d = r1 + xs.i1[x];
      const fx = xs.f[x], gx = 1 - fx;
      const wa = gx * gy, wb = fx * gy, wc = gx * fy, wd = fx * fy;
      out[o] =
        (data[a + c0] * wa + data[b + c0] * wb + data[c + c0] * wc + data[d + c0] * wd) * k0 + b0;
      out[o + plane] =
        (data[a + c1] * wa + data[b + c1] * wb + data[c + c1] * wc + data[d + c1] * wd) * k1 +
        b1;
      out[o + 2 * plane] =
        (data[a + c2] * wa + data[b + c2] * wb + data[c + c2] * wc + data[d + c2] * wd) * k2 + b2;
    }
  }
  return out;
}

/** preprocessRgb24's bilinear sampling through a per-plane lookup table. */
function _sampleTable(
  data: Uint8Array,
  plan: ResizePlan,
  xs: _Axis,
  ys: _Axis,
  srcCh: readonly [number, number, number],
  table: Float32Array,
  nhwc: boolean,
  out: Float32Array,
): void {
  const plane = plan.dstW * plan.dstH;
  // Interleaved: channels adjacent; planar: one plane apart.
  const chStep = nhwc ? 1 : plane;
  const pxStep = nhwc ? 3 : 1;
  for (let p = 0; p < 3; p++) {
    const c = srcCh[p], t = p * 256, po = p * chStep;
    for (let y = 0; y < plan.contentH; y++) {
      const r0 = ys.i0[y] + c, r1 = ys.i1[y] + c, fy = ys.f[y], gy = 1 - fy;
      let o = ((y + plan.padY) * plan.dstW + plan.padX) * pxStep + po;
      for (let x = 0; x < plan.contentW; x++, o += pxStep) {
        const x0 = xs.i0[x], x1 = xs.i1[x], fx = xs.f[x], gx = 1 - fx;
        out[o] = (table[t + data[r0 + x0]] * gx + table[t + data[r0 + x1]] * fx) * gy +
          (table[t + data[r1 + x0]] * gx + table[t + data[r1 + x1]] * fx) * fy;
      }
    }
  }
}

/**
 * Maps an [x1, y1, x2, y2] box in model-input pixels to an [x, y, w, h] box
 * in source pixels, clamped to the frame.
 */
export function boxToSource(
  x1: number,
  y1: number,
  x2: number,
  y2: number,
  plan: ResizePlan,
): [number, number, number, number] {
  const sx = plan.srcW / plan.contentW;
  const sy = plan.srcH / plan.contentH;
  const cl = (v: number, hi: number) => (v < 0 ? 0 : v > hi ? hi : v);
  const ax = cl((x1 - plan.padX) * sx, plan.srcW);
  const ay = cl((y1 - plan.padY) * sy, plan.srcH);
  const bx = cl((x2 - plan.padX) * sx, plan.srcW);
  const by = cl((y2 - plan.padY) * sy, plan.srcH);
  return [ax, ay, bx - ax, by - ay];
}
