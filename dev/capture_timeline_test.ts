/**
 * One capture timeline in the live path (issue #13): the analyzer's decoder (FrameSource) and the
 * dev clip recorder (SegmentRecorder) read the real media relay's `/media/<id>.mp4` of
 * samples/vtest.mp4 (every frame distinct) as `deno task dev` does, both with `-copyts` and the
 * camera's shared StreamClock. For each frame the pipeline would analyze (its capture time t), the
 * clip cut from the recording shows at t exactly that frame (same decoded RGB bytes), not the
 * next: the samples' clock and the clips' agree within one frame (median 0 frames), once the
 * shared anchor has settled after the join.
 */
import assert from "node:assert/strict";
import { createMediaRelay } from "../functions/media-relay/index.ts";
import { SegmentRecorder } from "../analyzer/capture/clip_segment_recorder.ts";
import { FrameSource } from "../analyzer/source/frame_source.ts";
import { StreamClock } from "../analyzer/source/stream_clock.ts";
import { ffmpegPath } from "../shared/ffmpeg_path.ts";

const VTEST = new URL("../samples/vtest.mp4", import.meta.url).pathname;

async function _md5(bytes: Uint8Array): Promise<string> {
  // A content key for a frame: SHA-256 via WebCrypto (the name is for brevity).
  const h = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes.slice()));
  return Array.from(h.subarray(0, 12), (b) => b.toString(16).padStart(2, "0")).join("");
}

Deno.test({
  name: "live: a clip's frame at a sample's capture time is the frame the sample was taken from",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const relay = createMediaRelay({
      auth: { secret: null },
      corsOrigins: [],
      sources: () => new Map([["cam", { source: VTEST, loop: true }]]),
      idleStopMs: 3000,
      log: () => {},
    });
    const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, relay.fetch);
    const dir = await Deno.makeTempDir();
    const clock = new StreamClock();
    const spec = {
      source: `http://127.0.0.1:${server.addr.port}/media/cam.mp4`,
      sharedTimeline: true,
    };
    const recorder = new SegmentRecorder({ dir, clock: () => clock });
    const source = new FrameSource(spec, { reconnect: true, clock });
    try {
      // The recorder joins first, the decoder 1.5 s later (a different join point).
      await recorder.apply(new Map([["cam", { spec, retainMinutes: 10 }]]));
      await new Promise((r) => setTimeout(r, 1500));
      source.start();
      // The shared anchor is a minimum over both readers' arrivals: it settles in the first
      // seconds after a join (measured under load 25: the first 3 s of samples 1 frame late,
      // then 0). Frames of the first SETTLE_MS after the decoder's first are not compared.
      const SETTLE_MS = 5000;
      const seen: { ts: number; key: string }[] = [];
      const until = Date.now() + 60_000;
      let firstAt = 0;
      while (Date.now() < until && seen.length < 60) {
        const f = await source.next();
        if (!f) break;
        firstAt ||= Date.now();
        if (Date.now() - firstAt >= SETTLE_MS) {
          seen.push({ ts: f.meta.captureTs, key: await _md5(f.data) });
        }
        source.release(f);
      }
      assert.ok(seen.length >= 40, `${seen.length} frames decoded`);
      // A window well inside what both saw; wait for the recording to reach it.
      const fromMs = seen[10].ts, toMs = seen[seen.length - 10].ts;
      const out = `${dir}/clip.mp4`;
      let cut = await recorder.cut("cam", fromMs, toMs, out);
      for (let i = 0; i < 40 && cut.status === "wait"; i++) {
        await new Promise((r) => setTimeout(r, 250));
        cut = await recorder.cut("cam", fromMs, toMs, out);
      }
      assert.equal(cut.status, "ok", JSON.stringify(cut));
      if (cut.status !== "ok") return;
      // The clip's frames, decoded the way the analyzer decodes (RGB24), at clip_start + n/fps.
      const raw = await new Deno.Command(await ffmpegPath(), {
        args: ["-v", "error", "-i", out, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
        stdout: "piped",
      }).output();
      const size = 768 * 576 * 3;
      const clipKeys = new Map<string, number>();
      for (let o = 0, n = 0; o + size <= raw.stdout.length; o += size, n++) {
        clipKeys.set(await _md5(raw.stdout.subarray(o, o + size)), cut.startMs + n * 100);
      }
      // For each decoded frame inside the clip: where the clip has it vs its capture time.
      const offsets: number[] = [];
      for (const s of seen) {
        const at = clipKeys.get(s.key);
        if (at === undefined) continue;
        offsets.push(Math.round((at - s.ts) / 100) + 0); // + 0: no -0
      }
      console.log(
        `clip time - capture time, frames: ${JSON.stringify(offsets)} (${clock.epoch} epoch)`,
      );
      assert.ok(offsets.length >= 20, `${offsets.length} frames matched`);
      assert.ok(offsets.every((o) => Math.abs(o) <= 1), "every frame within one frame");
      offsets.sort((a, b) => a - b);
      assert.equal(offsets[offsets.length >> 1], 0, "the median is the same frame");
    } finally {
      source.stop();
      await recorder.close();
      await relay.close();
      await server.shutdown();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
