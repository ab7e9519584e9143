import assert from "node:assert/strict";
import { stderrTail, stopChild } from "./ffmpeg_child.ts";

Deno.test("stopChild: SIGKILL after the grace when SIGTERM is ignored", async () => {
  const child = new Deno.Command("sh", {
    args: ["-c", "trap '' TERM; echo up; sleep 30"],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.getReader();
  await reader.read(); // the trap is set
  reader.releaseLock();
  const started = Date.now();
  const status = await stopChild(child, 200);
  await child.stdout.cancel();
  assert.equal(status.signal, "SIGKILL");
  assert.ok(Date.now() - started < 5_000);
});

Deno.test("stderrTail: the last three lines, joined and redacted", async () => {
  const text = "one\ntwo\nthree rtsp://user:pw@cam/x\nfour secret-src\n";
  const stream = ReadableStream.from([new TextEncoder().encode(text)]);
  const tail = await stderrTail(stream, (t) => t.replaceAll("secret-src", "<src>"));
  assert.ok(tail.startsWith("two | three "), tail);
  assert.ok(tail.endsWith(" | four <src>"), tail);
  assert.ok(!tail.includes("pw@"), tail);
});
