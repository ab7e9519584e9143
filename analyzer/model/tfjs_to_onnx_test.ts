import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import * as ort from "onnxruntime-node";
import { convertTfjsGraph } from "./tfjs_to_onnx.ts";

// ---- a tiny tfjs graph-model builder -------------------------------------------------

const _f32 = new Float32Array(1);
const _u32 = new Uint32Array(_f32.buffer);

/** float32 -> float16 bits (round half up; test values are normal numbers). */
function toHalf(v: number): number {
  _f32[0] = v;
  const x = _u32[0];
  const sign = (x >>> 16) & 0x8000;
  const e = ((x >>> 23) & 0xff) - 127 + 15;
  const m = x & 0x7fffff;
  if (e <= 0) return sign;
  if (e >= 31) return sign | 0x7c00;
  return (sign | (e << 10) | (m >>> 13)) + ((m >>> 12) & 1);
}

type Attr = Record<string, unknown>;
const str = (s: string) => ({ s: btoa(s) });
const ints = (l: number[]) => ({ list: { i: l.map(String) } });
const dt = (t: string) => ({ type: t });

class GraphBuilder {
  nodes: { name: string; op: string; input?: string[]; attr?: Attr }[] = [];
  specs: unknown[] = [];
  chunks: Uint8Array[] = [];

  input(name: string, shape: number[]) {
    this.nodes.push({
      name,
      op: "Placeholder",
      attr: {
        dtype: dt("DT_FLOAT"),
        shape: { shape: { dim: shape.map((s) => ({ size: String(s) })) } },
      },
    });
    return name;
  }

  float(name: string, shape: number[], values: number[], half = false) {
    this.nodes.push({ name, op: "Const", attr: { dtype: dt("DT_FLOAT") } });
    if (half) {
      const b = new Uint8Array(values.length * 2);
      const v = new DataView(b.buffer);
      values.forEach((x, i) => v.setUint16(2 * i, toHalf(x), true));
      this.chunks.push(b);
      this.specs.push({
        name,
        shape,
        dtype: "float32",
        quantization: { dtype: "float16", original_dtype: "float32" },
      });
    } else {
      this.chunks.push(new Uint8Array(new Float32Array(values).buffer));
      this.specs.push({ name, shape, dtype: "float32" });
    }
    return name;
  }

  int(name: string, shape: number[], values: number[], tfType = "DT_INT32") {
    this.nodes.push({ name, op: "Const", attr: { dtype: dt(tfType) } });
    this.chunks.push(new Uint8Array(new Int32Array(values).buffer));
    this.specs.push({ name, shape, dtype: "int32" });
    return name;
  }

  op(name: string, op: string, input: string[], attr: Attr = {}) {
    this.nodes.push({ name, op, input, attr: { T: dt("DT_FLOAT"), ...attr } });
    return name;
  }

  build(outputs?: string[]) {
    const json: Record<string, unknown> = {
      format: "graph-model",
      modelTopology: { node: this.nodes, library: {}, versions: {} },
      weightsManifest: [{ paths: ["w.bin"], weights: this.specs }],
    };
    if (outputs) {
      json.signature = {
        outputs: Object.fromEntries(outputs.map((o) => [`${o}:0`, { name: `${o}:0` }])),
      };
    }
    const total = this.chunks.reduce((a, c) => a + c.length, 0);
    const weights = new Uint8Array(total);
    let off = 0;
    for (const c of this.chunks) weights.set(c, (off += c.length) - c.length);
    return { json, weights };
  }
}

async function runOnnx(bytes: Uint8Array, feeds: Record<string, ort.Tensor>) {
  const s = await ort.InferenceSession.create(bytes);
  try {
    return { names: [...s.outputNames], out: await s.run(feeds) };
  } finally {
    await s.release();
  }
}

function seeded(n: number, seed: number, scale = 1): number[] {
  let x = seed;
  return Array.from({ length: n }, () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return ((x / 2147483648) * 2 - 1) * scale;
  });
}

// ---- tests -----------------------------------------------------------------------------

