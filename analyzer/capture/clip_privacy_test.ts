/**
 * Clips of a camera with `privacy: { blur: [plate], clips: true }`: the clip worker re-encodes
 * the cut (real ffmpeg, the sample scene as its recording) with the vehicle's plate band from the
 * pass's samples pixelated; everything else stays as it was. With `keep_originals` the remuxed
 * (unblurred) original is stored under originals/ too, surviving a store outage; without it,
 * never. Also prints the re-encoding cost (CPU s per clip second; docs/PERFORMANCE.md).
 */
import assert from "node:assert/strict";
import type { Box } from "../../shared/geometry.ts";
import { ffmpegPath } from "../../shared/ffmpeg_path.ts";
import { LocalObjectStore, type ObjectStore } from "../../shared/object_store/mod.ts";
import { originalUri } from "../../shared/original_uri.ts";
import { boxAt, plateBand, timedBoxes } from "./clip_privacy.ts";
import { FileRecording } from "./clip_file_recording.ts";
import { mp4Facts } from "./clip_recording.ts";
import { ClipWorker, passClipUri } from "./clip_worker.ts";
import { PrivacyBoxLog } from "./privacy_boxes.ts";

const SAMPLE = new URL("../../samples/scenes/full_stop.mp4", import.meta.url).pathname;
const W = 768, H = 576;

Deno.test("clip privacy: boxes are interpolated between samples and carried on outside them", () => {
  const track = timedBoxes([
    { ts: 2000, box: [200, 100, 40, 20] },
    { ts: 1000, box: [100, 100, 40, 20] },
    { ts: 1500, cx: 1 }, // a sample without a box is skipped
  ]);
  assert.deepEqual(track, [[1000, 100, 100, 40, 20], [2000, 200, 100, 40, 20]]);
  assert.deepEqual(boxAt(track, 1500), [150, 100, 40, 20]);
  assert.deepEqual(boxAt(track, 3000), [300, 100, 40, 20], "post-roll: the motion carried on");
  assert.deepEqual(boxAt(track, 0), [0, 100, 40, 20], "pre-roll: the motion carried back");
  assert.equal(boxAt([], 0), null);
  // The lower half of the box, grown by 10% of its size on each side.
  assert.deepEqual(plateBand([100, 100, 40, 20]), [96, 108, 48, 14]);
});

