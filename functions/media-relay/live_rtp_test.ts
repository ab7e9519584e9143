import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { rtpPayload, startsKeyframe } from "./h264_rtp.ts";
import { ffmpegRtpArgs, LiveRtpStream } from "./live_rtp.ts";

const SAMPLE = fileURLToPath(new URL("../../samples/vtest.mp4", import.meta.url));

Deno.test("ffmpegRtpArgs: copy (no transcode), SPS/PPS in band, loopback RTP with muxed RTCP", () => {
  const args = ffmpegRtpArgs({ source: SAMPLE, loop: true }, 40000).join(" ");
  assert.match(args, /-re -stream_loop -1 -i \S+vtest\.mp4/);
  assert.match(args, /-c copy/);
  assert.match(args, /-bsf:v h264_mp4toannexb,dump_extra=freq=keyframe/);
  assert.match(args, /-f rtp rtp:\/\/127\.0\.0\.1:40000\?pkt_size=1200&rtcpport=40000$/);
  const rtsp = ffmpegRtpArgs({ source: "rtsp://cam/x", loop: false }, 1).join(" ");
  assert.match(rtsp, /-rtsp_transport tcp -i rtsp:\/\/cam\/x/);
});

Deno.test("LiveRtpStream: real ffmpeg, packets and the SPS arrive; ffmpeg stops when idle", async () => {
  const stream = new LiveRtpStream({
    camera: "cam_01",
    spec: { source: SAMPLE, loop: true },
    idleStopMs: 200,
    log: () => {},
  });
  try {
    const packets: Uint8Array[] = [];
    const unsubscribe = stream.subscribe((p) => packets.push(p));
    const sps = await stream.waitForSps(10_000);
    assert.ok(sps, "an SPS within one GOP");
    assert.equal(sps[0] & 0x1f, 7);
    const until = Date.now() + 5000;
    while (packets.length < 40 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    assert.ok(packets.length >= 40, `packets ${packets.length}`);
    assert.ok(packets.every((p) => p[1] < 200 || p[1] > 204), "no RTCP handed out");
    assert.ok(packets.some((p) => startsKeyframe(rtpPayload(p)!)), "keyframes are marked");
    assert.ok(stream.stats.running);
    unsubscribe();
    const stopBy = Date.now() + 5000;
    while (stream.stats.running && Date.now() < stopBy) await new Promise((r) => setTimeout(r, 50));
    assert.equal(stream.stats.running, false, "ffmpeg stopped after the idle delay");
  } finally {
    await stream.close();
  }
});
