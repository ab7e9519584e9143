/**
 * Pure-TypeScript converter from a TensorFlow.js graph model (model.json +
 * concatenated weight shards) to an ONNX model (bytes).
 *
 * Why this exists: no ONNX COCO detector ships in npm or Debian, but NanoDet-g
 * ships as a tfjs graph model. Converting it here keeps the whole model path
 * inside the project (no Python, no tf2onnx) and reproducible offline.
 *
 * Approach: every TF op is translated literally, keeping TF's layout
 * semantics (Conv2D/MaxPool/ResizeBilinear are NHWC in TF, NCHW in ONNX, so
 * they are wrapped in Transposes). A small peephole pass then composes
 * adjacent Transposes (the NanoDet graph itself came from ONNX via onnx-tf and
 * is full of NCHW<->NHWC transposes, which cancel against ours), folds
 * explicit Pads into Conv/MaxPool and removes dead nodes, so the emitted
 * graph is plain NCHW and does not rely on the runtime's optimizer.
 */
import onnxPkg from "onnx-proto";

const { onnx } = onnxPkg;
type OnnxNode = InstanceType<typeof onnx.NodeProto>;
type OnnxTensor = InstanceType<typeof onnx.TensorProto>;
type OnnxAttr = InstanceType<typeof onnx.AttributeProto>;

/** Bumped whenever the emitted graph changes, so caches can be invalidated. */
export const CONVERTER_VERSION = 2;

const _OPSET = 17;
const _IR_VERSION = 8;

const _DT = onnx.TensorProto.DataType;
const _AT = onnx.AttributeProto.AttributeType;

type _DType = "float32" | "int32" | "int64" | "bool";

interface _TfAttr {
  s?: string;
  i?: string | number;
  f?: number;
  b?: boolean;
  type?: string;
  shape?: { dim?: { size?: string | number }[]; unknownRank?: boolean };
  list?: { i?: (string | number)[]; s?: string[]; f?: number[] };
}

interface _TfNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, _TfAttr>;
}

interface _WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; scale?: number; min?: number; original_dtype?: string };
}

/** A value known at conversion time (weights and things folded from them). */
interface _Const {
  kind: "const";
  dtype: _DType;
  shape: number[];
  data: Float32Array | Int32Array;
}

/** A runtime tensor: name of the ONNX tensor plus statically inferred shape. */
interface _Dyn {
  kind: "dyn";
  name: string;
  dtype: _DType;
  /** null = unknown rank; null entries = unknown dims. */
  shape: (number | null)[] | null;
}

type _Value = _Const | _Dyn;

// ---------------------------------------------------------------------------
// weights

let _f16Table: Float32Array | null = null;

/** float16 bit pattern -> float32, via a 64k lookup table (millions of weights). */
function _f16ToF32Table(): Float32Array {
  if (_f16Table) return _f16Table;
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    if (exp === 0) t[h] = sign * frac * 2 ** -24;
    else if (exp === 31) t[h] = frac ? NaN : sign * Infinity;
    else t[h] = sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  _f16Table = t;
  return t;
}

