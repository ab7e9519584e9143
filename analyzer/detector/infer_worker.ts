/// <reference lib="deno.worker" />
/**
 * Inference Web Worker: owns the ONNX Runtime session so inference never
 * blocks the analyzer's main thread. Protocol in inference_client.ts.
 *
 * Any supported model loads through loadDetector. A "load" while a model is
 * already serving is a hot swap: the new model is opened and warmed up
 * concurrently while detect requests keep being answered by the old one, and
 * only a successful load replaces it (a bad model leaves the old one serving).
 */
import type { InferRequest, InferResponse } from "./inference_client.ts";
import type { Detector } from "./detector.ts";
import { reportIsolateMemory } from "../health/isolate_memory.ts";
import { loadDetector } from "./load_detector.ts";

let detector: Detector | null = null;
// Detect requests and model replacements are applied strictly in order.
let queue: Promise<void> = Promise.resolve();

function _post(msg: InferResponse, transfer: Transferable[] = []): void {
  self.postMessage(msg, transfer);
}

function _load(msg: Extract<InferRequest, { type: "load" }>): void {
  // Loading starts now, outside the queue, so the current model keeps serving meanwhile.
  const loading = loadDetector(msg.modelPath, { threads: msg.threads }).then(
    (d) => ({ d, err: null }),
    (e: Error) => ({ d: null, err: e }),
  );
  queue = queue.then(async () => {
    const { d, err } = await loading;
    if (!d) {
      _post({
        type: "error",
        loadId: msg.loadId,
        message: `cannot load model ${msg.modelPath}: ${err!.message}`,
      });
      return;
    }
    const old = detector;
    detector = d;
    await old?.close().catch(() => {});
    _post({
      type: "ready",
      loadId: msg.loadId,
      kind: d.kind,
      inputSize: d.inputSize,
      labels: [...d.labels],
    });
  });
}

async function _detect(msg: Extract<InferRequest, { type: "detect" }>): Promise<void> {
  if (!detector) {
    _post({ type: "error", id: msg.id, message: "model not loaded" });
    return;
  }
  try {
    const t0 = performance.now();
    const detections = await detector.detect(
      { width: msg.width, height: msg.height, data: new Uint8Array(msg.data) },
      { minConf: msg.minConf, classes: msg.classes, lowLight: msg.lowLight },
    );
    const inferMs = performance.now() - t0;
    _post(
      {
        type: "detections",
        id: msg.id,
        detections,
        inferMs,
        timings: detector.lastTimings,
        kind: detector.kind,
        data: msg.data,
      },
      [msg.data],
    );
  } catch (e) {
    _post({ type: "error", id: msg.id, message: (e as Error).message });
  }
}

reportIsolateMemory((memory) => _post({ type: "memory", memory }));

self.onmessage = (e: MessageEvent<InferRequest>) => {
  const msg = e.data;
  if (msg.type === "load") _load(msg);
  else if (msg.type === "detect") queue = queue.then(() => _detect(msg));
  // Thrown out of the message handler: uncaught, it ends the worker before the next message.
  else if (msg.type === "crash") throw new Error("crash requested");
};
