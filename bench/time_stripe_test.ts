import assert from "node:assert/strict";
import { drawStamp, msSinceStamp, readStamp, stampBits, stampChecksum } from "./time_stripe.ts";

const W = 320;
const H = 240;

/** Grayscale -> RGBA, optionally scaled by nearest neighbour (a page draws at any size). */
function _rgba(gray: Uint8Array, w: number, h: number, outW = w, outH = h): Uint8ClampedArray {
  const out = new Uint8ClampedArray(outW * outH * 4);
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      const v = gray[Math.floor((y * h) / outH) * w + Math.floor((x * w) / outW)];
      out.set([v, v, v, 255], (y * outW + x) * 4);
    }
  }
  return out;
}

Deno.test("stamp bits: 32 bits of ms mod 2^32, most significant first, then the CRC-8", () => {
  const bits = stampBits(2 ** 32 + 5);
  assert.equal(bits.length, 40);
  assert.deepEqual(bits.slice(0, 32).join(""), "0".repeat(29) + "101");
  assert.equal(parseInt(bits.slice(32).join(""), 2), stampChecksum(5));
  assert.notEqual(stampChecksum(0), 0, "an all-black stripe is no stamp");
  assert.notEqual(stampChecksum(2 ** 32 - 1), 0xff, "nor an all-white one");
  assert.notEqual(stampChecksum(1), stampChecksum(2));
});

Deno.test("readStamp reads what drawStamp drew, at the frame's size and scaled", () => {
  const t = 1_764_000_123_456;
  const frame = new Uint8Array(W * H).fill(60);
  drawStamp(frame, W, t);
  assert.equal(readStamp(_rgba(frame, W, H), W, H), t % 2 ** 32);
  assert.equal(readStamp(_rgba(frame, W, H, 640, 480), 640, 480), t % 2 ** 32);
  // Only the stripe's rows (what the harness copies from its canvas).
  assert.equal(readStamp(_rgba(frame, W, H).subarray(0, W * 32 * 4), W, 32), t % 2 ** 32);
});

Deno.test("readStamp rejects a frame without a stamp or with a flipped bit", () => {
  const frame = new Uint8Array(W * H).fill(60);
  assert.equal(readStamp(_rgba(frame, W, H), W, H), null);
  assert.equal(readStamp(_rgba(new Uint8Array(W * H).fill(250), W, H), W, H), null);
  drawStamp(frame, W, 123_456_789);
  // Flip one block of the time bits: the checksum no longer matches.
  for (let y = 0; y < 16; y++) {
    frame.fill(frame[y * W + 40] > 128 ? 16 : 235, y * W + 32, y * W + 48);
  }
  assert.equal(readStamp(_rgba(frame, W, H), W, H), null);
  assert.equal(readStamp(new Uint8ClampedArray(4 * 10 * 2), 10, 2), null, "too small");
});

Deno.test("msSinceStamp handles the 2^32 wrap and a stamp slightly ahead", () => {
  assert.equal(msSinceStamp(1000, 2 ** 32 * 3 + 1100), 100);
  assert.equal(msSinceStamp(2 ** 32 - 50, 2 ** 32 * 2 + 50), 100, "across the wrap");
  assert.equal(msSinceStamp(1000, 2 ** 32 + 990), -10);
});

Deno.test("stamps survive real H.264 (libx264 ultrafast, as the clock source encodes)", async () => {
  const frames = 20;
  const times = Array.from({ length: frames }, (_, i) => 1_764_000_000_000 + i * 33 + i * i);
  const raw = new Uint8Array(W * H * frames);
  times.forEach((t, i) => {
    const f = raw.subarray(i * W * H, (i + 1) * W * H);
    f.fill(60);
    for (let y = 120; y < 160; y++) f.fill(200, y * W + i * 8, y * W + i * 8 + 24);
    drawStamp(f, W, t);
  });
  const dir = await Deno.makeTempDir({ prefix: "stopline-stripe-" });
  try {
    const enc = new Deno.Command("ffmpeg", {
      args: [
        ...["-hide_banner", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "gray"],
        ...["-s", `${W}x${H}`, "-framerate", "30", "-i", "pipe:0"],
        ...["-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency"],
        ...["-pix_fmt", "yuv420p", "-y", `${dir}/clip.mp4`],
      ],
      stdin: "piped",
    }).spawn();
    const w = enc.stdin.getWriter();
    await w.write(raw);
    await w.close();
    assert.ok((await enc.status).success);
    // Decoded to RGBA at twice the size, as a browser might scale it.
    const dec = await new Deno.Command("ffmpeg", {
      args: [
        ...["-hide_banner", "-loglevel", "error", "-i", `${dir}/clip.mp4`],
        ...["-vf", `scale=${W * 2}:${H * 2}`, "-f", "rawvideo", "-pix_fmt", "rgba", "pipe:1"],
      ],
    }).output();
    assert.ok(dec.success);
    const size = W * 2 * H * 2 * 4;
    assert.equal(dec.stdout.length, size * frames);
    const read = times.map((_, i) =>
      readStamp(new Uint8ClampedArray(dec.stdout.buffer, i * size, size), W * 2, H * 2)
    );
    assert.deepEqual(read, times.map((t) => t % 2 ** 32));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