Deno.test("tfjs_to_onnx: 1x1 conv with float16 weights gives hand-computed values", async () => {
  const g = new GraphBuilder();
  g.input("x", [1, 1, 2, 2]);
  g.int("to_nhwc", [4], [0, 2, 3, 1]);
  g.int("to_nchw", [4], [0, 3, 1, 2]);
  // HWIO [1,1,1,3]: 0.5, -1 and 1/3 (stored in fp16 as 0x3555 = 0.333251953125).
  g.float("w", [1, 1, 1, 3], [0.5, -1, 1 / 3], true);
  g.float("bias", [3], [1, 0, 0]);
  g.op("t0", "Transpose", ["x", "to_nhwc"]);
  g.op("conv", "Conv2D", ["t0", "w"], {
    strides: ints([1, 1, 1, 1]),
    padding: str("VALID"),
    data_format: str("NHWC"),
  });
  g.op("biased", "BiasAdd", ["conv", "bias"]);
  g.op("act", "LeakyRelu", ["biased"], { alpha: { f: 0.1 } });
  g.op("t1", "Transpose", ["act", "to_nchw"]);
  g.op("Identity", "Identity", ["t1"]);
  const { json, weights } = g.build(["Identity"]);
  const onnxBytes = convertTfjsGraph(json, weights);
  const x = new Float32Array([1, 2, 3, 4]);
  const { names, out } = await runOnnx(onnxBytes, {
    x: new ort.Tensor("float32", x, [1, 1, 2, 2]),
  });
  assert.deepEqual(names, ["Identity"]);
  assert.deepEqual(out.Identity.dims, [1, 3, 2, 2]);
  const third = 0.333251953125;
  const expected = [1.5, 2, 2.5, 3, -0.1, -0.2, -0.3, -0.4, third, 2 * third, 3 * third, 4 * third];
  const got = Array.from(out.Identity.data as Float32Array);
  got.forEach((v, i) =>
    assert.ok(Math.abs(v - expected[i]) < 1e-6, `index ${i}: ${v} vs ${expected[i]}`)
  );
});

Deno.test("tfjs_to_onnx: every supported op matches the TF.js CPU backend", async () => {
  const g = new GraphBuilder();
  g.input("x", [1, 3, 8, 8]);
  g.int("pads_nchw", [4, 2], [0, 0, 0, 0, 1, 1, 1, 1]);
  g.int("pads_nhwc", [4, 2], [0, 0, 1, 1, 1, 1, 0, 0]);
  g.float("neg_inf", [], [-Infinity]);
  g.int("to_nhwc", [4], [0, 2, 3, 1]);
  g.int("to_nchw", [4], [0, 3, 1, 2]);
  g.int("perm3", [3], [0, 2, 1]);
  g.float("w1", [3, 3, 3, 4], seeded(108, 1, 0.5), true);
  g.float("b1", [4], [0.1, -0.2, 0.3, 0]);
  g.float("w2", [3, 3, 4, 6], seeded(216, 2, 0.4), true);
  g.float("offset", [10], seeded(10, 3));
  g.int("size4", [2], [4, 4]);
  g.int("axis3", [], [3]);
  g.int("splits", [2], [6, -1]);
  g.int("axis1", [], [1]);
  // Reshape target built the way onnx-tf emits it: const + SparseToDense(zeros).
  g.int("shape_base", [3], [1, 6, -1], "DT_INT64");
  g.int("sp_idx", [0, 1], [], "DT_INT64");
  g.int("sp_shape", [1], [3], "DT_INT64");
  g.int("sp_vals", [0], [], "DT_INT64");
  g.int("sp_def", [], [0], "DT_INT64");
  g.int("shape_b", [3], [1, 4, -1], "DT_INT64");

  g.op("pad", "Pad", ["x", "pads_nchw"]);
  g.op("t_in", "Transpose", ["pad", "to_nhwc"]);
  const conv = {
    strides: ints([1, 1, 1, 1]),
    dilations: ints([1, 1, 1, 1]),
    padding: str("VALID"),
    data_format: str("NHWC"),
  };
  g.op("c1", "Conv2D", ["t_in", "w1"], conv);
  g.op("c1b", "AddV2", ["c1", "b1"]);
  g.op("a1", "LeakyRelu", ["c1b"], { alpha: { f: 0.1 } });
  g.op("padv2", "PadV2", ["a1", "pads_nhwc", "neg_inf"]);
  g.op("pool", "MaxPool", ["padv2"], {
    ksize: ints([1, 3, 3, 1]),
    strides: ints([1, 2, 2, 1]),
    padding: str("VALID"),
    data_format: str("NHWC"),
  });
  g.op("c2", "Conv2D", ["pool", "w2"], {
    ...conv,
    strides: ints([1, 2, 2, 1]),
    padding: str("SAME"),
  });
  g.op("up", "ResizeBilinear", ["c2", "size4"], {
    half_pixel_centers: { b: true },
    align_corners: { b: false },
  });
  g.op("cat", "ConcatV2", ["up", "pool", "axis3"], { N: { i: "2" } });
  g.op("shift", "Add", ["cat", "offset"]);
  g.op("t_out", "Transpose", ["shift", "to_nchw"]);
  g.op("split", "SplitV", ["t_out", "splits", "axis1"], { num_split: { i: "2" } });
  g.op("sig", "Sigmoid", ["split"]);
  g.op("sparse", "SparseToDense", ["sp_idx", "sp_shape", "sp_vals", "sp_def"]);
  g.op("shape_a", "AddV2", ["shape_base", "sparse"]);
  g.op("r_a", "Reshape", ["sig", "shape_a"]);
  g.op("tr_a", "Transpose", ["r_a", "perm3"]);
  g.op("r_b", "Reshape", ["split:1", "shape_b"]);
  g.op("tr_b", "Transpose", ["r_b", "perm3"]);
  g.op("Identity", "Identity", ["tr_a"]);
  g.op("Identity_1", "Identity", ["tr_b"]);
  const { json, weights } = g.build(["Identity_1", "Identity"]);

  const onnxBytes = convertTfjsGraph(json, weights);
  const x = new Float32Array(seeded(192, 7, 2));
  const { names, out } = await runOnnx(onnxBytes, {
    x: new ort.Tensor("float32", x, [1, 3, 8, 8]),
  });
  assert.deepEqual(names, ["Identity", "Identity_1"]);
  assert.deepEqual(out.Identity.dims, [1, 16, 6]);
  assert.deepEqual(out.Identity_1.dims, [1, 16, 4]);

  await tf.setBackend("cpu");
  const j = json as {
    modelTopology: object;
    weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[];
  };
  const model = await tf.loadGraphModel(tf.io.fromMemory({
    modelTopology: j.modelTopology,
    weightSpecs: j.weightsManifest[0].weights,
    weightData: weights.slice().buffer,
  }));
  const ref = tf.tidy(() =>
    model.execute(tf.tensor(x, [1, 3, 8, 8]), ["Identity", "Identity_1"]) as tf.Tensor[]
  );
  for (const [k, name] of ["Identity", "Identity_1"].entries()) {
    const a = ref[k].dataSync();
    const b = out[name].data as Float32Array;
    assert.deepEqual(ref[k].shape, out[name].dims);
    let maxDiff = 0;
    for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
    assert.ok(maxDiff < 1e-5, `${name}: max abs diff ${maxDiff}`);
    // Guard against a vacuous match (e.g. everything saturated to one value).
    assert.ok(Math.max(...b) - Math.min(...b) > 0.1, `${name} output has no spread`);
  }
  tf.dispose(ref);
  model.dispose();
});

