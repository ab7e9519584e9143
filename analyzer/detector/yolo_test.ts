/**
 * YOLO adapters on tiny constant-output ONNX models in each export layout:
 * exact source-pixel boxes for a 1280x720 frame (letterbox to 640x360 at
 * y+140, or 320x180 at y+70), labels, scores, vehicle merging, errors.
 */
import assert from "node:assert/strict";
import { COCO_LABELS } from "../../shared/model/coco_labels.ts";
import type { Detection } from "./detector.ts";
import { identifyLayout, loadDetector } from "./load_detector.ts";
import { constOutputModel, greyFrame } from "./testing_onnx.ts";
import { decodeYolo } from "./yolo.ts";

const C = COCO_LABELS.length;
const id = (label: string) => COCO_LABELS.indexOf(label);
const f = Math.fround;
const FRAME = greyFrame(1280, 720);

function simplify(dets: Detection[]) {
  return dets.map((d) => ({ label: d.label, conf: d.conf, box: d.box.map((v) => +v.toFixed(3)) }));
}

/** [1, 4+C, N] with the given boxes (cx, cy, w, h, class, score) at the given indices. */
function v8Output(n: number, boxes: [number, number, number, number, number, string, number][]) {
  const data = new Float32Array((4 + C) * n);
  for (const [i, cx, cy, w, h, label, score] of boxes) {
    [cx, cy, w, h].forEach((v, a) => (data[a * n + i] = v));
    data[(4 + id(label)) * n + i] = score;
  }
  return data;
}

Deno.test({
  name: "yolo: v8/11 layout [1,84,8400] decodes to exact source boxes, vehicles merged",
  sanitizeResources: false,
  async fn() {
    const n = 8400;
    const model = constOutputModel({
      input: [1, 3, 640, 640],
      outputs: {
        output0: [
          [1, 4 + C, n],
          v8Output(n, [
            [10, 320, 320, 100, 200, "person", 0.9],
            [20, 100, 200, 80, 40, "car", 0.8],
            [30, 102, 200, 80, 40, "truck", 0.6], // same vehicle: suppressed by the merged car
            [40, 300, 300, 50, 50, "bicycle", 0.2], // below minConf
            [50, 500, 450, 60, 60, "bus", 0.5],
            [60, 620, 150, 60, 40, "dog", 0.7], // crosses the right edge and the top border
          ]),
        ],
      },
    });
    const det = await loadDetector(model, { threads: 1 });
    try {
      assert.equal(det.kind, "yolov8");
      assert.deepEqual(det.inputSize, { width: 640, height: 640 });
      const dets = await det.detect(FRAME, { minConf: 0.35 });
      assert.deepEqual(simplify(dets), [
        { label: "person", conf: f(0.9), box: [540, 160, 200, 400] },
        { label: "car", conf: f(0.8), box: [120, 80, 160, 80] },
        { label: "dog", conf: f(0.7), box: [1180, 0, 100, 60] },
        { label: "bus", conf: f(0.5), box: [940, 560, 120, 120] },
      ]);
      const vehicles = await det.detect(FRAME, { minConf: 0.35, classes: ["truck", "bus"] });
      // With car filtered out, the truck is the best class for its box and survives.
      assert.deepEqual(simplify(vehicles).map((d) => [d.label, d.conf]), [
        ["truck", f(0.6)],
        ["bus", f(0.5)],
      ]);
      await assert.rejects(() => det.detect(FRAME, { classes: ["tank"] }), /unknown class "tank"/);
    } finally {
      await det.close();
    }
  },
});

Deno.test({
  name: "yolo: v5 layout [1,6300,85] at 320 uses objectness x class score",
  sanitizeResources: false,
  async fn() {
    const n = 3 * (40 * 40 + 20 * 20 + 10 * 10);
    const data = new Float32Array(n * (5 + C));
    const row = (i: number, box: number[], obj: number, label: string, cls: number) => {
      data.set([...box, obj], i * (5 + C));
      data[i * (5 + C) + 5 + id(label)] = cls;
    };
    row(5, [160, 160, 40, 80], 0.9, "person", 1);
    row(100, [50, 100, 20, 20], 0.8, "car", 0.5);
    row(200, [250, 100, 20, 20], 0.3, "person", 1); // objectness too low
    row(300, [50, 100, 20, 20], 1, "truck", 0.6); // beats the car on the same box
    const det = await loadDetector(
      constOutputModel({ input: [1, 3, 320, 320], outputs: { output0: [[1, n, 5 + C], data] } }),
      { threads: 1 },
    );
    try {
      assert.equal(det.kind, "yolov5");
      assert.deepEqual(simplify(await det.detect(FRAME, { minConf: 0.35 })), [
        { label: "person", conf: f(0.9), box: [560, 200, 160, 320] },
        { label: "truck", conf: f(0.6), box: [160, 80, 80, 80] },
      ]);
    } finally {
      await det.close();
    }
  },
});

