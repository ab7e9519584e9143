/**
 * Dev half of the annotated stream (issue #14 §6): a camera with `annotated: true` in config is
 * also served as `<cam>_annotated`, fed by the analyzer's annotate ffmpeg over the relay's Unix
 * socket, under the camera's own access.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { AnnotatedStream } from "../../analyzer/annotate/annotated_stream.ts";
import { annotatedSocketUrl } from "../../shared/annotated_socket.ts";
import { bearer } from "../passes/testing.ts";
import { createMediaRelay } from "./index.ts";
import { configSources } from "./sources.ts";

const SECRET = "media-relay-annotated-secret-0123456789abcdef";

Deno.test("media relay: <cam>_annotated plays what the analyzer publishes into its socket, for viewers of the camera", async () => {
  const dir = await Deno.makeTempDir({ prefix: "relay_annotated_" });
  const sockets = join(dir, "s");
  const config = join(dir, "stopline.yaml");
  await Deno.writeTextFile(
    config,
    [
      "cameras:",
      "  cam_a:",
      "    source: samples/vtest.mp4",
      "    annotated: true",
      "  cam_b:",
      "    source: samples/vtest.mp4",
      "",
    ].join("\n"),
  );
  const sources = configSources(config, sockets);
  assert.deepEqual([...sources().keys()].sort(), ["cam_a", "cam_a_annotated", "cam_b"]);
  assert.equal((await Deno.stat(sockets)).mode! & 0o777, 0o700);

  const relay = createMediaRelay({
    auth: { secret: SECRET },
    corsOrigins: [],
    sources,
    idleStopMs: 300,
    log: () => {},
  });
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, relay.fetch);
  const base = `http://127.0.0.1:${server.addr.port}`;
  const publisher = new AnnotatedStream({
    camera: "cam_a",
    target: annotatedSocketUrl(sockets, "cam_a"),
    fps: 10,
    restartMinMs: 100,
    log: () => {},
  });
  const frame = { width: 160, height: 120, data: new Uint8Array(160 * 120 * 3).fill(200) };
  const pushing = setInterval(() => publisher.offer(frame), 100);
  try {
    // Access follows the camera: a viewer of cam_b may not watch cam_a's annotated stream.
    const other = await fetch(`${base}/media/cam_a_annotated.mp4`, {
      headers: await bearer(SECRET, { sub: "v", role: "viewer", cameras: ["cam_b"] }),
    });
    assert.equal(other.status, 401);
    await other.body?.cancel();

    const res = await fetch(`${base}/media/cam_a_annotated.mp4`, {
      headers: await bearer(SECRET, { sub: "v", role: "viewer", cameras: ["cam_a"] }),
    });
    assert.equal(res.status, 200);
    const reader = res.body!.getReader();
    const chunks: Uint8Array[] = [];
    let bytes = 0;
    const deadline = Date.now() + 20_000;
    while (bytes < 20_000 && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      chunks.push(value);
      bytes += value.length;
    }
    await reader.cancel();
    assert.ok(bytes > 0, "no video from the annotated stream");
    const file = join(dir, "got.mp4");
    const all = new Uint8Array(bytes);
    chunks.reduce((at, c) => (all.set(c, at), at + c.length), 0);
    await Deno.writeFile(file, all);
    const probe = await new Deno.Command("ffprobe", {
      args: [
        "-v",
        "error",
        "-show_entries",
        "stream=codec_name,width,height",
        "-of",
        "csv=p=0",
        file,
      ],
    }).output();
    assert.equal(new TextDecoder().decode(probe.stdout).trim(), "h264,160,120");
    assert.ok(publisher.stats.sent > 0);
  } finally {
    clearInterval(pushing);
    await publisher.close();
    await relay.close();
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
