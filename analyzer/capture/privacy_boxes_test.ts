/**
 * People blurred in clips (privacy.clips with `blur: [person]`): the unit rules of the per-frame
 * box log, then the real thing: the people of samples/vtest.mp4 detected by NanoDet (real ONNX)
 * at 5 fps into the log, a pass's clip cut by the clip worker (real ffmpeg) and re-encoded; in
 * every frame of the clip, every person NanoDet finds on the unblurred clip (run again on each
 * of its frames at 10 fps, a stricter threshold) lies inside the regions pixelated at that
 * frame's capture time and the published pixels there are the mosaic's, not the person's; the
 * rest of the frame is as it was (up to the re-encoding). Prints the cost (CPU s per clip second; docs/PERFORMANCE.md).
 */
import assert from "node:assert/strict";
import type { Box } from "../../shared/geometry.ts";
import { ffmpegPath } from "../../shared/ffmpeg_path.ts";
import { LocalObjectStore } from "../../shared/object_store/mod.ts";
import { InferenceClient } from "../detector/inference_client.ts";
import { ensureNanodetOnnx } from "../model/nanodet_model.ts";
import { resolveFilePath } from "../sources.ts";
import { FileRecording } from "./clip_file_recording.ts";
import { mp4Facts } from "./clip_recording.ts";
import { ClipWorker, passClipUri } from "./clip_worker.ts";
import { pixelateRegions } from "./privacy_blur.ts";
import {
  MAX_GAP_MS,
  mergeFrames,
  PERSON_MARGIN,
  PrivacyBoxLog,
  regionsAt,
  validFrames,
  WHOLE_FRAME,
} from "./privacy_boxes.ts";

Deno.test("privacy boxes: matched people are interpolated, unmatched held, gaps fail closed", () => {
  const log = new PrivacyBoxLog(10_000);
  log.add("c", 1000, [[100, 100, 20, 40]], []);
  log.add("c", 1200, [[120, 100, 20, 40], [300, 50, 10, 20]], [[0, 0, 100, 50]]);
  log.add("c", 1100, [[0, 0, 1, 1]], []); // older than the newest: ignored
  const w = log.window("c", 1000, 1200);
  assert.equal(w.coveredToMs, 1200);
  assert.equal(w.frames.length, 2);
  const people = { people: true };
  // Half-way: the matched person moved half; the new person is shown where first seen.
  const mid = regionsAt(w.frames, 1100, people);
  const g = (b: Box): Box => [
    b[0] - b[2] * PERSON_MARGIN,
    b[1] - b[3] * PERSON_MARGIN,
    b[2] * (1 + 2 * PERSON_MARGIN),
    b[3] * (1 + 2 * PERSON_MARGIN),
  ];
  assert.deepEqual(mid, [g([110, 100, 20, 40]), g([300, 50, 10, 20])]);
  // Vehicles give plate bands only when asked for.
  assert.equal(regionsAt(w.frames, 1200, people).length, 2);
  const band = (b: Box): Box => [b[0], b[1] + b[3] / 2, b[2], b[3] / 2];
  assert.deepEqual(regionsAt(w.frames, 1200, { people: false, plateBand: band }), [[
    0,
    25,
    100,
    25,
  ]]);
  // Held for MAX_GAP_MS after the last detection, then the whole frame.
  assert.deepEqual(regionsAt(w.frames, 1200 + MAX_GAP_MS, people).length, 2);
  assert.deepEqual(regionsAt(w.frames, 1201 + MAX_GAP_MS, people), [WHOLE_FRAME]);
  assert.deepEqual(regionsAt(w.frames, 999 - MAX_GAP_MS, people), [WHOLE_FRAME]);
  assert.deepEqual(regionsAt([], 0, people), [WHOLE_FRAME]);
  // Frames older than keepMs behind the newest are dropped.
  log.add("c", 11_500, [], []);
  assert.deepEqual(log.window("c", 0, 20_000).frames.map((f) => f[0]), [11_500]);
  assert.deepEqual(log.window("other", 0, 1).coveredToMs, -Infinity);
  // Spooled frames are input: malformed ones are dropped; merges keep one frame per ts.
  assert.deepEqual(validFrames([[1, [1, 2, 3], []], [2, [], []], "x", [Number.NaN, [], []]]), [
    [2, [], []],
  ]);
  assert.deepEqual(mergeFrames([[1, [], []], [3, [], []]], [[2, [], []], [3, [1, 1, 1, 1], []]]), [
    [1, [], []],
    [2, [], []],
    [3, [1, 1, 1, 1], []],
  ]);
});

