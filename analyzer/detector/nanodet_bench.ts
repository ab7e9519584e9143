/**
 * deno bench -A analyzer/detector/nanodet_bench.ts
 * Stages of the NanoDet path on a real 768x576 vtest frame, measured apart so
 * a regression points at its stage.
 */
import * as ort from "onnxruntime-node";
import { ensureNanodetOnnx } from "../model/nanodet_model.ts";
import { loadDetector } from "./load_detector.ts";
import { decodeNanodet, type HeadLevel, postprocess } from "./nanodet.ts";
import { NANODET_NORM, planResize, preprocessRgb24 } from "./preprocess.ts";
import { vtestFrame } from "./testing_vtest.ts";

const modelPath = await ensureNanodetOnnx();
const frame = await vtestFrame(20);
const letterbox = planResize(768, 576, 416, 416, "letterbox");
const stretch = planResize(768, 576, 416, 416, "stretch");
const input = new Float32Array(3 * 416 * 416);
preprocessRgb24(frame, letterbox, NANODET_NORM, input);

const sessions = new Map<number, ort.InferenceSession>();
for (const threads of [1, 2]) {
  sessions.set(
    threads,
    await ort.InferenceSession.create(modelPath, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: "sequential",
      graphOptimizationLevel: "all",
    }),
  );
}
const feeds = { input_1: new ort.Tensor("float32", input, [1, 3, 416, 416]) };
const res = await sessions.get(2)!.run(feeds);
const levels: HeadLevel[] = [8, 16, 32].map((stride, i) => ({
  stride,
  gridW: 416 / stride,
  gridH: 416 / stride,
  cls: res[i === 0 ? "Identity" : `Identity_${i}`].data as Float32Array,
  reg: res[`Identity_${i + 3}`].data as Float32Array,
}));
const detector = await loadDetector(modelPath, { threads: 2, kind: "nanodet" });

Deno.bench("preprocess 768x576 -> 416 letterbox", { group: "pre" }, () => {
  preprocessRgb24(frame, letterbox, NANODET_NORM, input);
});
Deno.bench("preprocess 768x576 -> 416 stretch", { group: "pre" }, () => {
  preprocessRgb24(frame, stretch, NANODET_NORM, input);
});
Deno.bench("inference (session.run) 1 thread", { group: "infer" }, async () => {
  await sessions.get(1)!.run(feeds);
});
Deno.bench("inference (session.run) 2 threads", { group: "infer" }, async () => {
  await sessions.get(2)!.run(feeds);
});
Deno.bench("decode + NMS (minConf 0.35)", { group: "post" }, () => {
  const raw = decodeNanodet(levels, {
    minConf: 0.35,
    classMask: null,
    numClasses: 80,
    bins: 11,
    inputW: 416,
    inputH: 416,
  });
  postprocess(raw, letterbox, {
    iouThreshold: 0.6,
    mergeGroups: [["car", "truck", "bus"]],
    maxDetections: 100,
  });
});
Deno.bench("decode + NMS (minConf 0.05, NanoDet eval setting)", { group: "post" }, () => {
  const raw = decodeNanodet(levels, {
    minConf: 0.05,
    classMask: null,
    numClasses: 80,
    bins: 11,
    inputW: 416,
    inputH: 416,
  });
  postprocess(raw, letterbox, {
    iouThreshold: 0.6,
    mergeGroups: [["car", "truck", "bus"]],
    maxDetections: 100,
  });
});
Deno.bench("detect() end to end, 2 threads", { group: "e2e" }, async () => {
  await detector.detect(frame, { minConf: 0.35 });
});
