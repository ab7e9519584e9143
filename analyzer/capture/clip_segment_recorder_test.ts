import assert from "node:assert/strict";
import { pidsWith } from "../../dev/testing/processes.ts";
import { waitFor } from "../../dev/testing/wait.ts";
import { mp4Facts } from "./clip_recording.ts";
import { SegmentRecorder } from "./clip_segment_recorder.ts";

const SAMPLE = new URL("../../samples/scenes/full_stop.mp4", import.meta.url).pathname;

async function _until(what: string, ok: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

Deno.test("segment recorder: records without transcoding, cuts a window from the keyframe before, by capture time", async () => {
  const dir = await Deno.makeTempDir();
  let now = () => Date.now();
  const rec = new SegmentRecorder({ dir, now: () => now() });
  const startedMs = Date.now();
  try {
    await rec.apply(
      new Map([["cam_r", { spec: { source: SAMPLE, loop: true }, retainMinutes: 10 }]]),
    );
    await _until("7 s of recording", () => rec.segments("cam_r").length >= 7, 20_000);
    const segs = rec.segments("cam_r");
    // Segments follow the keyframes (one a second in the sample) on the wall clock the file is
    // paced at (-re): never before ffmpeg was started, and after it by its start-up time only
    // (3445 ms read in a CI run at load 9-12 on 2026-12-02; ffmpeg's first frame took up to 4.4 s
    // beside two busy loops that day).
    const startupMs = segs[0].startMs - startedMs;
    assert.ok(startupMs > -50 && startupMs < 6000, `${startupMs} ms`);
    for (let i = 1; i < segs.length; i++) {
      assert.ok(Math.abs(segs[i].startMs - segs[i - 1].endMs) < 2, "contiguous segments");
      assert.ok(Math.abs(segs[i].endMs - segs[i].startMs - 1000) < 5, "1 s segments");
    }

    // A window inside the recording: starts at the keyframe at or before its start.
    const fromMs = segs[1].startMs + 400;
    const toMs = segs[5].startMs + 300;
    const out = `${dir}/clip.mp4`;
    const r = await rec.cut("cam_r", fromMs, toMs, out);
    assert.equal(r.status, "ok", JSON.stringify(r));
    if (r.status !== "ok") return;
    assert.ok(Math.abs(r.startMs - segs[1].startMs) < 2, "starts at the keyframe before");
    assert.ok(r.startMs <= fromMs);
    const facts = await mp4Facts(out);
    assert.equal(facts.codec, "h264");
    assert.ok(Math.abs(r.durationS - (toMs - r.startMs) / 1000) <= 0.11, `${r.durationS} s`);
    assert.ok(r.startMs + r.durationS * 1000 >= toMs - 100);

    // The window's end is not recorded yet: wait.
    const later = await rec.cut("cam_r", Date.now(), Date.now() + 5_000, `${dir}/later.mp4`);
    assert.equal(later.status, "wait");
    // A camera that is not recorded: wait (the recorder may come back).
    assert.equal((await rec.cut("cam_x", fromMs, toMs, `${dir}/x.mp4`)).status, "wait");
    // Before the recording began, asked long after: gone.
    now = () => Date.now() + 11 * 60_000;
    const before = await rec.cut("cam_r", startedMs - 60_000, startedMs - 50_000, `${dir}/b.mp4`);
    assert.equal(before.status, "gone");
    now = () => Date.now();

    // A restarted analyzer cuts from what was recorded before (the index on disk).
    await rec.close();
    const index = await Deno.readTextFile(`${dir}/cam_r/index.jsonl`);
    assert.match(index, /\{"flushed":"\d+_\d{6}\.mp4"\}\n$/, "the last segment is marked flushed");
    const again = new SegmentRecorder({ dir });
    await again.apply(
      new Map([["cam_r", { spec: { source: "/nonexistent.mp4" }, retainMinutes: 10 }]]),
    );
    const r2 = await again.cut("cam_r", fromMs, toMs, `${dir}/again.mp4`);
    assert.equal(r2.status, "ok", JSON.stringify(r2));
    // The same instant (segments seen since only refine the anchor; the one ffmpeg wrote out as
    // it was stopped does not count, its end is no arrival).
    if (r2.status === "ok") {
      assert.ok(Math.abs(r2.startMs - r.startMs) <= 20, `${r2.startMs - r.startMs}`);
    }
    await again.close();
  } finally {
    await rec.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("segment recorder: its ffmpeg ends when the analyzer is SIGKILLed", async () => {
  const dir = await Deno.makeTempDir();
  const module = new URL("./clip_segment_recorder.ts", import.meta.url).href;
  // An analyzer stand-in: records a looped file (ffmpeg -re -stream_loop -1, which never ends by
  // itself) until it is killed.
  const analyzer = new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      `import { SegmentRecorder } from "${module}";
       const rec = new SegmentRecorder({ dir: ${JSON.stringify(dir)} });
       await rec.apply(new Map([["cam_k", {
         spec: { source: ${JSON.stringify(SAMPLE)}, loop: true },
         retainMinutes: 10,
       }]]));
       setInterval(() => {}, 1000);`,
    ],
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  try {
    // ffmpeg's command line names the camera's directory; the stand-in's does not (the JSON).
    const ffmpegs = async () => (await pidsWith(`${dir}/cam_k/`)).filter((p) => p !== analyzer.pid);
    await waitFor("a recorded segment", async () => {
      const index = await Deno.readTextFile(`${dir}/cam_k/index.jsonl`).catch(() => "");
      return index.length > 0 && (await ffmpegs()).length > 0;
    }, 15_000);
    analyzer.kill("SIGKILL");
    await analyzer.status;
    // Without the watchdog it went on recording for good (74 found after one session's tests).
    await waitFor("no recorder left", async () => (await ffmpegs()).length === 0, 3000, 50);
  } finally {
    try {
      analyzer.kill("SIGKILL");
    } catch {
      // already gone
    }
    await analyzer.status;
    for (const pid of await pidsWith(`${dir}/cam_k/`)) Deno.kill(pid, "SIGKILL");
    await Deno.remove(dir, { recursive: true });
  }
});
