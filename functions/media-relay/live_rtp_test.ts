import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { containsBytes, rtpPayload, sliceBytes, startsKeyframe } from "./h264_rtp.ts";
import { LiveFmp4Stream } from "./live_fmp4.ts";
import { ffmpegRtpArgs, LiveRtpStream, rtpTimeOf } from "./live_rtp.ts";
import { initTimescale } from "../../shared/fmp4_time.ts";

const SAMPLE = fileURLToPath(new URL("../../samples/vtest.mp4", import.meta.url));

Deno.test("ffmpegRtpArgs: live fMP4 in, copy (no transcode), SPS/PPS in band, loopback RTP", () => {
  const args = ffmpegRtpArgs(40000).join(" ");
  assert.match(args, /-f mp4 -i pipe:0/);
  assert.match(args, /-c copy/);
  assert.match(args, /-bsf:v h264_mp4toannexb,dump_extra=freq=keyframe/);
  assert.match(args, /-f rtp rtp:\/\/127\.0\.0\.1:40000\?pkt_size=1200&rtcpport=40000$/);
});

Deno.test("LiveRtpStream: real ffmpeg from the relay's fMP4; SPS, keyframes, RTP time = fMP4 time; both stop when idle", async () => {
  const fmp4 = new LiveFmp4Stream({
    camera: "cam_01",
    spec: { source: SAMPLE, loop: true },
    idleStopMs: 200,
    log: () => {},
  });
  const stream = new LiveRtpStream({ camera: "cam_01", fmp4, idleStopMs: 200, log: () => {} });
  try {
    // The fragments' own times on the RTP clock (subscribed first: the same fragments).
    let timescale: number | null = null;
    const fragmentAt = new Map<number, Uint8Array>();
    const unsubscribeFmp4 = fmp4.subscribe((ev) => {
      if (ev.type === "init") timescale = initTimescale(ev.data);
      else if (ev.type === "fragment" && timescale) {
        fragmentAt.set(rtpTimeOf(ev.data, timescale)!, ev.data.slice());
      }
    });
    const packets: Uint8Array[] = [];
    const unsubscribe = stream.subscribe((p) => packets.push(p));
    assert.equal(
      fmp4.subscribers,
      2,
      "the RTP side is one subscriber of the camera's fMP4 (+ the test)",
    );
    const sps = await stream.waitForSps(10_000);
    assert.ok(sps, "an SPS within one GOP");
    assert.equal(sps[0] & 0x1f, 7);
    const until = Date.now() + 15_000; // a wait, not a bound: a loaded host starts ffmpeg late
    const frameTimes = () =>
      new Set(packets.map((p) => new DataView(p.buffer, p.byteOffset).getUint32(4)));
    while ((packets.length < 40 || frameTimes().size < 3) && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(packets.length >= 40, `packets ${packets.length}`);
    assert.ok(packets.every((p) => p[1] < 200 || p[1] > 204), "no RTCP handed out");
    assert.ok(startsKeyframe(rtpPayload(packets[0])!), "ffmpeg's output starts at a keyframe");
    assert.ok(stream.stats.running);
    // ffmpeg's random RTP base is gone: each packet's timestamp is its fragment's time at 90 kHz.
    const rtpTimes = frameTimes();
    assert.ok(rtpTimes.size >= 3, `frames ${rtpTimes.size}`);
    // Ground truth, not just "some frame's time": the packet's H.264 bytes are in the fragment
    // of that time (a shift by whole frames would pass a check of the times alone).
    let compared = 0;
    for (const p of packets) {
      const t = new DataView(p.buffer, p.byteOffset).getUint32(4);
      const fragment = fragmentAt.get(t);
      assert.ok(fragment, `RTP time ${t} is no fragment's time`);
      const bytes = sliceBytes(rtpPayload(p)!);
      if (!bytes) continue;
      assert.ok(
        containsBytes(fragment, bytes),
        `packet at RTP time ${t}: its bytes are another frame's`,
      );
      compared++;
    }
    assert.ok(compared >= 3, `slice packets compared: ${compared}`);
    unsubscribeFmp4();
    unsubscribe();
    const stopBy = Date.now() + 5000;
    while ((stream.stats.running || fmp4.stats.running) && Date.now() < stopBy) {
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(stream.stats.running, false, "the RTP ffmpeg stopped after the idle delay");
    assert.equal(fmp4.subscribers, 0);
  } finally {
    await stream.close();
    await fmp4.close();
  }
});
