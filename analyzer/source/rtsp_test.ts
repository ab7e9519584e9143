/** A real RTSP camera goes away and comes back: the frame source reconnects with backoff. */
import assert from "node:assert/strict";
import { freePort } from "../../dev/free_port.ts";
import { startRtspCamera } from "../../dev/testing/rtsp_camera.ts";
import { FrameSource } from "./frame_source.ts";

async function _frameWithin(src: FrameSource, ms: number): Promise<number> {
  const t0 = Date.now();
  const f = await Promise.race([
    src.next(),
    new Promise<null>((r) => setTimeout(() => r(null), ms)),
  ]);
  if (!f) throw new Error(`no frame within ${ms} ms (${src.state}: ${src.lastError})`);
  src.release(f);
  return Date.now() - t0;
}

Deno.test({
  name: "RTSP camera stops and returns: reconnect with backoff, frames within 3 s of its return",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const port = freePort();
    let cam = await startRtspCamera(port);
    const src = new FrameSource({ source: cam.url }, { reconnect: true, minBackoffMs: 250 });
    src.start();
    try {
      const first = await _frameWithin(src, 10_000);
      console.log(`first frame ${first} ms after start`);
      const f = await src.next();
      assert.ok(f);
      assert.equal(f.meta.width, 640);
      src.release(f);

      await cam.stop();
      // The stream breaks: the source notices and goes into backoff, with the reason.
      const t0 = Date.now();
      while (src.state !== "backoff" && Date.now() - t0 < 20_000) {
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(src.state, "backoff");
      assert.match(src.lastError, /rtsp:\/\/127\.0\.0\.1/);
      await new Promise((r) => setTimeout(r, 3000)); // camera down a while: several retries
      assert.ok(src.restarts >= 2, `retried ${src.restarts} times`);

      cam = await startRtspCamera(port);
      const back = await _frameWithin(src, 3000);
      console.log(`frames again ${back} ms after the camera returned`);
      assert.ok(back <= 3000);
    } finally {
      src.stop();
      await cam.stop();
    }
  },
});
