import assert from "node:assert/strict";
import { ffmpegPath } from "../../../shared/ffmpeg_path.ts";
import { renderScene } from "./encode.ts";
import { groundTruth, type SceneTruth, truthPathFor } from "./oracle.ts";
import { type RawImage, readImage } from "./png.ts";
import { DEFAULT_BACKGROUND, DEFAULT_SPRITE, REPO_ROOT } from "./spec.ts";
import { fullStop, otherDirection, shortTest } from "./catalog.ts";

const NPM_FFMPEG =
  `${REPO_ROOT}/node_modules/.deno/@ffmpeg-installer+linux-x64@4.1.0/node_modules/@ffmpeg-installer/linux-x64/ffmpeg`;

async function _exists(p: string): Promise<boolean> {
  try {
    await Deno.stat(p);
    return true;
  } catch {
    return false;
  }
}

async function _run(bin: string, args: string[]): Promise<Uint8Array> {
  const out = await new Deno.Command(bin, { args, stdout: "piped", stderr: "piped" }).output();
  if (!out.success) {
    throw new Error(`${bin} ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  }
  return out.stdout;
}

/** Decode every frame of a video to RGB24. */
async function _decode(ff: string, path: string, w: number, h: number): Promise<Uint8Array[]> {
  const raw = await _run(ff, [
    "-v",
    "error",
    "-i",
    path,
    "-f",
    "rawvideo",
    "-pix_fmt",
    "rgb24",
    "-",
  ]);
  const F = w * h * 3;
  assert.equal(raw.length % F, 0);
  return Array.from({ length: raw.length / F }, (_, i) => raw.subarray(i * F, (i + 1) * F));
}

/** Stream facts from ffprobe (Debian's; the npm ffmpeg ships none). */
async function _probe(path: string) {
  const out = await _run("ffprobe", [
    "-v",
    "error",
    "-count_frames",
    "-show_entries",
    "stream=codec_name,profile,pix_fmt,has_b_frames,r_frame_rate,nb_read_frames,duration:frame=key_frame,pict_type",
    "-of",
    "json",
    path,
  ]);
  const j = JSON.parse(new TextDecoder().decode(out));
  return { stream: j.streams[0], frames: j.frames as { key_frame: number; pict_type: string }[] };
}

/**
 * Where the sprite really is in a decoded frame: slide an integer-position composite of
 * background + sprite (straight alpha, written here independently of scene.ts) over a +-R px
 * window around the truth, take the shift with the least squared error and refine it to
 * sub-pixel with a parabola. Returns the measured top-left corner of the sprite.
 */
function _locate(
  frame: Uint8Array,
  bg: RawImage,
  sprite: RawImage,
  truthLeft: number,
  truthTop: number,
  R = 5,
): { left: number; top: number } {
  const W = bg.width, H = bg.height, sw = sprite.width, sh = sprite.height;
  const L0 = Math.round(truthLeft), T0 = Math.round(truthTop);
  // Compare over the union of all candidate placements.
  const x0 = Math.max(0, L0 - R), x1 = Math.min(W, L0 + sw + R);
  const y0 = Math.max(0, T0 - R), y1 = Math.min(H, T0 + sh + R);
  const cost = (dx: number, dy: number) => {
    const L = L0 + dx, T = T0 + dy;
    let e = 0;
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) {
        const p = (y * W + x) * 3, sx = x - L, sy = y - T;
        let a = 0, q = 0;
        if (sx >= 0 && sy >= 0 && sx < sw && sy < sh) {
          q = (sy * sw + sx) * 4;
          a = sprite.data[q + 3] / 255;
        }
        for (let c = 0; c < 3; c++) {
          const want = a * (a ? sprite.data[q + c] : 0) + (1 - a) * bg.data[p + c];
          const d = frame[p + c] - want;
          e += d * d;
        }
      }
    }
    return e;
  };
  const costs = new Map<string, number>();
  const at = (dx: number, dy: number) => {
    const k = `${dx},${dy}`;
    if (!costs.has(k)) costs.set(k, cost(dx, dy));
    return costs.get(k)!;
  };
  let best = [0, 0];
  for (let dy = -R; dy <= R; dy++) {
    for (let dx = -R; dx <= R; dx++) if (at(dx, dy) < at(best[0], best[1])) best = [dx, dy];
  }
  const [bx, by] = best;
  const para = (m: number, c: number, p: number) => {
    const den = m - 2 * c + p;
    return den > 0 ? (m - p) / (2 * den) : 0;
  };
  const fx = Math.abs(bx) < R ? para(at(bx - 1, by), at(bx, by), at(bx + 1, by)) : 0;
  const fy = Math.abs(by) < R ? para(at(bx, by - 1), at(bx, by), at(bx, by + 1)) : 0;
  return { left: L0 + bx + fx, top: T0 + by + fy };
}

/** Largest sprite position error (px) over the given frames, using truth vehicle 0. */
async function _positionError(
  frames: Uint8Array[],
  truth: SceneTruth,
  indices: number[],
  flip = false,
): Promise<number> {
  const bg = await readImage(`${REPO_ROOT}/${DEFAULT_BACKGROUND}`, 3);
  const sprite = await readImage(`${REPO_ROOT}/${DEFAULT_SPRITE}`, 4);
  if (flip) {
    const d = sprite.data, w = sprite.width, f = new Uint8Array(d.length);
    for (let y = 0; y < sprite.height; y++) {
      for (let x = 0; x < w; x++) {
        f.set(d.subarray((y * w + x) * 4, (y * w + x) * 4 + 4), (y * w + w - 1 - x) * 4);
      }
    }
    sprite.data = f;
  }
  let worst = 0;
  for (const i of indices) {
    const fr = truth.vehicles[0].frames.find((f) => f.i === i)!;
    const m = _locate(frames[i], bg, sprite, fr.bbox[0], fr.bbox[1]);
    worst = Math.max(worst, Math.hypot(m.left - fr.bbox[0], m.top - fr.bbox[1]));
  }
  return worst;
}

async function _renderAndCheck(ff: string, label: string) {
  const dir = await Deno.makeTempDir({ prefix: "stopline_scene_" });
  try {
    const out = `${dir}/short.mp4`;
    const r = await renderScene(shortTest, out, { ffmpeg: ff });
    assert.equal(r.truthPath, truthPathFor(out));
    assert.deepEqual(JSON.parse(await Deno.readTextFile(r.truthPath!)), r.truth);
    assert.equal(r.truth.vehicles[0].stops[0].duration, 1);

    if (await _exists("/usr/bin/ffprobe")) {
      const { stream, frames } = await _probe(out);
      assert.equal(stream.codec_name, "h264");
      assert.equal(stream.profile, "Main");
      assert.equal(stream.pix_fmt, "yuv420p");
      assert.equal(stream.has_b_frames, 0);
      assert.equal(stream.r_frame_rate, "10/1");
      assert.equal(Number(stream.nb_read_frames), 40);
      assert.equal(Number(stream.duration), 4);
      // GOP = fps: a key frame every 10 frames, only I and P frames.
      assert.deepEqual(frames.flatMap((f, i) => f.key_frame ? [i] : []), [0, 10, 20, 30]);
      assert.ok(frames.every((f) => f.pict_type === "I" || f.pict_type === "P"));
    }

    const decoded = await _decode(ff, out, 768, 576);
    assert.equal(decoded.length, 40);
    // Moving at fractional positions (0..11), standing (12..22), accelerating, cruising.
    const err = await _positionError(decoded, r.truth, [0, 3, 5, 9, 12, 20, 25, 30, 33, 36, 39]);
    console.log(`${label}: max sprite position error ${err.toFixed(2)} px`);
    assert.ok(err <= 2, `sprite ${err.toFixed(2)} px from truth`);
    // The occluder is drawn for 3.0 <= t < 3.4 only.
    const grey = (f: Uint8Array) => {
      const p = (530 * 768 + 730) * 3;
      return Math.abs(f[p] - 128) + Math.abs(f[p + 1] - 128) + Math.abs(f[p + 2] - 128) < 12;
    };
    assert.deepEqual(decoded.map(grey).flatMap((g, i) => g ? [i] : []), [30, 31, 32, 33]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("renderScene with the resolved ffmpeg (Debian 5.1 here): encoding, frames, positions", async () => {
  await _renderAndCheck(await ffmpegPath(), "ffmpeg");
});

// Skipped only off linux-x64: @ffmpeg-installer ships this binary for that platform alone.
Deno.test({
  name: "renderScene with the static npm ffmpeg 4.1",
  ignore: !(await _exists(NPM_FFMPEG)),
  fn: async () => {
    await _renderAndCheck(NPM_FFMPEG, "npm ffmpeg 4.1");
  },
});

Deno.test("committed samples/scenes/full_stop matches its spec", async () => {
  const mp4 = `${REPO_ROOT}/samples/scenes/full_stop.mp4`;
  const truthFile = truthPathFor(mp4);
  const committed = JSON.parse(await Deno.readTextFile(truthFile));
  assert.deepEqual(committed, groundTruth(fullStop), "run scripts/make_samples.ts --only scenes");
  assert.equal(committed.vehicles[0].stop_duration_s, 3.0);
  for (const p of [mp4, truthFile]) assert.ok((await Deno.stat(p)).size < 2 * 1024 * 1024, p);
  const decoded = await _decode(await ffmpegPath(), mp4, 768, 576);
  assert.equal(decoded.length, 120);
  const err = await _positionError(decoded, committed, [20, 30, 44, 60, 74, 80, 90]);
  console.log(`full_stop.mp4: max sprite position error ${err.toFixed(2)} px`);
  assert.ok(err <= 2);
});

Deno.test("renderScene draws a flipped sprite for right-to-left traffic", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stopline_scene_" });
  try {
    const spec = { ...otherDirection, duration: 6 };
    const r = await renderScene(spec, `${dir}/other.mp4`, { truthPath: false });
    assert.equal(r.truthPath, null);
    const decoded = await _decode(await ffmpegPath(), r.video, 768, 576);
    assert.equal(decoded.length, 60);
    const err = await _positionError(decoded, r.truth, [25, 35, 44, 59], true);
    console.log(`other_direction (flipped): max sprite position error ${err.toFixed(2)} px`);
    assert.ok(err <= 2);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
