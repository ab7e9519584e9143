import assert from "node:assert/strict";
import { mp4Facts } from "./clip_recording.ts";
import { FileRecording } from "./clip_file_recording.ts";

const SAMPLE = new URL("../../samples/scenes/full_stop.mp4", import.meta.url).pathname;

Deno.test("file recording: a window of the source file from the keyframe before, on its capture timeline", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const anchor = Date.UTC(2026, 10, 21, 8, 0, 0);
    const rec = new FileRecording(SAMPLE, anchor);
    const r = await rec.cut("cam", anchor + 3400, anchor + 8200, `${dir}/a.mp4`);
    assert.equal(r.status, "ok", JSON.stringify(r));
    if (r.status !== "ok") return;
    assert.equal(r.startMs, anchor + 3000); // keyframes every second in the sample
    assert.ok(Math.abs(r.durationS - 5.2) < 0.11, `${r.durationS}`);
    const facts = await mp4Facts(`${dir}/a.mp4`);
    assert.equal(facts.codec, "h264");
    assert.equal(facts.firstPtsS, 0);

    // A pre-roll reaching before the file's start: from the first frame.
    const early = await rec.cut("cam", anchor - 3000, anchor + 2000, `${dir}/b.mp4`);
    assert.equal(early.status, "ok");
    if (early.status === "ok") {
      assert.equal(early.startMs, anchor);
      assert.ok(Math.abs(early.durationS - 2) < 0.11);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
