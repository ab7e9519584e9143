/**
 * The plate search worker (plate_search.ts): the real PP-OCRv4 text detector in its Web Worker
 * finds on a frame of the sample scene exactly what the detector finds in process, also when given
 * only the crop's rectangle (what the pipeline sends: the regions come back shifted by its corner);
 * a model it cannot open rejects (the pipeline then pixelates the whole vehicle).
 */
import assert from "node:assert/strict";
import type { Box } from "../../shared/geometry.ts";
import { ensureTextDetOnnx } from "../model/text_det_model.ts";
import { resolveFilePath } from "../sources.ts";
import { copyRect, cropRect } from "./crop.ts";
import { PlateSearchWorker } from "./plate_search.ts";
import { PlateTextDetector } from "./plate_text_detector.ts";

Deno.test("plate search worker: same regions as in process, on the whole frame or the crop's rectangle", async () => {
  const [fw, fh] = [768, 576];
  const truth = JSON.parse(
    await Deno.readTextFile(resolveFilePath("samples/scenes/full_stop.truth.json")),
  );
  // A frame with the van wholly in view (its plate found there: plate_text_detector_test.ts).
  const f = (truth.vehicles[0].frames as { i: number; bbox: Box }[]).find((f) =>
    f.i >= 48 && f.bbox[0] >= 0 && f.bbox[0] + f.bbox[2] <= fw
  )!;
  const data = (await new Deno.Command("ffmpeg", {
    args: ["-v", "error", "-i", resolveFilePath("samples/scenes/full_stop.mp4")]
      .concat(["-vf", `select=eq(n\\,${f.i})`, "-frames:v", "1"])
      .concat(["-f", "rawvideo", "-pix_fmt", "rgb24", "-"]),
    stdout: "piped",
  }).output()).stdout;
  const frame = { width: fw, height: fh, data };
  const model = await ensureTextDetOnnx(resolveFilePath(".data/models"));
  const inProcess = await PlateTextDetector.open(model);
  const worker = new PlateSearchWorker(model);
  try {
    const expected = await inProcess.detect(frame, f.bbox);
    assert.ok(expected.length >= 1, "the van's plate is found");
    assert.deepEqual(await worker.detect(frame, f.bbox), expected);
    // The crop's rectangle only (copied), the van's box moved into it.
    const r = cropRect(f.bbox, fw, fh, 0.2);
    const sub = copyRect(frame, r).data;
    const moved: Box = [f.bbox[0] - r[0], f.bbox[1] - r[1], f.bbox[2], f.bbox[3]];
    const inCrop = await worker.detect({ width: r[2], height: r[3], data: sub }, moved);
    assert.deepEqual(
      inCrop.map((b) => [b[0] + r[0], b[1] + r[1], b[2], b[3]].map((v) => v.toFixed(6))),
      expected.map((b) => b.map((v) => v.toFixed(6))),
    );
    assert.equal(worker.searches, 2);
    console.log(
      `plate search in the worker: ${(worker.searchMsTotal / 2).toFixed(0)} ms per vehicle`,
    );
  } finally {
    worker.close();
    await inProcess.release();
  }
  const broken = new PlateSearchWorker("/nonexistent/ppocr.onnx");
  await assert.rejects(broken.detect(frame, f.bbox), /cannot open/);
  assert.equal(broken.searches, 0);
  assert.equal(broken.failed, 1);
  broken.close();
});