/** The frame at `atS` of an MP4 as RGB24. */
async function frameAt(path: string, atS: number): Promise<Uint8Array> {
  const out = await new Deno.Command(await ffmpegPath(), {
    args: [
      ...["-v", "error", "-ss", `${atS}`, "-i", path, "-frames:v", "1"],
      ...["-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
    ],
    stdout: "piped",
  }).output();
  assert.ok(out.success);
  assert.equal(out.stdout.length, W * H * 3);
  return out.stdout;
}

/** Mean |difference| between horizontal neighbours inside `r` (detail left there). */
function detail(rgb: Uint8Array, r: Box): number {
  let sum = 0, n = 0;
  for (let y = r[1]; y < r[1] + r[3]; y++) {
    for (let x = r[0]; x + 1 < r[0] + r[2]; x++) {
      sum += Math.abs(rgb[(y * W + x) * 3 + 1] - rgb[(y * W + x + 1) * 3 + 1]);
      n++;
    }
  }
  return sum / n;
}

/** Mean |difference| of two frames inside `r`. */
function diff(a: Uint8Array, b: Uint8Array, r: Box): number {
  let sum = 0, n = 0;
  for (let y = r[1]; y < r[1] + r[3]; y++) {
    for (let x = r[0]; x < r[0] + r[2]; x++) {
      const i = (y * W + x) * 3 + 1;
      sum += Math.abs(a[i] - b[i]);
      n++;
    }
  }
  return sum / n;
}

Deno.test("clip privacy: the published clip has the plate band pixelated, the rest intact (H.264)", async () => {
  const dir = await Deno.makeTempDir();
  const anchorMs = Date.parse("2026-11-21T08:00:00Z");
  try {
    const local = new LocalObjectStore(`${dir}/objects`);
    // An outage switch: the original is retried from the spool like the clip.
    let down = false;
    const store: ObjectStore = {
      kind: "local",
      put: (uri, data, type) =>
        down ? Promise.reject(new Error("store down")) : local.put(uri, data, type),
      get: (uri) => local.get(uri),
      delete: (uri) => local.delete(uri),
      list: (bucket, prefix) => local.list(bucket, prefix),
    };
    const clipOf = async (blurPlates: boolean, keepOriginal = false) => {
      const bucket = blurPlates ? (keepOriginal ? "kept" : "blurred") : "plain";
      // The analyzer's per-frame boxes: the vehicle standing at the frame centre, 10 fps.
      const box: Box = [304, 208, 160, 160];
      const boxes = new PrivacyBoxLog();
      for (let t = 0; t <= 12_000; t += 100) boxes.add("scene", anchorMs + t, [], [box]);
      const worker = new ClipWorker({
        boxes,
        recording: new FileRecording(SAMPLE, anchorMs),
        store,
        rows: null,
        spoolDir: `${dir}/spool-${bucket}`,
        bucket,
        settings: () => ({
          enabled: true,
          pre_roll_s: 1,
          post_roll_s: 1,
          ...(blurPlates ? { privacy: { people: false, plates: true }, keepOriginal } : {}),
        }),
      });
      try {
        // The vehicle's samples over the pass (box in source px).
        const samples = [3000, 5000, 7000].map((t) => ({ ts: anchorMs + t, box }));
        const pass = {
          id: "scene:1:1",
          camera: "scene",
          track_id: 1,
          label: "car",
          verdict: "full_stop" as const,
          time_in_zone_s: 4,
          stop_duration_s: 3,
          min_speed_px_s: 0,
          entry_speed_px_s: 80,
          image: null,
          entered_at: anchorMs + 3000,
          exited_at: anchorMs + 7000,
          samples,
        };
        await worker.addPass(pass);
        const uri = passClipUri(bucket, "scene", pass.id, pass.exited_at);
        if (keepOriginal) {
          // The store is down when the clip is cut: neither object is lost, both come later.
          down = true;
          assert.equal(await worker.drain(), false);
          assert.equal(await store.get(originalUri(uri)), null);
          down = false;
        }
        assert.ok(await worker.drain());
        const path = `${dir}/${bucket}.mp4`;
        const obj = await store.get(uri);
        assert.ok(obj, "the clip is stored");
        await Deno.writeFile(path, obj.data);
        const original = await store.get(originalUri(uri));
        if (original) await Deno.writeFile(`${dir}/${bucket}.orig.mp4`, original.data);
        assert.deepEqual(
          await Array.fromAsync(Deno.readDir(`${dir}/spool-${bucket}`)),
          [],
          "the spool is empty once both are stored",
        );
        return {
          path,
          original: original ? `${dir}/${bucket}.orig.mp4` : null,
          worker,
          band: plateBand(box).map(Math.round) as Box,
        };
      } finally {
        await worker.close();
      }
    };
    const plain = await clipOf(false);
    const blurred = await clipOf(true);
    const kept = await clipOf(true, true);
    assert.equal(plain.original, null);
    assert.equal(blurred.original, null, "no original clip without keep_originals");
    assert.ok(kept.original, "keep_originals: the original clip is stored under originals/");
    const [pf, bf] = [await mp4Facts(plain.path), await mp4Facts(blurred.path)];
    const keptOriginal: string = kept.original;
    // Its published twin is the re-encoded clip (its blur is checked on the run without originals).
    assert.notDeepEqual(await Deno.readFile(kept.path), await Deno.readFile(keptOriginal));
    assert.deepEqual((await mp4Facts(kept.path)).codec, "h264");
    const of = await mp4Facts(keptOriginal);
    assert.equal(of.codec, "h264");
    assert.ok(Math.abs(of.durationS - pf.durationS) < 0.05, `${of.durationS} vs ${pf.durationS}`);
    assert.equal(bf.codec, "h264");
    assert.ok(Math.abs(bf.durationS - pf.durationS) < 0.15, `${bf.durationS} vs ${pf.durationS}`);
    assert.equal(blurred.worker.blurred, 1);

    const band = blurred.band; // [288, 280, 192, 96]
    const above: Box = [0, 0, W, band[1] - 8]; // everything above the band
    for (const atS of [0.5, 2.5, 4.5]) {
      const [p, b] = [await frameAt(plain.path, atS), await frameAt(blurred.path, atS)];
      assert.ok(
        detail(b, band) < detail(p, band) / 2,
        `${atS}s: band detail ${detail(b, band)} vs ${detail(p, band)}`,
      );
      assert.ok(diff(p, b, above) < 3, `${atS}s: outside the band ${diff(p, b, above)}`);
      // The original is the remuxed cut: the plain clip's frames.
      const o = await frameAt(keptOriginal, atS);
      const all: Box = [0, 0, W, H];
      assert.ok(diff(p, o, all) < 0.5, `${atS}s: original vs plain ${diff(p, o, all)}`);
    }
    const perClipS = blurred.worker.blurCpuS / bf.durationS;
    console.log(
      `clip privacy re-encode: ${blurred.worker.blurCpuS.toFixed(2)} CPU s for a ` +
        `${bf.durationS.toFixed(2)} s ${W}x${H} clip = ${
          perClipS.toFixed(3)
        } CPU s per clip second`,
    );
    assert.ok(blurred.worker.blurCpuS > 0, "the cost is measured");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
