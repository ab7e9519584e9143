import assert from "node:assert/strict";
import { FrameSource } from "./frame_source.ts";

const CLIP = new URL("../../samples/vtest.mp4", import.meta.url).pathname;

Deno.test("decodes a file to RGB24 frames with PTS-derived capture times", async () => {
  const src = new FrameSource({ source: CLIP }, { reconnect: false, anchorMs: 1_000_000 });
  src.start();
  const times: number[] = [];
  try {
    for (let i = 0; i < 25; i++) {
      const f = await src.next();
      assert.ok(f, "frame expected");
      assert.equal(f.meta.width, 768);
      assert.equal(f.meta.height, 576);
      assert.equal(f.data.byteLength, 768 * 576 * 3);
      times.push(f.meta.captureTs);
      src.release(f);
    }
  } finally {
    src.stop();
  }
  // 10 fps clip: consecutive pulled frames are 100 ms apart in capture time unless dropped,
  // and capture time never goes backwards.
  assert.equal(times[0] % 100, 0);
  for (let i = 1; i < times.length; i++) {
    assert.ok(times[i] > times[i - 1]);
    assert.equal((times[i] - times[0]) % 100, 0);
  }
});

Deno.test("keeps only the newest frame when the consumer is slow, counting drops", async () => {
  const src = new FrameSource({ source: CLIP }, { reconnect: false, anchorMs: 0 });
  src.start();
  try {
    const first = await src.next();
    assert.ok(first);
    src.release(first);
    await new Promise((r) => setTimeout(r, 800)); // ffmpeg decodes far more than one frame here
    const later = await src.next();
    assert.ok(later);
    assert.ok(later.meta.n > first.meta.n + 1, "the newest frame, not the next one");
    assert.ok(src.dropped >= later.meta.n - first.meta.n - 1);
    assert.ok(src.dropped > 0);
  } finally {
    src.stop();
  }
});

Deno.test("a file source without reconnect ends with null; a missing file reports why", async () => {
  const src = new FrameSource({ source: "/nonexistent/clip.mp4" }, { reconnect: false });
  src.start();
  assert.equal(await src.next(), null);
  assert.equal(src.state, "ended");
  assert.match(src.lastError, /No such file/);
});

Deno.test("a live source that fails is retried with growing backoff", async () => {
  const src = new FrameSource(
    { source: "rtsp://user:secret@127.0.0.1:1/none" },
    { reconnect: true, minBackoffMs: 50, maxBackoffMs: 200 },
  );
  src.start();
  try {
    for (let i = 0; i < 100 && src.restarts < 2; i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(src.restarts >= 2, `restarts ${src.restarts}`);
    assert.equal(src.state === "backoff" || src.state === "starting", true);
    assert.ok(!src.lastError.includes("secret"), "credentials are redacted");
  } finally {
    src.stop();
  }
});

Deno.test("lossless mode delivers every frame to a slow consumer, in order", async () => {
  const src = new FrameSource({ source: CLIP }, { reconnect: false, anchorMs: 0, lossless: true });
  src.start();
  try {
    for (let i = 0; i < 15; i++) {
      const f = await src.next();
      assert.ok(f);
      assert.equal(f.meta.n, i);
      assert.equal(f.meta.captureTs, i * 100);
      src.release(f);
      if (i === 3) await new Promise((r) => setTimeout(r, 500));
    }
    assert.equal(src.dropped, 0);
  } finally {
    src.stop();
  }
});
