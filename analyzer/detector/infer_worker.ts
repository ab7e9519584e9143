/// <reference lib="deno.worker" />
/**
 * Inference Web Worker: owns the ONNX Runtime session so inference never
 * blocks the analyzer's main thread. Protocol in inference_client.ts.
 */
import type { InferRequest, InferResponse } from "./inference_client.ts";
import { NanoDetDetector } from "./nanodet.ts";

let detector: NanoDetDetector | null = null;
// Requests are handled strictly in order even if the caller pipelines them.
let queue: Promise<void> = Promise.resolve();

function _post(msg: InferResponse, transfer: Transferable[] = []): void {
  self.postMessage(msg, transfer);
}

async function _handle(msg: InferRequest): Promise<void> {
  if (msg.type === "load") {
    try {
      await detector?.close();
      detector = await NanoDetDetector.load(msg.modelPath, { threads: msg.threads });
      _post({ type: "ready" });
    } catch (e) {
      detector = null;
      _post({
        type: "error",
        message: `cannot load model ${msg.modelPath}: ${(e as Error).message}`,
      });
    }
    return;
  }
  if (msg.type === "detect") {
    if (!detector) {
      _post({ type: "error", id: msg.id, message: "model not loaded" });
      return;
    }
    try {
      const t0 = performance.now();
      const detections = await detector.detect(
        { width: msg.width, height: msg.height, data: new Uint8Array(msg.data) },
        { minConf: msg.minConf, classes: msg.classes },
      );
      const inferMs = performance.now() - t0;
      _post(
        {
          type: "detections",
          id: msg.id,
          detections,
          inferMs,
          timings: detector.lastTimings,
          data: msg.data,
        },
        [msg.data],
      );
    } catch (e) {
      _post({ type: "error", id: msg.id, message: (e as Error).message });
    }
  }
}

self.onmessage = (e: MessageEvent<InferRequest>) => {
  queue = queue.then(() => _handle(e.data));
};