Deno.test("tfjs_to_onnx: unsupported op names the op and the node", () => {
  const g = new GraphBuilder();
  g.input("x", [1, 4]);
  g.op("probs", "Softmax", ["x"]);
  const { json, weights } = g.build(["probs"]);
  assert.throws(
    () => convertTfjsGraph(json, weights),
    /unsupported tfjs op "Softmax" \(node "probs"\)/,
  );
});

Deno.test("tfjs_to_onnx: rejects bad input", () => {
  assert.throws(() => convertTfjsGraph({}, new Uint8Array()), /not a tfjs graph model/);
  const g = new GraphBuilder();
  g.input("x", [1, 2]);
  g.float("c", [2], [1, 2]);
  g.op("y", "AddV2", ["x", "c"]);
  const { json, weights } = g.build(["y"]);
  assert.throws(() => convertTfjsGraph(json, weights.subarray(0, 4)), /weights too short/);
  assert.throws(() => convertTfjsGraph(json, new Uint8Array(12)), /weights size mismatch/);
  g.op("z", "AddV2", ["y", "missing"]);
  assert.throws(() => convertTfjsGraph(g.build(["z"]).json, weights), /missing/);
});

Deno.test("tfjs_to_onnx: CenterNet ops (fused/depthwise conv, Relu6, Mul, Sub, Mean) match TF.js", async () => {
  const g = new GraphBuilder();
  g.input("x", [1, 9, 9, 3]);
  const conv = (strides: number[], padding: string, fused: string[] = []) => ({
    strides: ints(strides),
    dilations: ints([1, 1, 1, 1]),
    padding: str(padding),
    data_format: str("NHWC"),
    ...(fused.length ? { fused_ops: { list: { s: fused.map(btoa) } }, num_args: { i: "1" } } : {}),
  });
  g.float("w1", [3, 3, 3, 4], seeded(108, 11, 0.5), true);
  g.float("b1", [4], [0.5, -0.5, 0.25, 0]);
  g.float("dw", [3, 3, 4, 2], seeded(72, 12, 0.6), true); // channel multiplier 2
  g.float("dw2", [3, 3, 8, 1], seeded(72, 13, 0.6), true);
  g.float("b2", [8], seeded(8, 14, 0.3));
  g.float("three", [], [3]);
  g.float("sixth", [], [1 / 6]);
  g.float("shift", [8], seeded(8, 15));
  g.float("w3", [1, 1, 8, 8], seeded(64, 16, 0.5));
  g.int("axes", [2], [1, 2]);
  // Conv + BiasAdd + Relu6 fused, stride 2 SAME (odd size: TF pads bottom/right).
  g.op("c1", "_FusedConv2D", ["x", "w1", "b1"], {
    ...conv([1, 2, 2, 1], "SAME", ["BiasAdd", "Relu6"]),
    epsilon: { f: 0 },
  });
  g.op("d1", "DepthwiseConv2dNative", ["c1", "dw"], conv([1, 1, 1, 1], "SAME"));
  g.op(
    "d2",
    "FusedDepthwiseConv2dNative",
    ["d1", "dw2", "b2"],
    conv([1, 2, 2, 1], "SAME", [
      "BiasAdd",
      "Relu",
    ]),
  );
  // hard_swish as MobileNetV3 writes it: x * relu6(x + 3) * (1/6).
  g.op("hs_a", "Add", ["d2", "three"]);
  g.op("hs_r", "Relu6", ["hs_a"]);
  g.op("hs_m", "Mul", ["d2", "hs_r"]);
  g.op("hs", "Mul", ["hs_m", "sixth"]);
  g.op("sub", "Sub", ["hs", "shift"]);
  // Squeeze-excite: spatial mean, 1x1 conv, sigmoid gate.
  g.op("mean", "Mean", ["sub", "axes"], { keep_dims: { b: true }, Tidx: dt("DT_INT32") });
  g.op("se", "Conv2D", ["mean", "w3"], conv([1, 1, 1, 1], "SAME"));
  g.op("gate", "Sigmoid", ["se"]);
  g.op("scaled", "Mul", ["sub", "gate"]);
  g.op("out", "Relu", ["scaled"]);
  g.op("Identity", "Identity", ["out"]);
  g.op("Identity_1", "Identity", ["mean"]);
  const { json, weights } = g.build(["Identity", "Identity_1"]);

  // Only the requested output is emitted, under its TF name.
  const onlyMean = await runOnnx(convertTfjsGraph(json, weights, { outputs: ["Identity_1"] }), {
    x: new ort.Tensor("float32", new Float32Array(243), [1, 9, 9, 3]),
  });
  assert.deepEqual(onlyMean.names, ["Identity_1"]);

  const onnxBytes = convertTfjsGraph(json, weights);
  const x = new Float32Array(seeded(243, 17, 3));
  const { out } = await runOnnx(onnxBytes, { x: new ort.Tensor("float32", x, [1, 9, 9, 3]) });
  assert.deepEqual(out.Identity.dims, [1, 3, 3, 8]);
  assert.deepEqual(out.Identity_1.dims, [1, 1, 1, 8]);

  await tf.setBackend("cpu");
  const j = json as {
    modelTopology: object;
    weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[];
  };
  const model = await tf.loadGraphModel(tf.io.fromMemory({
    modelTopology: j.modelTopology,
    weightSpecs: j.weightsManifest[0].weights,
    weightData: weights.slice().buffer,
  }));
  const ref = model.execute(tf.tensor(x, [1, 9, 9, 3]), ["Identity", "Identity_1"]) as tf.Tensor[];
  for (const [k, name] of ["Identity", "Identity_1"].entries()) {
    const a = ref[k].dataSync();
    const b = out[name].data as Float32Array;
    let maxDiff = 0;
    for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
    assert.ok(maxDiff < 1e-5, `${name}: max abs diff ${maxDiff}`);
    assert.ok(Math.max(...b) - Math.min(...b) > 0.05, `${name} output has no spread`);
  }
  tf.dispose(ref);
  model.dispose();
});

Deno.test("tfjs_to_onnx: unsupported fused ops are rejected by name", () => {
  const g = new GraphBuilder();
  g.input("x", [1, 4, 4, 1]);
  g.float("w", [1, 1, 1, 1], [1]);
  g.float("b", [1], [0]);
  g.op("c", "_FusedConv2D", ["x", "w", "b"], {
    strides: ints([1, 1, 1, 1]),
    padding: str("VALID"),
    fused_ops: { list: { s: [btoa("BiasAdd"), btoa("Elu")] } },
    num_args: { i: "1" },
  });
  const { json, weights } = g.build(["c"]);
  assert.throws(() => convertTfjsGraph(json, weights), /unsupported fused activation Elu/);
});
