import assert from "node:assert/strict";
import { redactSource } from "./redact.ts";

Deno.test("redact: user info and secret query parameters, anywhere in a line", () => {
  assert.equal(redactSource("rtsp://admin:hunter2@10.0.0.9/s1"), "rtsp://***@10.0.0.9/s1");
  assert.equal(
    redactSource("error opening http://u:p@h/x?token=abc&w=1 failed"),
    "error opening http://***@h/x?token=***&w=1 failed",
  );
  assert.equal(
    redactSource("srt://h:9000?passphrase=x&pass=y"),
    "srt://h:9000?passphrase=x&pass=***",
  );
  assert.equal(redactSource("/videos/cam.mp4"), "/videos/cam.mp4");
});

Deno.test("redact: the decode worker's import stays free of zod and yaml", async () => {
  // The worker's module graph is part of every restart: keep this module dependency-free.
  const text = await Deno.readTextFile(new URL("./redact.ts", import.meta.url));
  assert.doesNotMatch(text, /^import /m);
  const worker = await Deno.readTextFile(
    new URL("../analyzer/source/decode_worker.ts", import.meta.url),
  );
  assert.doesNotMatch(worker, /shared\/config\.ts/);
});
