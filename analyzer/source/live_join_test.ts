/**
 * The analyzer joins the dev media relay's live stream mid-way (the relay first sends the
 * frames since the last keyframe): capture times must not run ahead of the live edge.
 */
import assert from "node:assert/strict";
import { createMediaRelay } from "../../functions/media-relay/relay.ts";
import { FrameSource } from "./frame_source.ts";

Deno.test({
  name:
    "joining a live relay stream: capture time never ahead of arrival, settles at the live edge",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const clip = new URL("../../samples/vtest.mp4", import.meta.url).pathname;
    const relay = createMediaRelay({
      sources: () => new Map([["cam", { source: clip, loop: true }]]),
      log: () => {},
    });
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, relay.fetch);
    // A first reader starts the stream; the second joins 1.5 s later, mid-GOP.
    const warm = await fetch(`http://127.0.0.1:${server.addr.port}/media/cam.mp4`);
    await new Promise((r) => setTimeout(r, 1550));
    const src = new FrameSource({ source: `http://127.0.0.1:${server.addr.port}/media/cam.mp4` }, {
      reconnect: false,
      lossless: true,
    });
    src.start();
    try {
      const ahead: number[] = [];
      for (let i = 0; i < 30; i++) {
        const f = await src.next();
        assert.ok(f);
        ahead.push(f.meta.captureTs - Date.now());
        src.release(f);
      }
      console.log(
        `capture time minus arrival, ms: max ${Math.max(...ahead).toFixed(0)}, last ${
          ahead.at(-1)!.toFixed(0)
        }`,
      );
      assert.ok(
        Math.max(...ahead) <= 50,
        `never ahead of arrival: ${ahead.map((x) => x.toFixed(0))}`,
      );
      assert.ok(ahead.at(-1)! > -250, "at the live edge after the burst");
    } finally {
      src.stop();
      await warm.body?.cancel();
      await relay.close();
      await server.shutdown();
    }
  },
});