function _size(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Decodes all weight specs from the concatenated shard bytes (tfjs packs them without padding). */
function _decodeWeights(specs: _WeightSpec[], bytes: Uint8Array): Map<string, _Const> {
  const out = new Map<string, _Const>();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let off = 0;
  const need = (n: number, name: string) => {
    if (off + n > bytes.byteLength) {
      throw new Error(
        `weights too short: ${name} needs bytes ${off}..${off + n}, have ${bytes.byteLength}`,
      );
    }
  };
  for (const spec of specs) {
    const n = _size(spec.shape);
    const q = spec.quantization;
    if (spec.dtype === "string" || spec.dtype === "complex64") {
      throw new Error(`unsupported weight dtype ${spec.dtype} for ${spec.name}`);
    }
    const isFloat = spec.dtype === "float32";
    const isBool = spec.dtype === "bool";
    let data: Float32Array | Int32Array;
    if (q) {
      data = isFloat ? new Float32Array(n) : new Int32Array(n);
      if (q.dtype === "float16") {
        need(2 * n, spec.name);
        const t = _f16ToF32Table();
        for (let i = 0; i < n; i++) data[i] = t[view.getUint16(off + 2 * i, true)];
        off += 2 * n;
      } else if (q.dtype === "uint8" || q.dtype === "uint16") {
        // Affine quantization: value = q * scale + min.
        const w = q.dtype === "uint8" ? 1 : 2;
        need(w * n, spec.name);
        const scale = q.scale ?? 1;
        const min = q.min ?? 0;
        for (let i = 0; i < n; i++) {
          const v = w === 1 ? view.getUint8(off + i) : view.getUint16(off + 2 * i, true);
          data[i] = isFloat ? v * scale + min : Math.round(v * scale + min);
        }
        off += w * n;
      } else {
        throw new Error(`unsupported weight quantization ${q.dtype} for ${spec.name}`);
      }
    } else if (isBool) {
      need(n, spec.name);
      data = new Int32Array(n);
      for (let i = 0; i < n; i++) data[i] = view.getUint8(off + i) ? 1 : 0;
      off += n;
    } else if (isFloat || spec.dtype === "int32") {
      need(4 * n, spec.name);
      data = isFloat ? new Float32Array(n) : new Int32Array(n);
      for (let i = 0; i < n; i++) {
        data[i] = isFloat ? view.getFloat32(off + 4 * i, true) : view.getInt32(off + 4 * i, true);
      }
      off += 4 * n;
    } else {
      throw new Error(`unsupported weight dtype ${spec.dtype} for ${spec.name}`);
    }
    out.set(spec.name, {
      kind: "const",
      dtype: isFloat ? "float32" : isBool ? "bool" : "int32",
      shape: spec.shape.slice(),
      data,
    });
  }
  if (off !== bytes.byteLength) {
    throw new Error(
      `weights size mismatch: manifest describes ${off} bytes, got ${bytes.byteLength}`,
    );
  }
  return out;
}

// ---------------------------------------------------------------------------
// attribute helpers

function _tfDType(t: string | undefined): _DType {
  switch (t) {
    case "DT_FLOAT":
    case undefined:
      return "float32";
    case "DT_INT32":
      return "int32";
    case "DT_INT64":
      return "int64";
    case "DT_BOOL":
      return "bool";
    default:
      throw new Error(`unsupported tensor dtype ${t}`);
  }
}

function _onnxDType(d: _DType): number {
  return d === "float32"
    ? _DT.FLOAT
    : d === "int32"
    ? _DT.INT32
    : d === "int64"
    ? _DT.INT64
    : _DT.BOOL;
}

function _attrStr(node: _TfNode, key: string, def: string): string {
  const s = node.attr?.[key]?.s;
  // tfjs stores string attrs base64-encoded.
  return s === undefined ? def : atob(s);
}

function _attrInts(node: _TfNode, key: string, def: number[]): number[] {
  const l = node.attr?.[key]?.list?.i;
  return l && l.length ? l.map(Number) : def;
}

function _attrFloat(node: _TfNode, key: string, def: number): number {
  const f = node.attr?.[key]?.f;
  return f === undefined ? def : Number(f);
}

function _attrBool(node: _TfNode, key: string, def: boolean): boolean {
  const b = node.attr?.[key]?.b;
  return b === undefined ? def : Boolean(b);
}

function _attr(name: string, v: number | number[] | string): OnnxAttr {
  if (typeof v === "string") {
    return onnx.AttributeProto.create({ name, type: _AT.STRING, s: new TextEncoder().encode(v) });
  }
  if (typeof v === "number") {
    return Number.isInteger(v)
      ? onnx.AttributeProto.create({ name, type: _AT.INT, i: v })
      : onnx.AttributeProto.create({ name, type: _AT.FLOAT, f: v });
  }
  return onnx.AttributeProto.create({ name, type: _AT.INTS, ints: v });
}

function _floatAttr(name: string, f: number): OnnxAttr {
  return onnx.AttributeProto.create({ name, type: _AT.FLOAT, f });
}

// ---------------------------------------------------------------------------
// constant evaluation (only what graph plumbing needs: shapes, paddings, folds)

function _strides(shape: readonly number[]): number[] {
  const s = new Array(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1] * shape[i + 1];
  return s;
}

function _broadcastShape(a: readonly (number | null)[], b: readonly (number | null)[]) {
  const r = Math.max(a.length, b.length);
  const out: (number | null)[] = [];
  for (let i = 0; i < r; i++) {
    const da = i < r - a.length ? 1 : a[i - (r - a.length)];
    const db = i < r - b.length ? 1 : b[i - (r - b.length)];
    if (da === 1) out.push(db);
    else if (db === 1) out.push(da);
    else if (da === null || db === null) out.push(da ?? db);
    else if (da === db) out.push(da);
    else throw new Error(`shapes [${a}] and [${b}] do not broadcast`);
  }
  return out;
}

/** Broadcasting elementwise fold of two constants (Add/Sub/Mul on shapes and small tensors). */
function _foldBinary(a: _Const, b: _Const, fn: (x: number, y: number) => number): _Const {
  const shape = _broadcastShape(a.shape, b.shape) as number[];
  const n = _size(shape);
  const isFloat = a.dtype === "float32" || b.dtype === "float32";
  const data = isFloat ? new Float32Array(n) : new Int32Array(n);
  const os = _strides(shape);
  const idx = (c: _Const, flat: number) => {
    // Map an output flat index to the broadcast source index.
    let j = 0;
    const cs = _strides(c.shape);
    const lead = shape.length - c.shape.length;
    for (let d = 0; d < c.shape.length; d++) {
      const coord = Math.floor(flat / os[d + lead]) % shape[d + lead];
      j += (c.shape[d] === 1 ? 0 : coord) * cs[d];
    }
    return j;
  };
  for (let i = 0; i < n; i++) data[i] = fn(a.data[idx(a, i)], b.data[idx(b, i)]);
  const dtype: _DType = isFloat
    ? "float32"
    : a.dtype === "int64" || b.dtype === "int64"
    ? "int64"
    : "int32";
  return { kind: "const", dtype, shape, data };
}

function _foldTranspose(c: _Const, perm: number[]): _Const {
  const shape = perm.map((p) => c.shape[p]);
  const n = _size(shape);
  const data = c.data instanceof Float32Array ? new Float32Array(n) : new Int32Array(n);
  const is = _strides(c.shape);
  const os = _strides(shape);
  for (let i = 0; i < n; i++) {
    let j = 0;
    for (let d = 0; d < shape.length; d++) j += (Math.floor(i / os[d]) % shape[d]) * is[perm[d]];
    data[i] = c.data[j];
  }
  return { kind: "const", dtype: c.dtype, shape, data };
}

/** Resolves TF/ONNX reshape semantics (-1 infers one dim) against a known element count. */
function _resolveReshape(target: number[], inShape: (number | null)[] | null): (number | null)[] {
  const known = inShape && inShape.every((d) => d !== null) ? _size(inShape as number[]) : null;
  const neg = target.indexOf(-1);
  if (neg < 0) return target.slice();
  const rest = _size(target.filter((_, i) => i !== neg));
  const out: (number | null)[] = target.slice();
  out[neg] = known !== null && rest > 0 ? known / rest : null;
  return out;
}

function _foldSparseToDense(node: _TfNode, ins: _Const[]): _Const {
  const [indices, outShapeC, values, def] = ins;
  const outShape = Array.from(outShapeC.data);
  const n = _size(outShape);
  const isFloat = values.dtype === "float32";
  const data = isFloat ? new Float32Array(n) : new Int32Array(n);
  data.fill(def.data[0]);
  const rank = outShape.length;
  const st = _strides(outShape);
  // sparse_indices is a scalar, [n] (rank-1 output) or [n, rank].
  const count = indices.shape.length === 0 ? 1 : indices.shape[0];
  for (let k = 0; k < count; k++) {
    let flat = 0;
    for (let d = 0; d < rank; d++) {
      const coord = indices.shape.length === 2 ? indices.data[k * rank + d] : indices.data[k];
      if (coord < 0 || coord >= outShape[d]) {
        throw new Error(`SparseToDense node ${node.name}: index out of range`);
      }
      flat += coord * st[d];
    }
    data[flat] = values.shape.length === 0 ? values.data[0] : values.data[k];
  }
  return { kind: "const", dtype: values.dtype, shape: outShape, data };
}

// ---------------------------------------------------------------------------
// the converter

class _Converter {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  private readonly _names = new Set<string>();
  private readonly _constCache = new Map<string, string>();
  private _constSeq = 0;

  /** Reserves a unique ONNX tensor name, preferring `want`. */
  unique(want: string): string {
    let n = want;
    for (let i = 1; this._names.has(n); i++) n = `${want}_${i}`;
    this._names.add(n);
    return n;
  }

  emit(
    op: string,
    inputs: string[],
    outputs: string[],
    attrs: OnnxAttr[] = [],
  ): void {
    this.nodes.push(
      onnx.NodeProto.create({
        opType: op,
        input: inputs,
        output: outputs,
        name: this.unique(`${outputs[0]}__${op}`),
        attribute: attrs,
      }),
    );
  }

  /** Adds an initializer (cached by content key) and returns its name. */
  initializer(
    base: string,
    dtype: _DType,
    shape: number[],
    data: ArrayLike<number>,
    cacheKey?: string,
  ): string {
    if (cacheKey) {
      const hit = this._constCache.get(cacheKey);
      if (hit) return hit;
    }
    const name = this.unique(base || `const_${this._constSeq++}`);
    const n = _size(shape);
    if (data.length !== n) {
      throw new Error(`initializer ${name}: ${data.length} values for [${shape}]`);
    }
    const width = dtype === "int64" ? 8 : dtype === "bool" ? 1 : 4;
    const raw = new Uint8Array(n * width);
    const v = new DataView(raw.buffer);
    for (let i = 0; i < n; i++) {
      if (dtype === "float32") v.setFloat32(4 * i, data[i], true);
      else if (dtype === "int32") v.setInt32(4 * i, data[i], true);
      else if (dtype === "int64") v.setBigInt64(8 * i, BigInt(Math.trunc(data[i])), true);
      else v.setUint8(i, data[i] ? 1 : 0);
    }
    this.initializers.push(
      onnx.TensorProto.create({ name, dims: shape, dataType: _onnxDType(dtype), rawData: raw }),
    );
    if (cacheKey) this._constCache.set(cacheKey, name);
    return name;
  }

  int64s(base: string, values: number[]): string {
    return this.initializer(base, "int64", [values.length], values, `i64:${values.join(",")}`);
  }
}

const _NHWC_TO_NCHW = [0, 3, 1, 2];
const _ACTIVATIONS = new Set(["Relu", "Relu6", "LeakyRelu", "Sigmoid"]);
const _BINARY: Record<string, (x: number, y: number) => number> = {
  Add: (x, y) => x + y,
  Sub: (x, y) => x - y,
  Mul: (x, y) => x * y,
};
const _NCHW_TO_NHWC = [0, 2, 3, 1];

export interface ConvertOptions {
  /**
   * TF node names to emit as graph outputs, in this order (default: the
   * signature's outputs, else every unconsumed node). Lets a caller cut off
   * post-processing it does better itself (CenterNet's in-graph TopK decode).
   */
  outputs?: string[];
}

/**
 * Converts a tfjs graph model to ONNX.
 * @param modelJson parsed model.json (format "graph-model")
 * @param weights all weight shards of `weightsManifest` concatenated in manifest order
 * @returns the serialized ONNX ModelProto
 */
export function convertTfjsGraph(
  modelJson: unknown,
  weights: Uint8Array,
  opts: ConvertOptions = {},
): Uint8Array {
  const mj = modelJson as {
    format?: string;
    modelTopology?: { node?: _TfNode[] };
    weightsManifest?: { weights: _WeightSpec[] }[];
    signature?: { inputs?: Record<string, unknown>; outputs?: Record<string, unknown> };
  };
  const tfNodes = mj?.modelTopology?.node;
  if (!Array.isArray(tfNodes)) {
    throw new Error("not a tfjs graph model: modelTopology.node missing");
  }
  if (mj.format && mj.format !== "graph-model") {
    throw new Error(`not a tfjs graph model: format is "${mj.format}"`);
  }
  const specs = (mj.weightsManifest ?? []).flatMap((g) => g.weights);
  const weightVals = _decodeWeights(specs, weights);

  const byName = new Map<string, _TfNode>();
  for (const n of tfNodes) byName.set(n.name, n);

  const parseRef = (ref: string): { node: string; index: number } | null => {
    if (ref.startsWith("^")) return null; // control dependency: no data flows
    const m = /^(.*?)(?::(\d+))?$/.exec(ref)!;
    return { node: m[1], index: m[2] ? Number(m[2]) : 0 };
  };

  // Graph outputs: the signature's if present, else nodes nobody consumes.
  let outputNames: string[];
  const sigOut = mj.signature?.outputs ? Object.keys(mj.signature.outputs) : [];
  if (opts.outputs?.length) {
    outputNames = opts.outputs.slice();
  } else if (sigOut.length) {
    outputNames = sigOut.map((k) => parseRef(k)!.node);
  } else {
    const consumed = new Set<string>();
    for (const n of tfNodes) for (const r of n.input ?? []) consumed.add(parseRef(r)?.node ?? "");
    outputNames = tfNodes.filter((n) => !consumed.has(n.name) && n.op !== "Const").map((n) =>
      n.name
    );
  }
  // Natural order (Identity, Identity_1, ...) so the ONNX output order is stable and readable;
  // an explicit list keeps the caller's order.
  outputNames = [...new Set(outputNames)];
  if (!opts.outputs?.length) {
    outputNames.sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
  }
  for (const o of outputNames) if (!byName.has(o)) throw new Error(`output node ${o} not in graph`);

  // Topological order of the nodes reachable from the outputs (iterative DFS).
  const order: _TfNode[] = [];
  const state = new Map<string, 1 | 2>();
  for (const root of outputNames) {
    const stack: [string, boolean][] = [[root, false]];
    while (stack.length) {
      const [name, done] = stack.pop()!;
      if (done) {
        state.set(name, 2);
        order.push(byName.get(name)!);
        continue;
      }
      if (state.get(name)) continue;
      const node = byName.get(name);
      if (!node) throw new Error(`node ${name} is referenced but not defined`);
      state.set(name, 1);
      stack.push([name, true]);
      for (const r of node.input ?? []) {
        const p = parseRef(r);
        if (!p) continue;
        // "Entered but not finished" means the node is on the current DFS path.
        if (state.get(p.node) === 1) throw new Error(`graph has a cycle through ${p.node}`);
        if (!state.get(p.node)) stack.push([p.node, false]);
      }
    }
  }

  // Consumers of each node output, to decide which fusions are safe.
  const consumers = new Map<string, _TfNode[]>();
  for (const n of order) {
    for (const r of n.input ?? []) {
      const p = parseRef(r);
      if (!p) continue;
      const k = `${p.node}:${p.index}`;
      if (!consumers.has(k)) consumers.set(k, []);
      consumers.get(k)!.push(n);
    }
  }
  const outputSet = new Set(outputNames);

  const cv = new _Converter();
  const values = new Map<string, _Value>();
  const graphInputs: InstanceType<typeof onnx.ValueInfoProto>[] = [];

  const get = (node: _TfNode, i: number): _Value => {
    const ref = (node.input ?? []).filter((r) => !r.startsWith("^"))[i];
    if (ref === undefined) throw new Error(`${node.op} node ${node.name}: missing input ${i}`);
    const p = parseRef(ref)!;
    const v = values.get(`${p.node}:${p.index}`);
    if (!v) throw new Error(`${node.op} node ${node.name}: input ${ref} has no value`);
    return v;
  };
  const dataInputs = (node: _TfNode) => (node.input ?? []).filter((r) => !r.startsWith("^")).length;
  const constOf = (node: _TfNode, i: number, what: string): _Const => {
    const v = get(node, i);
    if (v.kind !== "const") {
      throw new Error(`${node.op} node ${node.name}: ${what} must be a constant`);
    }
    return v;
  };
  /** Makes any value usable as an ONNX input (constants become initializers). */
  const tensor = (v: _Value, base: string): string => {
    if (v.kind === "dyn") return v.name;
    return cv.initializer(base, v.dtype, v.shape, v.data);
  };
  const dyn = (name: string, dtype: _DType, shape: (number | null)[] | null): _Dyn => ({
    kind: "dyn",
    name,
    dtype,
    shape,
  });
  const shapeOf = (v: _Value): (number | null)[] | null => (v.kind === "const" ? v.shape : v.shape);
  const transpose = (x: string, perm: number[], base: string): string => {
    const out = cv.unique(base);
    cv.emit("Transpose", [x], [out], [_attr("perm", perm)]);
    return out;
  };
  /** Emits a TF activation as its ONNX equivalent (Relu6 is Clip to [0, 6]). */
  const activation = (op: string, x: string, out: string, alpha: number): void => {
    if (op === "Relu" || op === "Sigmoid") cv.emit(op, [x], [out]);
    else if (op === "LeakyRelu") cv.emit(op, [x], [out], [_floatAttr("alpha", alpha)]);
    else if (op === "Relu6") {
      const lo = cv.initializer("relu6/min", "float32", [], [0], "f32:0");
      const hi = cv.initializer("relu6/max", "float32", [], [6], "f32:6");
      cv.emit("Clip", [x, lo, hi], [out]);
    } else throw new Error(`unsupported activation ${op}`);
  };
  const permShape = (
    s: (number | null)[] | null,
    perm: number[],
  ) => (s ? perm.map((p) => s[p]) : null);

  for (const node of order) {
    const name = node.name;
    const set = (v: _Value, i = 0) => values.set(`${name}:${i}`, v);
    if (values.has(`${name}:0`)) continue; // already produced by a fusion
    const nIn = dataInputs(node);
    const allConst = Array.from({ length: nIn }, (_, i) => i).every((i) =>
      get(node, i).kind === "const"
    );
    // Output 0 of a node keeps the TF node name so graph outputs keep theirs.
    const outName = (i = 0) => cv.unique(i === 0 ? name : `${name}:${i}`);

    switch (node.op) {
      case "Const": {
        const w = weightVals.get(name);
        if (!w) throw new Error(`Const node ${name} has no entry in weightsManifest`);
        const declared = node.attr?.dtype?.type;
        // tfjs stores int64 constants as int32; keep the declared width for ONNX.
        set(declared === "DT_INT64" ? { ...w, dtype: "int64" } : w);
        break;
      }
      case "Placeholder": {
        const dims = node.attr?.shape?.shape?.dim?.map((d) => Number(d.size ?? -1)) ?? null;
        const shape = dims ? dims.map((d) => (d < 0 ? null : d)) : null;
        const dtype = _tfDType(node.attr?.dtype?.type);
        const inName = cv.unique(name);
        graphInputs.push(_valueInfo(inName, dtype, shape));
        set(dyn(inName, dtype, shape));
        break;
      }
      case "Identity":
      case "StopGradient": {
        const x = get(node, 0);
        if (x.kind === "const" && !outputSet.has(name)) {
          set(x);
          break;
        }
        const out = outName();
        cv.emit("Identity", [tensor(x, `${name}/x`)], [out]);
        set(dyn(out, x.dtype, shapeOf(x)));
        break;
      }
      case "Add":
      case "AddV2":
      case "BiasAdd":
      case "Sub":
      case "Mul": {
        const a = get(node, 0);
        const b = get(node, 1);
        const onnxOp = node.op === "Sub" || node.op === "Mul" ? node.op : "Add";
        if (a.kind === "const" && b.kind === "const") {
          set(_foldBinary(a, b, _BINARY[onnxOp]));
          break;
        }
        if (node.op === "BiasAdd" && _attrStr(node, "data_format", "NHWC") === "NCHW") {
          throw new Error(`BiasAdd node ${name}: data_format NCHW is not supported`);
        }
        const out = outName();
        cv.emit(onnxOp, [tensor(a, `${name}/a`), tensor(b, `${name}/b`)], [out]);
        const sa = shapeOf(a);
        const sb = shapeOf(b);
        set(dyn(out, a.dtype, sa && sb ? _broadcastShape(sa, sb) : null));
        break;
      }
      case "Sigmoid":
      case "Relu":
      case "Relu6":
      case "LeakyRelu": {
        const x = get(node, 0);
        const out = outName();
        activation(node.op, tensor(x, `${name}/x`), out, _attrFloat(node, "alpha", 0.2));
        set(dyn(out, "float32", shapeOf(x)));
        break;
      }
      case "Mean": {
        const x = get(node, 0);
        const xs = shapeOf(x);
        const keep = _attrBool(node, "keep_dims", false);
        const axes = Array.from(constOf(node, 1, "reduction_indices").data).map((a) => {
          if (a >= 0) return a;
          if (!xs) throw new Error(`Mean node ${name}: negative axis with unknown rank`);
          return a + xs.length;
        });
        const out = outName();
        // Opset 17 still takes ReduceMean axes as an attribute (an input only from opset 18).
        cv.emit("ReduceMean", [tensor(x, `${name}/x`)], [out], [
          _attr("axes", axes),
          _attr("keepdims", keep ? 1 : 0),
        ]);
        const oshape = xs
          ? keep
            ? xs.map((d, i) => (axes.includes(i) ? 1 : d))
            : xs.filter((_, i) => !axes.includes(i))
          : null;
        set(dyn(out, "float32", oshape));
        break;
      }
      case "Conv2D":
      case "_FusedConv2D":
      case "DepthwiseConv2dNative":
      case "FusedDepthwiseConv2dNative": {
        const depthwise = node.op.includes("Depthwise");
        const fused = node.op.startsWith("_Fused") || node.op.startsWith("Fused");
        const x = get(node, 0);
        const f = constOf(node, 1, "filter");
        const fmt = _attrStr(node, "data_format", "NHWC");
        const nhwc = fmt === "NHWC";
        if (!nhwc && fmt !== "NCHW") throw new Error(`${node.op} node ${name}: data_format ${fmt}`);
        const strides4 = _attrInts(node, "strides", [1, 1, 1, 1]);
        const dil4 = _attrInts(node, "dilations", [1, 1, 1, 1]);
        const [hAx, wAx] = nhwc ? [1, 2] : [2, 3];
        const strides = [strides4[hAx], strides4[wAx]];
        const dil = [dil4[hAx], dil4[wAx]];
        const [kh, kw, fIn, fOut] = f.shape;
        const xs = shapeOf(x);
        const cin = xs ? xs[nhwc ? 3 : 1] : null;
        let w: _Const, group: number, cout: number;
        if (depthwise) {
          // TF depthwise filter [kh, kw, C, M]: output channel c*M + m reads input channel c,
          // which is exactly ONNX's grouped Conv with group = C and weights [C*M, 1, kh, kw].
          if (cin !== null && cin !== fIn) {
            throw new Error(`${node.op} node ${name}: input has ${cin} channels, filter ${fIn}`);
          }
          cout = fIn * fOut;
          group = fIn;
          w = _foldTranspose({ ...f, shape: [kh, kw, cout, 1] }, [2, 3, 0, 1]);
        } else {
          if (cin !== null && cin % fIn !== 0) {
            throw new Error(`${node.op} node ${name}: input has ${cin} channels, filter ${fIn}`);
          }
          cout = fOut;
          group = cin !== null ? cin / fIn : 1;
          w = _foldTranspose(f, [3, 2, 0, 1]); // HWIO -> OIHW
        }
        const attrs = [
          _attr("kernel_shape", [kh, kw]),
          _attr("strides", strides),
          _attr("dilations", dil),
          _attr("group", group),
        ];
        const padMode = _attrStr(node, "padding", "VALID");
        let pads = [0, 0, 0, 0];
        if (padMode === "SAME") attrs.push(_attr("auto_pad", "SAME_UPPER"));
        else if (padMode === "EXPLICIT") {
          const ep = _attrInts(node, "explicit_paddings", [0, 0, 0, 0, 0, 0, 0, 0]);
          pads = [ep[2 * hAx], ep[2 * wAx], ep[2 * hAx + 1], ep[2 * wAx + 1]];
          attrs.push(_attr("pads", pads));
        } else if (padMode !== "VALID") {
          throw new Error(`${node.op} node ${name}: padding ${padMode}`);
        }

        let biasName: string | undefined;
        let act: string | undefined;
        if (fused) {
          // Grappler's fusions: Conv + BiasAdd [+ activation]; BatchNorm fusions are not emitted
          // by the tfjs converter for inference graphs, so they are rejected rather than guessed.
          const ops = (node.attr?.fused_ops?.list?.s ?? []).map((s) => atob(s));
          const numArgs = Number(node.attr?.num_args?.i ?? 0);
          if (ops[0] !== "BiasAdd" || numArgs !== 1 || ops.length > 2) {
            throw new Error(`${node.op} node ${name}: unsupported fused_ops [${ops.join(", ")}]`);
          }
          const b = constOf(node, 2, "bias");
          if (b.data.length !== cout) {
            throw new Error(
              `${node.op} node ${name}: bias has ${b.data.length} values for ${cout}`,
            );
          }
          biasName = cv.initializer(`${name}/bias`, "float32", [cout], b.data);
          act = ops[1];
          if (act !== undefined && !_ACTIVATIONS.has(act)) {
            throw new Error(`${node.op} node ${name}: unsupported fused activation ${act}`);
          }
        }

        // Fold a following bias Add into the Conv (its only consumer, constant [C] bias).
        let resultNode = node;
        const cons = consumers.get(`${name}:0`) ?? [];
        if (!fused && nhwc && cons.length === 1 && !outputSet.has(name)) {
          const c = cons[0];
          if (["Add", "AddV2", "BiasAdd"].includes(c.op) && dataInputs(c) === 2) {
            const refs = (c.input ?? []).filter((r) => !r.startsWith("^")).map((r) => parseRef(r)!);
            const other = refs.find((r) => r.node !== name);
            const ov = other ? values.get(`${other.node}:${other.index}`) : undefined;
            if (
              ov?.kind === "const" && ov.dtype === "float32" && ov.data.length === cout &&
              ov.shape.slice(0, -1).every((d) => d === 1)
            ) {
              biasName = cv.initializer(`${c.name}/bias`, "float32", [cout], ov.data);
              resultNode = c;
            }
          }
        }

        const xIn = tensor(x, `${name}/x`);
        const xNchw = nhwc ? transpose(xIn, _NHWC_TO_NCHW, `${name}/nchw`) : xIn;
        const wName = cv.initializer(`${name}/W`, "float32", w.shape, w.data);
        const convOut = nhwc
          ? cv.unique(`${resultNode.name}/nchw_out`)
          : cv.unique(resultNode.name);
        // The fused activation runs in NCHW, before the transpose back, so it never blocks
        // the transpose cancellation below.
        const rawOut = act ? cv.unique(`${name}/preact`) : convOut;
        cv.emit("Conv", biasName ? [xNchw, wName, biasName] : [xNchw, wName], [rawOut], attrs);
        if (act) activation(act, rawOut, convOut, _attrFloat(node, "leakyrelu_alpha", 0.2));
        const out = nhwc ? transpose(convOut, _NCHW_TO_NHWC, resultNode.name) : convOut;
        let oshape: (number | null)[] | null = null;
        if (xs) {
          const sp = (
            size: number | null,
            k: number,
            s: number,
            d: number,
            p0: number,
            p1: number,
          ) => {
            if (size === null) return null;
            if (padMode === "SAME") return Math.ceil(size / s);
            return Math.floor((size + p0 + p1 - ((k - 1) * d + 1)) / s) + 1;
          };
          const oh = sp(xs[hAx], kh, strides[0], dil[0], pads[0], pads[2]);
          const ow = sp(xs[wAx], kw, strides[1], dil[1], pads[1], pads[3]);
          oshape = nhwc ? [xs[0], oh, ow, cout] : [xs[0], cout, oh, ow];
        }
        values.set(`${resultNode.name}:0`, dyn(out, "float32", oshape));
        break;
      }
      case "MaxPool": {
        const x = get(node, 0);
        const fmt = _attrStr(node, "data_format", "NHWC");
        const nhwc = fmt === "NHWC";
        if (!nhwc && fmt !== "NCHW") throw new Error(`MaxPool node ${name}: data_format ${fmt}`);
        const [hAx, wAx] = nhwc ? [1, 2] : [2, 3];
        const k4 = _attrInts(node, "ksize", [1, 1, 1, 1]);
        const s4 = _attrInts(node, "strides", [1, 1, 1, 1]);
        const k = [k4[hAx], k4[wAx]];
        const s = [s4[hAx], s4[wAx]];
        const attrs = [_attr("kernel_shape", k), _attr("strides", s)];
        const padMode = _attrStr(node, "padding", "VALID");
        // TF SAME ignores padded cells in the max; ONNX pads behave the same way.
        if (padMode === "SAME") attrs.push(_attr("auto_pad", "SAME_UPPER"));
        else if (padMode !== "VALID") throw new Error(`MaxPool node ${name}: padding ${padMode}`);
        const xIn = tensor(x, `${name}/x`);
        const xNchw = nhwc ? transpose(xIn, _NHWC_TO_NCHW, `${name}/nchw`) : xIn;
        const poolOut = nhwc ? cv.unique(`${name}/nchw_out`) : outName();
        cv.emit("MaxPool", [xNchw], [poolOut], attrs);
        const out = nhwc ? transpose(poolOut, _NCHW_TO_NHWC, name) : poolOut;
        const xs = shapeOf(x);
        let oshape: (number | null)[] | null = null;
        if (xs) {
          const sp = (size: number | null, kk: number, ss: number) =>
            size === null
              ? null
              : padMode === "SAME"
              ? Math.ceil(size / ss)
              : Math.floor((size - kk) / ss) + 1;
          const oh = sp(xs[hAx], k[0], s[0]);
          const ow = sp(xs[wAx], k[1], s[1]);
          oshape = nhwc ? [xs[0], oh, ow, xs[3]] : [xs[0], xs[1], oh, ow];
        }
        set(dyn(out, "float32", oshape));
        break;
      }
      case "Pad":
      case "PadV2": {
        const x = get(node, 0);
        const p = constOf(node, 1, "paddings");
        const r = p.shape[0];
        const pads: number[] = [];
        for (let i = 0; i < r; i++) pads.push(p.data[2 * i]);
        for (let i = 0; i < r; i++) pads.push(p.data[2 * i + 1]);
        const ins = [tensor(x, `${name}/x`), cv.int64s(`${name}/pads`, pads)];
        if (node.op === "PadV2") {
          const cval = constOf(node, 2, "constant_values");
          ins.push(cv.initializer(`${name}/value`, x.dtype, [], [cval.data[0]]));
        }
        const out = outName();
        cv.emit("Pad", ins, [out], [_attr("mode", "constant")]);
        const xs = shapeOf(x);
        set(
          dyn(
            out,
            x.dtype,
            xs ? xs.map((d, i) => (d === null ? null : d + pads[i] + pads[i + r])) : null,
          ),
        );
        break;
      }
      case "ConcatV2": {
        const n = nIn - 1;
        const axisC = constOf(node, n, "axis");
        const parts = Array.from({ length: n }, (_, i) => get(node, i));
        const s0 = shapeOf(parts[0]);
        const rank = s0?.length ?? null;
        let axis = axisC.data[0];
        if (axis < 0 && rank !== null) axis += rank;
        const out = outName();
        cv.emit("Concat", parts.map((v, i) => tensor(v, `${name}/in${i}`)), [out], [
          _attr("axis", axis),
        ]);
        let oshape: (number | null)[] | null = null;
        if (s0 && axis >= 0 && parts.every((v) => shapeOf(v))) {
          oshape = s0.slice();
          let sum: number | null = 0;
          for (const v of parts) {
            const d = shapeOf(v)![axis];
            sum = sum === null || d === null ? null : sum + d;
          }
          oshape[axis] = sum;
        }
        set(dyn(out, parts[0].dtype, oshape));
        break;
      }
      case "ResizeBilinear": {
        const x = get(node, 0);
        const size = Array.from(constOf(node, 1, "size").data);
        const alignCorners = _attrBool(node, "align_corners", false);
        const halfPixel = _attrBool(node, "half_pixel_centers", false);
        // TF's three sampling conventions map 1:1 onto ONNX coordinate modes.
        const ctm = alignCorners ? "align_corners" : halfPixel ? "half_pixel" : "asymmetric";
        const xs = shapeOf(x);
        const xNchw = transpose(tensor(x, `${name}/x`), _NHWC_TO_NCHW, `${name}/nchw`);
        let sizes: string;
        if (xs && xs[0] !== null && xs[3] !== null) {
          sizes = cv.int64s(`${name}/sizes`, [xs[0], xs[3], size[0], size[1]]);
        } else {
          // Batch/channels unknown statically: build [N, C, h, w] at run time.
          const shp = cv.unique(`${name}/shape`);
          cv.emit("Shape", [xNchw], [shp]);
          const nc = cv.unique(`${name}/nc`);
          cv.emit("Slice", [shp, cv.int64s(`${name}/s0`, [0]), cv.int64s(`${name}/s2`, [2])], [nc]);
          sizes = cv.unique(`${name}/sizes`);
          cv.emit("Concat", [nc, cv.int64s(`${name}/hw`, size)], [sizes], [_attr("axis", 0)]);
        }
        const rOut = cv.unique(`${name}/nchw_out`);
        const attrs = [_attr("mode", "linear"), _attr("coordinate_transformation_mode", ctm)];
        cv.emit("Resize", [xNchw, "", "", sizes], [rOut], attrs);
        const out = transpose(rOut, _NCHW_TO_NHWC, name);
        set(dyn(out, "float32", xs ? [xs[0], size[0], size[1], xs[3]] : null));
        break;
      }
      case "SplitV": {
        const x = get(node, 0);
        const sizesC = constOf(node, 1, "size_splits");
        const axisC = constOf(node, 2, "split_dim");
        const xs = shapeOf(x);
        let axis = axisC.data[0];
        if (axis < 0 && xs) axis += xs.length;
        if (axis < 0) throw new Error(`SplitV node ${name}: negative axis with unknown rank`);
        const sizes = Array.from(sizesC.data);
        const neg = sizes.indexOf(-1);
        if (neg >= 0) {
          const total = xs?.[axis];
          if (total === null || total === undefined) {
            throw new Error(`SplitV node ${name}: -1 split size needs a known dimension`);
          }
          sizes[neg] = total - sizes.reduce((a, b, i) => (i === neg ? a : a + b), 0);
        }
        const outs = sizes.map((_, i) => outName(i));
        cv.emit("Split", [tensor(x, `${name}/x`), cv.int64s(`${name}/split`, sizes)], outs, [
          _attr("axis", axis),
        ]);
        outs.forEach((o, i) => {
          const s = xs ? xs.slice() : null;
          if (s) s[axis] = sizes[i];
          set(dyn(o, x.dtype, s), i);
        });
        break;
      }
      case "Reshape": {
        const x = get(node, 0);
        const sv = get(node, 1);
        if (sv.kind === "const") {
          const target = Array.from(sv.data);
          const oshape = _resolveReshape(target, shapeOf(x));
          if (x.kind === "const") {
            set({ ...x, shape: oshape as number[] });
            break;
          }
          const out = outName();
          // TF's 0 means a zero-sized dim; ONNX's means "copy", unless allowzero.
          const attrs = target.includes(0) ? [_attr("allowzero", 1)] : [];
          cv.emit("Reshape", [x.name, cv.int64s(`${name}/shape`, target)], [out], attrs);
          set(dyn(out, x.dtype, oshape));
        } else {
          const cast = cv.unique(`${name}/shape64`);
          cv.emit("Cast", [sv.name], [cast], [_attr("to", _DT.INT64)]);
          const out = outName();
          cv.emit("Reshape", [tensor(x, `${name}/x`), cast], [out]);
          set(dyn(out, x.dtype, null));
        }
        break;
      }
      case "Transpose": {
        const x = get(node, 0);
        const perm = Array.from(constOf(node, 1, "perm").data);
        if (x.kind === "const") {
          set(_foldTranspose(x, perm));
          break;
        }
        const out = outName();
        cv.emit("Transpose", [x.name], [out], [_attr("perm", perm)]);
        set(dyn(out, x.dtype, permShape(x.shape, perm)));
        break;
      }
      case "SparseToDense": {
        if (!allConst) {
          throw new Error(`SparseToDense node ${name}: only constant inputs are supported`);
        }
        set(
          _foldSparseToDense(node, Array.from({ length: 4 }, (_, i) => constOf(node, i, "input"))),
        );
        break;
      }
      default:
        throw new Error(`unsupported tfjs op "${node.op}" (node "${name}")`);
    }
  }

  const graphOutputs = outputNames.map((o) => {
    let v = values.get(`${o}:0`)!;
    if (v.kind === "const") {
      // A constant output still has to be produced by a node to be a graph output.
      const out = cv.unique(`${o}/out`);
      cv.emit("Identity", [tensor(v, `${o}/value`)], [out]);
      v = dyn(out, v.dtype, v.shape);
    }
    return { name: (v as _Dyn).name, info: _valueInfo((v as _Dyn).name, v.dtype, shapeOf(v)) };
  });

  const nodes = _optimize(cv.nodes, cv.initializers, new Set(graphOutputs.map((o) => o.name)));
  const usedInits = new Set(nodes.flatMap((n) => n.input));
  const model = onnx.ModelProto.create({
    irVersion: _IR_VERSION,
    opsetImport: [{ domain: "", version: _OPSET }],
    producerName: "stopline-tfjs_to_onnx",
    producerVersion: String(CONVERTER_VERSION),
    graph: onnx.GraphProto.create({
      name: "tfjs_graph",
      node: nodes,
      initializer: cv.initializers.filter((t) => usedInits.has(t.name)),
      input: graphInputs,
      output: graphOutputs.map((o) => o.info),
    }),
  });
  return onnx.ModelProto.encode(model).finish();
}

function _valueInfo(name: string, dtype: _DType, shape: (number | null)[] | null) {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType: _onnxDType(dtype),
        shape: shape
          ? {
            dim: shape.map((
              d,
              i,
            ) => (d === null ? { dimParam: `${name}_d${i}` } : { dimValue: d })),
          }
          : undefined,
      },
    },
  });
}

