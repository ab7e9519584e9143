/**
 * Reads the top level of an ONNX ModelProto straight from the protobuf wire
 * format: enough to tell an ONNX file from anything else, and to read the
 * metadata exporters leave there (ultralytics writes `names`, `imgsz`,
 * `stride`, `task`), which onnxruntime-node does not expose. The graph field
 * is skipped by length, so this is O(number of top-level fields) even for a
 * 100 MB model, and nothing is decoded that is not needed. `readOnnxIO` goes one
 * level deeper, into the graph's declared inputs and outputs (node and weight
 * payloads are still skipped by length). Pure TypeScript: the functions validate
 * uploads with it without onnxruntime.
 */

/** A declared graph input or output: name, element type, dims (strings are symbolic). */
export interface OnnxValueInfo {
  name: string;
  /** TensorProto.DataType (1 = float32); 0 when the value is not a tensor. */
  elemType: number;
  /** Declared dims; a string is a symbolic (dynamic) dim, "?" an unnamed one; null: no shape. */
  dims: (number | string)[] | null;
}

export interface OnnxIO {
  /** Graph inputs that are not initializers (the tensors a caller feeds). */
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
}

/** TensorProto.DataType FLOAT. */
export const ONNX_FLOAT = 1;

export interface OnnxHeader {
  irVersion: number;
  producerName: string;
  producerVersion: string;
  opsets: { domain: string; version: number }[];
  /** metadata_props as a plain record. */
  metadata: Record<string, string>;
}

/** ModelProto fields and the wire type each must have (0 varint, 2 length-delimited). */
const _MODEL_FIELDS: Record<number, number> = {
  1: 0, // ir_version
  2: 2, // producer_name
  3: 2, // producer_version
  4: 2, // domain
  5: 0, // model_version
  6: 2, // doc_string
  7: 2, // graph
  8: 2, // opset_import
  14: 2, // metadata_props
  20: 2, // training_info
  25: 2, // functions
  26: 2, // configuration
};

class _Wire {
  pos = 0;
  constructor(readonly b: Uint8Array, readonly end = b.length) {}
  varint(): number {
    let v = 0, mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new Error("truncated varint");
      const byte = this.b[this.pos++];
      v += (byte & 0x7f) * mul;
      if (!(byte & 0x80)) return v;
      mul *= 128;
    }
    throw new Error("bad varint");
  }
  bytes(): Uint8Array {
    const n = this.varint();
    if (this.pos + n > this.end) throw new Error(`field length ${n} runs past the end`);
    const out = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  /** Skips a field of any wire type; groups (3/4) are not used by ONNX and count as corrupt. */
  skip(wt: number): void {
    if (wt === 0) this.varint();
    else if (wt === 1) this.pos += 8;
    else if (wt === 2) this.bytes();
    else if (wt === 5) this.pos += 4;
    else throw new Error(`wire type ${wt}`);
    if (this.pos > this.end) throw new Error("truncated field");
  }
}

const _utf8 = new TextDecoder();

/** Parses a small message into (field -> values) for the string/varint fields asked for. */
function _fields(b: Uint8Array, only?: Set<number>): Map<number, (string | number)[]> {
  const w = new _Wire(b);
  const out = new Map<number, (string | number)[]>();
  while (w.pos < w.end) {
    const key = w.varint();
    const field = Math.floor(key / 8), wt = key & 7;
    let v: string | number;
    if (only && !only.has(field)) {
      w.skip(wt);
      continue;
    }
    if (wt === 0) v = w.varint();
    else if (wt === 2) v = _utf8.decode(w.bytes());
    else {
      w.skip(wt);
      continue;
    }
    if (!out.has(field)) out.set(field, []);
    out.get(field)!.push(v);
  }
  return out;
}

/**
 * Parses the ModelProto header. Throws `not an ONNX model: <why>` for
 * anything that is not one (wrong wire structure, no graph, no IR version).
 */
export function readOnnxHeader(bytes: Uint8Array): OnnxHeader {
  return _readModel(bytes).header;
}

function _readModel(bytes: Uint8Array): { header: OnnxHeader; graph: Uint8Array } {
  const fail = (why: string): never => {
    throw new Error(`not an ONNX model: ${why}`);
  };
  if (bytes.length < 16) fail(`only ${bytes.length} bytes`);
  const w = new _Wire(bytes);
  const h: OnnxHeader = {
    irVersion: 0,
    producerName: "",
    producerVersion: "",
    opsets: [],
    metadata: {},
  };
  let graph: Uint8Array | null = null;
  try {
    while (w.pos < w.end) {
      const at = w.pos;
      const key = w.varint();
      const field = Math.floor(key / 8), wt = key & 7;
      const want = _MODEL_FIELDS[field];
      if (want === undefined || want !== wt) {
        // Unknown top-level fields are legal protobuf, but a real ONNX file has none; random
        // bytes almost always hit this within the first few bytes.
        fail(`unexpected protobuf field ${field} (wire type ${wt}) at byte ${at}`);
      }
      if (field === 1) h.irVersion = w.varint();
      else if (field === 7) graph = w.bytes();
      else if (field === 2) h.producerName = _utf8.decode(w.bytes());
      else if (field === 3) h.producerVersion = _utf8.decode(w.bytes());
      else if (field === 8) {
        const f = _fields(w.bytes());
        h.opsets.push({
          domain: String(f.get(1)?.[0] ?? ""),
          version: Number(f.get(2)?.[0] ?? 0),
        });
      } else if (field === 14) {
        const f = _fields(w.bytes());
        h.metadata[String(f.get(1)?.[0] ?? "")] = String(f.get(2)?.[0] ?? "");
      } else w.skip(wt);
    }
  } catch (e) {
    if ((e as Error).message.startsWith("not an ONNX model")) throw e;
    fail(`corrupt protobuf (${(e as Error).message})`);
  }
  if (!h.irVersion) fail("no ir_version");
  if (!graph) return fail("no graph");
  return { header: h, graph };
}