const VTEST = resolveFilePath("samples/vtest.mp4");
const W = 768, H = 576, FRAME = W * H * 3;

/** Every frame of an MP4 (or a part of it) as RGB24. */
async function frames(path: string, fromS = 0, durS?: number): Promise<Uint8Array[]> {
  const out = await new Deno.Command(await ffmpegPath(), {
    args: [
      ...["-v", "error", "-ss", `${fromS}`, "-i", path],
      ...(durS ? ["-t", `${durS}`] : []),
      ...["-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
    ],
    stdout: "piped",
  }).output();
  assert.ok(out.success);
  const list: Uint8Array[] = [];
  for (let o = 0; o + FRAME <= out.stdout.length; o += FRAME) {
    list.push(out.stdout.subarray(o, o + FRAME));
  }
  return list;
}

/** Mean |difference| of two RGB24 frames inside `r` (green). */
function diff(a: Uint8Array, b: Uint8Array, r: Box): number {
  let sum = 0, n = 0;
  for (let y = r[1]; y < r[1] + r[3]; y++) {
    for (let x = r[0]; x < r[0] + r[2]; x++) {
      sum += Math.abs(a[(y * W + x) * 3 + 1] - b[(y * W + x) * 3 + 1]);
      n++;
    }
  }
  return n ? sum / n : 0;
}

/** The share of `b`'s pixels inside any of `regions`. */
function coverage(b: Box, regions: readonly Box[]): number {
  let inside = 0;
  for (let y = b[1]; y < b[1] + b[3]; y++) {
    for (let x = b[0]; x < b[0] + b[2]; x++) {
      if (regions.some((r) => x >= r[0] && x < r[0] + r[2] && y >= r[1] && y < r[1] + r[3])) {
        inside++;
      }
    }
  }
  return inside / (b[2] * b[3]);
}

function clampBox(b: Box): Box {
  const x0 = Math.max(0, Math.round(b[0])), y0 = Math.max(0, Math.round(b[1]));
  const x1 = Math.min(W, Math.round(b[0] + b[2])), y1 = Math.min(H, Math.round(b[1] + b[3]));
  return [x0, y0, Math.max(0, x1 - x0), Math.max(0, y1 - y0)];
}

Deno.test({
  name: "privacy boxes: people walking in vtest are pixelated in every clip frame, the rest intact",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const anchorMs = Date.parse("2026-11-21T08:00:00Z");
    const detector = await InferenceClient.start(
      await ensureNanodetOnnx(resolveFilePath(".data/models")),
      { threads: 2 },
    );
    try {
      // The analyzer's log: NanoDet on every other frame (detect.fps 5 of a 10 fps camera) from
      // 16 s to 24 s of the file, people at the pipeline's lowest score.
      const log = new PrivacyBoxLog();
      const source = await frames(VTEST, 16, 8);
      for (let i = 0; i < source.length; i += 2) {
        const r = await detector.detect(
          { width: W, height: H, data: source[i].slice() },
          { minConf: 0.1, classes: ["person"] },
        );
        log.add("vt", anchorMs + 16_000 + i * 100, r.detections.map((d) => d.box), []);
      }
      const store = new LocalObjectStore(`${dir}/objects`);
      const pass = {
        id: "vt:1:1",
        camera: "vt",
        track_id: 1,
        label: "car",
        verdict: "full_stop" as const,
        time_in_zone_s: 2,
        stop_duration_s: 1,
        min_speed_px_s: 0,
        entry_speed_px_s: 80,
        image: null,
        entered_at: anchorMs + 19_000,
        exited_at: anchorMs + 21_000,
        samples: [],
      };
      const clipOf = async (people: boolean) => {
        const worker = new ClipWorker({
          recording: new FileRecording(VTEST, anchorMs),
          store,
          rows: null,
          spoolDir: `${dir}/spool-${people}`,
          bucket: people ? "blurred" : "plain",
          boxes: log,
          settings: () => ({
            enabled: true,
            pre_roll_s: 1,
            post_roll_s: 1,
            ...(people ? { privacy: { people: true, plates: false } } : {}),
          }),
        });
        try {
          await worker.addPass(pass);
          assert.ok(await worker.drain());
          const obj = await store.get(
            passClipUri(people ? "blurred" : "plain", "vt", pass.id, pass.exited_at),
          );
          assert.ok(obj, "the clip is stored");
          const path = `${dir}/${people}.mp4`;
          await Deno.writeFile(path, obj.data);
          return { path, worker };
        } finally {
          await worker.close();
        }
      };
      const plain = await clipOf(false);
      const blurred = await clipOf(true);
      const bf = await mp4Facts(blurred.path);
      assert.equal(bf.codec, "h264");
      const [pFrames, bFrames] = [await frames(plain.path), await frames(blurred.path)];
      assert.equal(bFrames.length, pFrames.length);
      assert.ok(pFrames.length >= 30, `${pFrames.length} frames`);

      // The clip's first frame's capture time (the same cut the worker made) and the boxes.
      const cut = await new FileRecording(VTEST, anchorMs).cut(
        "vt",
        pass.entered_at - 1000,
        pass.exited_at + 1000,
        `${dir}/cut.mp4`,
      );
      assert.equal(cut.status, "ok");
      if (cut.status !== "ok") return;
      const logged = log.window("vt", cut.startMs, cut.startMs + 10_000).frames;
      // Ground truth: NanoDet on every frame of the unblurred clip, confident people only.
      let people = 0, hidden = 0;
      const misses: string[] = [];
      let outsideDiff = 0, outsideN = 0;
      for (const [n, p] of pFrames.entries()) {
        const r = await detector.detect(
          { width: W, height: H, data: p.slice() },
          { minConf: 0.5, classes: ["person"] },
        );
        // What the worker pixelated at this frame's capture time, applied to the plain frame.
        const regions = regionsAt(logged, cut.startMs + n * 100, { people: true });
        const rgba = new Uint8Array(W * H * 4);
        for (let k = 0; k < W * H; k++) rgba.set(p.subarray(k * 3, k * 3 + 3), k * 4);
        pixelateRegions(rgba, W, H, regions);
        const mosaic = new Uint8Array(W * H * 3);
        for (let k = 0; k < W * H; k++) mosaic.set(rgba.subarray(k * 4, k * 4 + 3), k * 3);
        for (const d of r.detections) {
          // The person's body: the box without its outer tenth (the detector's edges vary).
          const b = d.box;
          const inner = clampBox([b[0] + b[2] * 0.1, b[1] + b[3] * 0.1, b[2] * 0.8, b[3] * 0.8]);
          if (inner[2] < 8 || inner[3] < 8) continue;
          people++;
          // Inside what was pixelated at that time, and the published pixels are the mosaic's:
          // nearer the mosaic of the plain frame than the plain frame (by 2x at least).
          const covered = coverage(inner, regions);
          const [toMosaic, toPlain] = [diff(bFrames[n], mosaic, inner), diff(bFrames[n], p, inner)];
          if (covered >= 0.98 && toMosaic * 2 < toPlain) hidden++;
          else {
            misses.push(
              `frame ${n} box ${inner}: ${covered.toFixed(3)} covered, |diff| to the mosaic ` +
                `${toMosaic.toFixed(1)}, to the original ${toPlain.toFixed(1)}`,
            );
          }
        }
        // Elsewhere: every pixel outside the pixelated regions (sampled).
        for (let i = 0; i < W * H; i += 7) {
          const x = i % W, y = Math.floor(i / W);
          if (regions.some((q) => x >= q[0] && x < q[0] + q[2] && y >= q[1] && y < q[1] + q[3])) {
            continue;
          }
          outsideDiff += Math.abs(p[i * 3 + 1] - bFrames[n][i * 3 + 1]);
          outsideN++;
        }
      }
      console.log(
        `vtest clip: ${pFrames.length} frames, ${people} person boxes, ${hidden} pixelated; ` +
          `mean |diff| elsewhere ${(outsideDiff / outsideN).toFixed(2)}`,
      );
      assert.ok(people >= pFrames.length * 2, `people seen: ${people}`);
      assert.deepEqual(misses, [], "every person in every frame is pixelated");
      // Re-encoding (x264 crf 23) changes untouched pixels only a little.
      assert.ok(outsideDiff / outsideN < 4, `elsewhere: ${outsideDiff / outsideN}`);
      const perClipS = blurred.worker.blurCpuS / bf.durationS;
      console.log(
        `clip people blur: ${blurred.worker.blurCpuS.toFixed(2)} CPU s for a ` +
          `${bf.durationS.toFixed(2)} s ${W}x${H} clip = ${
            perClipS.toFixed(3)
          } CPU s per clip second`,
      );
    } finally {
      detector.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("privacy boxes: a clip job waits for the post-roll's boxes, keeps them across a restart, and pixelates what the analyzer never saw whole", async () => {
  const dir = await Deno.makeTempDir();
  const anchorMs = Date.parse("2026-11-21T08:00:00Z");
  const scene = resolveFilePath("samples/scenes/full_stop.mp4");
  let now = anchorMs + 5_000;
  try {
    const store = new LocalObjectStore(`${dir}/objects`);
    const log = new PrivacyBoxLog();
    // The analyzer saw no one from 0 to 4 s (its boxes so far), the pass is 3-4 s, post-roll 1 s.
    for (let t = 0; t <= 4_000; t += 100) log.add("scene", anchorMs + t, [], []);
    const worker = (boxes: PrivacyBoxLog) =>
      new ClipWorker({
        recording: new FileRecording(scene, anchorMs),
        store,
        rows: null,
        spoolDir: `${dir}/spool`,
        bucket: "clips",
        boxes,
        now: () => now,
        settings: () => ({
          enabled: true,
          pre_roll_s: 1,
          post_roll_s: 1,
          privacy: { people: true, plates: false },
        }),
      });
    const pass = {
      id: "scene:9:9",
      camera: "scene",
      track_id: 9,
      label: "car",
      verdict: "full_stop" as const,
      time_in_zone_s: 1,
      stop_duration_s: 1,
      min_speed_px_s: 0,
      entry_speed_px_s: 80,
      image: null,
      entered_at: anchorMs + 3_000,
      exited_at: anchorMs + 4_000,
      samples: [],
    };
    const first = worker(log);
    await first.addPass(pass);
    assert.equal(await first.drain(), false, "waits: the analyzer is not past the post-roll");
    assert.match(first.lastError, /waits for the analyzer's boxes/);
    await first.close();
    // A restart: the boxes logged before it are in the spooled job; after it, nothing is known
    // of 4-5 s, and after the lag the clip is cut with those frames pixelated whole.
    const job = JSON.parse(
      await Deno.readTextFile(
        `${dir}/spool/${[...Deno.readDirSync(`${dir}/spool`)][0].name}`,
      ),
    );
    assert.equal(job.privacy.until_ms, anchorMs + 4_000);
    assert.ok(job.privacy.frames.length >= 30, `${job.privacy.frames.length} frames spooled`);
    const second = worker(new PrivacyBoxLog());
    now = anchorMs + 5_000 + 25_000;
    assert.ok(await second.drain(), "cut after the lag");
    await second.close();
    const obj = await store.get(passClipUri("clips", "scene", pass.id, pass.exited_at));
    assert.ok(obj);
    await Deno.writeFile(`${dir}/c.mp4`, obj.data);
    const fs = await frames(`${dir}/c.mp4`);
    const src = await frames(scene);
    // Frames 2.0-5.0 s of the scene: seen (3.0-4.0 s + 1.5 s hold) intact, the rest flat blocks.
    const whole: Box = [0, 0, W, H];
    for (const [n, f] of fs.entries()) {
      const t = 2_000 + n * 100;
      const d = diff(f, src[t / 100], whole);
      if (t <= 4_000 + MAX_GAP_MS) assert.ok(d < 4, `${t} ms: intact (${d})`);
      else assert.ok(d > 8, `${t} ms: pixelated whole (${d})`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
