/**
 * The MediaMTX playback client against a fake playback server that follows the documented
 * contract (https://mediamtx.org/docs/usage/playback): MediaMTX itself cannot run here.
 */
import assert from "node:assert/strict";
import { mp4Facts } from "./clip_recording.ts";
import { MediaMtxPlayback } from "./clip_mediamtx_playback.ts";
import { fakePlayback, REC_START_MS } from "./testing_mediamtx.ts";

Deno.test("MediaMTX playback: a window cut from the keyframe before, waits, partial and gone", async () => {
  const dir = await Deno.makeTempDir();
  const seen: string[] = [];
  const server = fakePlayback(dir, seen);
  let now = REC_START_MS + 60_000;
  const client = (password = "pw") =>
    new MediaMtxPlayback({
      baseUrl: `http://127.0.0.1:${server.addr.port}/`,
      user: "reader",
      password,
      retainMs: 10 * 60_000,
      now: () => now,
    });
  try {
    const playback = client();
    const out = `${dir}/clip.mp4`;
    const r = await playback.cut("cam_02", REC_START_MS + 2500, REC_START_MS + 6000, out);
    assert.equal(r.status, "ok", JSON.stringify(r));
    if (r.status !== "ok") return;
    // Keyframes every second in the sample: the clip starts at the one at 2 s.
    assert.equal(r.startMs, REC_START_MS + 2000);
    assert.ok(Math.abs(r.durationS - 4) < 0.11, `${r.durationS} s`);
    const facts = await mp4Facts(out);
    assert.equal(facts.codec, "h264");
    assert.equal(facts.firstPtsS, 0);
    const get = seen.find((s) => s.startsWith("/get"))!;
    assert.match(get, /path=cam_02&start=2026-11-21T08%3A00%3A02\.500Z&duration=3\.500&format=mp4/);

    // The window runs past what is recorded: wait while it may still come...
    now = REC_START_MS + 16_000;
    const lag = await playback.cut("cam_02", REC_START_MS + 9000, REC_START_MS + 15000, out);
    assert.equal(lag.status, "wait");
    // ...and long after, the clip is what there is.
    now = REC_START_MS + 60_000;
    const part = await playback.cut("cam_02", REC_START_MS + 9000, REC_START_MS + 15000, out);
    assert.equal(part.status, "ok", JSON.stringify(part));
    if (part.status === "ok") {
      assert.equal(part.startMs, REC_START_MS + 9000);
      assert.ok(Math.abs(part.durationS - 3) < 0.11);
    }

    // Not recorded at all: wait within the retention, gone after it.
    const before = [REC_START_MS - 30_000, REC_START_MS - 20_000] as const;
    assert.equal((await playback.cut("cam_02", ...before, out)).status, "wait");
    now = REC_START_MS + 11 * 60_000;
    assert.equal((await playback.cut("cam_02", ...before, out)).status, "gone");

    // Refused credentials and an unreachable server: wait (retried later), never gone.
    now = REC_START_MS + 60_000;
    const refused = await client("wrong").cut(
      "cam_02",
      REC_START_MS + 2500,
      REC_START_MS + 6000,
      out,
    );
    assert.equal(refused.status, "wait");
    await server.shutdown();
    const down = await playback.cut("cam_02", REC_START_MS + 2500, REC_START_MS + 6000, out);
    assert.equal(down.status, "wait");
  } finally {
    await server.shutdown().catch(() => {});
    await Deno.remove(dir, { recursive: true });
  }
});
