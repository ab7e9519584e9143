/**
 * Privacy end to end through the offline pipeline (real ffmpeg, real NanoDet): with
 * `privacy.blur: [person]` the stored crop is pixelated where the detector saw a person, and the
 * camera's tracked classes stay as configured. The scene has no pedestrian, so the test's
 * detector adds a person covering the whole frame to what NanoDet finds.
 */
import assert from "node:assert/strict";
import jpeg from "jpeg-js";
import { parseConfigYaml } from "../../shared/config.ts";
import { analyzeFile, type AnalyzeOptions } from "../cli.ts";
import { ensureNanodetOnnx } from "../model/nanodet_model.ts";
import { resolveFilePath } from "../sources.ts";
import { originalImageUri } from "../../shared/original_image_uri.ts";

async function crop(
  privacy: boolean,
): Promise<{ data: Uint8Array; width: number; height: number }> {
  const cfg = parseConfigYaml(await Deno.readTextFile(resolveFilePath("config/scenes.yaml")));
  const camera = {
    ...cfg.cameras.scene,
    ...(privacy
      ? { privacy: { blur: ["person" as const], clips: false, keep_originals: false } }
      : {}),
  };
  const objectsDir = await Deno.makeTempDir();
  const asked: string[][] = [];
  try {
    const lines: string[] = [];
    await analyzeFile({
      source: resolveFilePath("samples/scenes/full_stop.mp4"),
      camera,
      cameraId: "scene",
      modelPath: await ensureNanodetOnnx(resolveFilePath(".data/models")),
      anchorMs: Date.parse("2026-11-21T08:00:00Z"),
      objectsDir,
      events: false,
      write: (l) => void lines.push(l),
      wrapDetector: (d) => ({
        async detect(frame, opts) {
          asked.push(opts.classes);
          const r = await d.detect(frame, opts);
          const person = { label: "person", conf: 0.9, box: [0, 0, frame.width, frame.height] };
          return { ...r, detections: [...r.detections, person] } as typeof r;
        },
      }),
    });
    const pass = JSON.parse(lines.find((l) => l.includes('"type":"pass"'))!);
    assert.equal(pass.verdict, "full_stop", "the person never becomes a tracked, judged object");
    // People are asked for only when the camera blurs them.
    assert.equal(asked[0].includes("person"), privacy);
    const uri = new URL(pass.image.replace("minio://", "file:///"));
    const bytes = await Deno.readFile(`${objectsDir}${uri.pathname}`);
    return jpeg.decode(bytes, { useTArray: true });
  } finally {
    await Deno.remove(objectsDir, { recursive: true });
  }
}

/** Mean absolute difference between horizontal neighbours (detail left in the image). */
function detail(img: { data: Uint8Array; width: number; height: number }): number {
  let sum = 0;
  let n = 0;
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x + 1 < img.width; x++) {
      const i = (y * img.width + x) * 4;
      sum += Math.abs(img.data[i] - img.data[i + 4]) + Math.abs(img.data[i + 1] - img.data[i + 5]);
      n++;
    }
  }
  return sum / n;
}

/**
 * The stored objects of the scene's pass with `privacy` given: the published crop, and the
 * original when one was stored (keep_originals).
 */
async function objects(
  privacy: { blur: ("person" | "plate")[]; clips: boolean; keep_originals: boolean },
  plates?: AnalyzeOptions["plates"],
): Promise<{ crop: Uint8Array; original: Uint8Array | null }> {
  const cfg = parseConfigYaml(await Deno.readTextFile(resolveFilePath("config/scenes.yaml")));
  const objectsDir = await Deno.makeTempDir();
  try {
    const lines: string[] = [];
    await analyzeFile({
      source: resolveFilePath("samples/scenes/full_stop.mp4"),
      camera: { ...cfg.cameras.scene, privacy },
      cameraId: "scene",
      modelPath: await ensureNanodetOnnx(resolveFilePath(".data/models")),
      anchorMs: Date.parse("2026-11-21T08:00:00Z"),
      objectsDir,
      events: false,
      write: (l) => void lines.push(l),
      plates,
    });
    const pass = JSON.parse(lines.find((l) => l.includes('"type":"pass"'))!);
    const path = (uri: string) =>
      `${objectsDir}${new URL(uri.replace("minio://", "file:///")).pathname}`;
    const crop = await Deno.readFile(path(pass.image));
    const original = await Deno.readFile(path(originalImageUri(pass.image))).catch(() => null);
    return { crop, original };
  } finally {
    await Deno.remove(objectsDir, { recursive: true });
  }
}

Deno.test("privacy: originals are kept only with keep_originals, under originals/", async () => {
  const none = await objects({ blur: ["person"], clips: false, keep_originals: false });
  assert.equal(none.original, null, "no original without keep_originals");
  const kept = await objects({ blur: ["person", "plate"], clips: false, keep_originals: true });
  assert.ok(kept.original, "the original is stored beside the crop");
  const plain = await crop(false);
  const original = jpeg.decode(kept.original, { useTArray: true });
  assert.equal(original.width, plain.width);
  // The original is the unblurred crop (same encoder, same frame).
  assert.ok(
    Math.abs(detail(original) - detail(plain)) < 0.5,
    `${detail(original)} vs ${detail(plain)}`,
  );
});

Deno.test("privacy: a camera that blurs people stores only pixelated crops where people are", async () => {
  const plain = await crop(false);
  const blurred = await crop(true);
  assert.equal(blurred.width, plain.width);
  assert.equal(blurred.height, plain.height);
  // A whole-frame person: the crop is a few flat 128 px blocks, nearly no detail left.
  assert.ok(detail(plain) > 2, `the plain crop has detail: ${detail(plain)}`);
  assert.ok(
    detail(blurred) < detail(plain) / 4,
    `pixelated: ${detail(blurred)} vs ${detail(plain)}`,
  );
});

Deno.test("privacy: when the plate detector cannot load, the whole vehicle is pixelated (fail closed)", async () => {
  const plain = await crop(false);
  const r = await objects(
    { blur: ["plate"], clips: false, keep_originals: false },
    () => Promise.reject(new Error("no model here")),
  );
  const closed = jpeg.decode(r.crop, { useTArray: true });
  assert.equal(closed.width, plain.width);
  // The crop is the box grown by 20% a side: its middle (0.2..0.8 of each side) is the vehicle.
  const middle = (img: typeof plain) => {
    const [x0, y0] = [Math.round(img.width * 0.2), Math.round(img.height * 0.2)];
    const [w, h] = [Math.round(img.width * 0.6), Math.round(img.height * 0.6)];
    const data = new Uint8Array(w * h * 4);
    for (let y = 0; y < h; y++) {
      data.set(
        img.data.subarray(((y0 + y) * img.width + x0) * 4, ((y0 + y) * img.width + x0 + w) * 4),
        y * w * 4,
      );
    }
    return { data, width: w, height: h };
  };
  const [c, p] = [detail(middle(closed)), detail(middle(plain))];
  assert.ok(c < p / 3, `the vehicle is pixelated: ${c} vs ${p}`);
});