Deno.test({
  name: "yolo: NMS/end-to-end layout [1,300,6], dynamic input sized from metadata, names used",
  sanitizeResources: false,
  async fn() {
    const data = new Float32Array(300 * 6);
    data.set([100, 200, 200, 400, 0.95, 0], 0);
    data.set([300, 300, 400, 350, 0.85, 1], 6);
    data.set([302, 300, 400, 352, 0.7, 2], 12); // truck on the car: merged by our NMS
    const withMeta = constOutputModel({
      input: ["batch", 3, "height", "width"],
      outputs: { output0: [[1, 300, 6], data] },
      metadata: { imgsz: "[640, 640]", names: "{0: 'person', 1: 'car', 2: 'truck'}" },
    });
    const det = await loadDetector(withMeta, { threads: 1 });
    try {
      assert.equal(det.kind, "yolo-nms");
      assert.deepEqual(det.labels, ["person", "car", "truck"]);
      assert.deepEqual(simplify(await det.detect(FRAME, { minConf: 0.35 })), [
        { label: "person", conf: f(0.95), box: [200, 120, 200, 400] },
        { label: "car", conf: f(0.85), box: [600, 320, 200, 100] },
      ]);
    } finally {
      await det.close();
    }
    // No metadata: dynamic dims fall back to 640 and COCO names.
    const bare = await loadDetector(
      constOutputModel({ input: [1, 3, "h", "w"], outputs: { dets: [[1, 300, 6], data] } }),
      { threads: 1 },
    );
    try {
      assert.deepEqual(bare.inputSize, { width: 640, height: 640 });
      assert.equal(bare.labels.length, 80);
      const dets = await bare.detect(FRAME, { minConf: 0.35 });
      assert.deepEqual(dets.map((d) => d.label), ["person", "bicycle", "car"]);
    } finally {
      await bare.close();
    }
  },
});

Deno.test("yolo: decodeYolo reads the untransposed v8 variant [1,N,84]", () => {
  const n = 3;
  const data = new Float32Array(n * (4 + C));
  data.set([10, 20, 4, 8], 4 + C);
  data[(4 + C) + 4 + id("car")] = 0.5;
  const raw = decodeYolo(
    data,
    { kind: "yolov8", numClasses: C, count: n, transposed: false },
    0.3,
    null,
  );
  assert.deepEqual(raw, [{ classId: id("car"), score: 0.5, x1: 8, y1: 16, x2: 12, y2: 24 }]);
});

Deno.test("load_detector: identifyLayout tells the layouts apart and explains failures", () => {
  const out = (shape: number[], name = "output0") => [{ name, shape }];
  assert.equal(identifyLayout(640, 640, "nchw", out([1, 84, 8400])).kind, "yolov8");
  assert.equal(identifyLayout(640, 640, "nchw", out([1, 8400, 84])).kind, "yolov8");
  assert.equal(identifyLayout(640, 640, "nchw", out([1, 25200, 85])).kind, "yolov5");
  // A one-class yolov5 also has 6 columns; the anchor count tells it from a post-NMS output.
  assert.equal(identifyLayout(640, 640, "nchw", out([1, 25200, 6])).kind, "yolov5");
  assert.equal(identifyLayout(640, 640, "nchw", out([1, 300, 6])).kind, "yolo-nms");
  // yolov5's legacy export adds the raw per-level heads next to the merged output.
  assert.equal(
    identifyLayout(640, 640, "nchw", [
      { name: "output", shape: [1, 25200, 85] },
      { name: "p3", shape: [1, 3, 80, 80, 85] },
    ]).kind,
    "yolov5",
  );
  assert.equal(
    identifyLayout(512, 512, "nhwc", [
      { name: "heat", shape: [1, 128, 128, 80] },
      { name: "wh", shape: [1, 128, 128, 4] },
    ]).kind,
    "centernet",
  );
  assert.throws(
    () => identifyLayout(640, 640, "nchw", out([1, 10])),
    /unrecognised detector layout: input NCHW 640x640; outputs output0 \[1,10\].*Supported: NanoDet/,
  );
  assert.throws(
    () =>
      identifyLayout(512, 512, "nchw", [
        { name: "a", shape: [1, 128, 128, 80] },
        { name: "b", shape: [1, 128, 128, 4] },
      ]),
    /not CenterNet/,
  );
});

Deno.test({
  name: "load_detector: bad layouts and non-ONNX files fail with a clear reason",
  sanitizeResources: false,
  async fn() {
    await assert.rejects(
      () =>
        loadDetector(
          constOutputModel({
            input: [1, 3, 64, 64],
            outputs: { probs: [[1, 10], new Float32Array(10)] },
          }),
        ),
      /unrecognised detector layout: input NCHW 64x64 \(declared \[1,3,64,64\]\); outputs probs \[1,10\]/,
    );
    await assert.rejects(
      () => loadDetector(new TextEncoder().encode("this is a README, not a neural network\n")),
      /not an ONNX model/,
    );
    const tmp = await Deno.makeTempFile({ suffix: ".onnx" });
    try {
      await Deno.writeFile(tmp, new Uint8Array(4096).map((_, i) => (i * 7919) & 0xff));
      await assert.rejects(() => loadDetector(tmp), /not an ONNX model/);
    } finally {
      await Deno.remove(tmp);
    }
    await assert.rejects(() => loadDetector("/nonexistent/m.onnx"), /cannot read model file/);
  },
});
