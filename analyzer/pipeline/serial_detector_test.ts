import assert from "node:assert/strict";
import {
  type DetectResult,
  type FrameDetector,
  type RgbFrame,
  SerialDetector,
} from "./serial_detector.ts";

const OPTS = { minConf: 0.3, classes: [] };
const _frame = (tag: number): RgbFrame => ({ width: tag, height: 1, data: new Uint8Array(3) });

/** Answers after `ms`, records when each request started and ended (by frame width). */
function _slowDetector(ms: number, log: string[]): FrameDetector {
  return {
    async detect(frame): Promise<DetectResult> {
      log.push(`start ${frame.width}`);
      await new Promise((r) => setTimeout(r, ms));
      log.push(`end ${frame.width}`);
      return { detections: [], inferMs: ms, buffer: frame.data.buffer as ArrayBuffer };
    },
  };
}

Deno.test("serial detector: one request at a time, in arrival order", async () => {
  const log: string[] = [];
  const d = new SerialDetector(_slowDetector(5, log));
  await Promise.all([1, 2, 3].map((i) => d.detect(_frame(i), OPTS)));
  assert.deepEqual(log, ["start 1", "end 1", "start 2", "end 2", "start 3", "end 3"]);
});

Deno.test("serial detector: requests made while the model loads run once it is ready", async () => {
  const log: string[] = [];
  let ready!: (d: FrameDetector) => void;
  const d = new SerialDetector(new Promise<FrameDetector>((r) => (ready = r)));
  const answers = [1, 2].map((i) => d.detect(_frame(i), OPTS));
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(log, [], "nothing runs before the load");
  ready(_slowDetector(1, log));
  const results = await Promise.all(answers);
  assert.deepEqual(log, ["start 1", "end 1", "start 2", "end 2"]);
  assert.equal(results.length, 2);
});

Deno.test("serial detector: a failed load rejects each request with its error", async () => {
  const d = new SerialDetector(Promise.reject(new Error("cannot load model x.onnx")));
  await assert.rejects(d.detect(_frame(1), OPTS), /cannot load model/);
  await assert.rejects(d.detect(_frame(2), OPTS), /cannot load model/);
});

Deno.test("serial detector: one failed request does not block the next", async () => {
  let n = 0;
  const d = new SerialDetector({
    detect(frame) {
      if (n++ === 0) return Promise.reject(new Error("worker hiccup"));
      return Promise.resolve({
        detections: [],
        inferMs: 1,
        buffer: frame.data.buffer as ArrayBuffer,
      });
    },
  });
  const first = d.detect(_frame(1), OPTS);
  const second = d.detect(_frame(2), OPTS);
  await assert.rejects(first, /hiccup/);
  assert.equal((await second).inferMs, 1);
});