// ---------------------------------------------------------------------------
// peephole pass over the emitted ONNX nodes (already in topological order)

function _getInts(n: OnnxNode, key: string): number[] | null {
  const a = n.attribute.find((x) => x.name === key);
  return a ? (a.ints ?? []).map(Number) : null;
}

function _setInts(n: OnnxNode, key: string, v: number[]) {
  const a = n.attribute.find((x) => x.name === key);
  if (a) a.ints = v;
  else n.attribute.push(_attr(key, v));
}

function _readInit(t: OnnxTensor): number[] {
  const raw = t.rawData;
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out: number[] = [];
  if (t.dataType === _DT.INT64) {
    for (let i = 0; i < raw.byteLength; i += 8) out.push(Number(v.getBigInt64(i, true)));
  } else if (t.dataType === _DT.FLOAT) {
    for (let i = 0; i < raw.byteLength; i += 4) out.push(v.getFloat32(i, true));
  } else if (t.dataType === _DT.INT32) {
    for (let i = 0; i < raw.byteLength; i += 4) out.push(v.getInt32(i, true));
  }
  return out;
}

function _optimize(nodes: OnnxNode[], inits: OnnxTensor[], graphOutputs: Set<string>): OnnxNode[] {
  const producer = new Map<string, OnnxNode>();
  for (const n of nodes) for (const o of n.output) producer.set(o, n);
  const initByName = new Map(inits.map((t) => [t.name, t]));

  // 1. Transpose(Transpose(x)) -> one Transpose with the composed perm (or nothing).
  const alias = new Map<string, string>();
  const resolve = (t: string) => {
    while (alias.has(t)) t = alias.get(t)!;
    return t;
  };
  for (const n of nodes) {
    n.input = n.input.map(resolve);
    if (n.opType !== "Transpose") continue;
    const inner = producer.get(n.input[0]);
    if (inner?.opType === "Transpose") {
      const p1 = _getInts(inner, "perm")!;
      const p2 = _getInts(n, "perm")!;
      _setInts(n, "perm", p2.map((p) => p1[p]));
      n.input = [inner.input[0]];
    }
    const perm = _getInts(n, "perm")!;
    if (perm.every((p, i) => p === i)) {
      if (graphOutputs.has(n.output[0])) {
        n.opType = "Identity";
        n.attribute = [];
      } else {
        alias.set(n.output[0], n.input[0]);
      }
    }
  }
  let live = nodes.filter((n) => !(n.opType === "Transpose" && alias.has(n.output[0])));
  for (const n of live) n.input = n.input.map(resolve);
  // Transposes bypassed by composition are dead now; drop them before counting uses.
  live = _deadNodes(live, graphOutputs);

  // 2. Constant Pad feeding only a Conv (zero pad) or MaxPool (-inf pad) -> the op's own pads.
  const useCount = new Map<string, number>();
  for (const n of live) for (const i of n.input) useCount.set(i, (useCount.get(i) ?? 0) + 1);
  for (const n of live) {
    if (n.opType !== "Conv" && n.opType !== "MaxPool") continue;
    if (n.attribute.some((a) => a.name === "auto_pad")) continue;
    const pad = producer.get(n.input[0]);
    if (!pad || pad.opType !== "Pad" || useCount.get(pad.output[0]) !== 1) continue;
    if (graphOutputs.has(pad.output[0])) continue;
    const padsInit = initByName.get(pad.input[1]);
    if (!padsInit) continue;
    const pads = _readInit(padsInit);
    if (pads.length !== 8 || pads[0] || pads[1] || pads[4] || pads[5]) continue; // spatial only
    if (pads.some((p) => p < 0)) continue;
    const valInit = pad.input[2] ? initByName.get(pad.input[2]) : undefined;
    if (pad.input[2] && !valInit) continue;
    const value = valInit ? _readInit(valInit)[0] : 0;
    if (n.opType === "Conv" ? value !== 0 : value !== -Infinity) continue;
    const cur = _getInts(n, "pads") ?? [0, 0, 0, 0];
    _setInts(n, "pads", [cur[0] + pads[2], cur[1] + pads[3], cur[2] + pads[6], cur[3] + pads[7]]);
    n.input[0] = pad.input[0];
    useCount.set(pad.output[0], 0);
  }

  return _deadNodes(live, graphOutputs);
}

/** Drops nodes none of whose outputs reach a graph output (nodes are topologically sorted). */
function _deadNodes(nodes: OnnxNode[], graphOutputs: Set<string>): OnnxNode[] {
  const needed = new Set(graphOutputs);
  const kept: OnnxNode[] = [];
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i];
    if (n.output.some((o) => needed.has(o))) {
      kept.push(n);
      for (const t of n.input) if (t) needed.add(t);
    }
  }
  return kept.reverse();
}
