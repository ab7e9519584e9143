/// <reference lib="deno.worker" />
/**
 * The plate (text) search's Web Worker: owns the PP-OCRv4 text detector's ONNX Runtime session,
 * so its preprocessing (the vehicle scaled to 960 px in JS), the inference and the DBNet
 * post-processing never run on the analyzer's main thread. Protocol in plate_search.ts.
 */
import type { PlateSearchRequest, PlateSearchResponse } from "./plate_search.ts";
import { PlateTextDetector } from "./plate_text_detector.ts";

let detector: Promise<PlateTextDetector> | null = null;

function _post(msg: PlateSearchResponse): void {
  self.postMessage(msg);
}

self.onmessage = async (e: MessageEvent<PlateSearchRequest>) => {
  const m = e.data;
  if (m.type === "open") {
    detector = PlateTextDetector.open(m.modelPath);
    try {
      await detector;
      _post({ type: "ready" });
    } catch (err) {
      _post({ type: "error", message: `cannot open ${m.modelPath}: ${(err as Error).message}` });
    }
    return;
  }
  try {
    if (!detector) throw new Error("text detector not opened");
    const t0 = performance.now();
    const boxes = await (await detector).detect(
      { width: m.width, height: m.height, data: new Uint8Array(m.data) },
      m.vehicle,
    );
    _post({ type: "plates", id: m.id, boxes, ms: performance.now() - t0 });
  } catch (err) {
    _post({ type: "error", id: m.id, message: (err as Error).message });
  }
};