/** GraphProto fields read here: initializer (5), sparse_initializer (15), input (11), output (12). */
const _GRAPH_INITIALIZER = 5, _GRAPH_INPUT = 11, _GRAPH_OUTPUT = 12;

/**
 * The header plus the graph's declared inputs and outputs. Throws `not an ONNX model: <why>` for
 * a file whose graph does not parse (truncated, corrupted lengths).
 */
export function readOnnxIO(bytes: Uint8Array): OnnxHeader & OnnxIO {
  const { header, graph } = _readModel(bytes);
  const inputs: OnnxValueInfo[] = [];
  const outputs: OnnxValueInfo[] = [];
  const initializers = new Set<string>();
  try {
    const w = new _Wire(graph);
    while (w.pos < w.end) {
      const key = w.varint();
      const field = Math.floor(key / 8), wt = key & 7;
      if (wt === 2 && (field === _GRAPH_INPUT || field === _GRAPH_OUTPUT)) {
        (field === _GRAPH_INPUT ? inputs : outputs).push(_valueInfo(w.bytes()));
      } else if (wt === 2 && field === _GRAPH_INITIALIZER) {
        // TensorProto.name is field 8; the tensor data around it is skipped by length.
        const name = _fields(w.bytes(), new Set([8])).get(8)?.[0];
        if (typeof name === "string") initializers.add(name);
      } else w.skip(wt);
    }
  } catch (e) {
    throw new Error(`not an ONNX model: corrupt graph (${(e as Error).message})`);
  }
  return { ...header, inputs: inputs.filter((i) => !initializers.has(i.name)), outputs };
}

/** ValueInfoProto { name = 1, type = 2: TypeProto { tensor_type = 1: { elem_type = 1, shape = 2 } } }. */
function _valueInfo(b: Uint8Array): OnnxValueInfo {
  const info: OnnxValueInfo = { name: "", elemType: 0, dims: null };
  _each(b, (field, wt, w) => {
    if (field === 1 && wt === 2) info.name = _utf8.decode(w.bytes());
    else if (field === 2 && wt === 2) {
      _each(w.bytes(), (f, t, tw) => {
        if (f !== 1 || t !== 2) return tw.skip(t);
        _each(tw.bytes(), (g, u, sw) => {
          if (g === 1 && u === 0) info.elemType = sw.varint();
          else if (g === 2 && u === 2) info.dims = _shape(sw.bytes());
          else sw.skip(u);
        });
      });
    } else w.skip(wt);
  });
  return info;
}

/** TensorShapeProto { dim = 1: Dimension { dim_value = 1, dim_param = 2 } }. */
function _shape(b: Uint8Array): (number | string)[] {
  const dims: (number | string)[] = [];
  _each(b, (field, wt, w) => {
    if (field !== 1 || wt !== 2) return w.skip(wt);
    let dim: number | string = "?";
    _each(w.bytes(), (f, t, dw) => {
      if (f === 1 && t === 0) dim = dw.varint();
      else if (f === 2 && t === 2) dim = _utf8.decode(dw.bytes()) || "?";
      else dw.skip(t);
    });
    dims.push(dim);
  });
  return dims;
}

function _each(b: Uint8Array, f: (field: number, wt: number, w: _Wire) => void): void {
  const w = new _Wire(b);
  while (w.pos < w.end) {
    const key = w.varint();
    f(Math.floor(key / 8), key & 7, w);
  }
}

/**
 * Class names from ultralytics' `names` metadata, a Python dict literal such
 * as `{0: 'person', 1: 'bicycle'}`; null when absent or unparsable.
 */
export function parseUltralyticsNames(meta: Record<string, string>): string[] | null {
  const src = meta.names;
  if (!src) return null;
  const names: string[] = [];
  const re = /(\d+)\s*:\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")/g;
  for (const m of src.matchAll(re)) names[Number(m[1])] = (m[2] ?? m[3]).replace(/\\(.)/g, "$1");
  if (!names.length) return null;
  // A sparse dict would leave holes; such names cannot be trusted to line up with class ids.
  for (let i = 0; i < names.length; i++) if (names[i] === undefined) return null;
  return names;
}

/** Square or [h, w] input size from ultralytics' `imgsz` metadata, e.g. "[640, 640]". */
export function parseUltralyticsImgsz(meta: Record<string, string>): [number, number] | null {
  const nums = (meta.imgsz ?? "").match(/\d+/g)?.map(Number) ?? [];
  if (nums.length === 1 && nums[0] > 0) return [nums[0], nums[0]];
  if (nums.length === 2 && nums[0] > 0 && nums[1] > 0) return [nums[0], nums[1]];
  return null;
}
