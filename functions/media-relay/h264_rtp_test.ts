import assert from "node:assert/strict";
import {
  answerProfileLevelId,
  containsBytes,
  isRtcp,
  profileLevelId,
  rtpPayload,
  sliceBytes,
  spsOf,
  startsKeyframe,
} from "./h264_rtp.ts";

const SPS = [0x67, 0x4d, 0x00, 0x1f, 0x9a];
const PPS = [0x68, 0xee, 0x3c, 0x80];

function rtp(payload: number[], opts: { csrc?: number; ext?: number[]; pad?: number } = {}) {
  const head = [0x80 | (opts.csrc ?? 0) | (opts.ext ? 0x10 : 0) | (opts.pad ? 0x20 : 0), 96];
  head.push(0, 1, 0, 0, 0, 2, 0, 0, 0, 3);
  for (let i = 0; i < (opts.csrc ?? 0); i++) head.push(0, 0, 0, i);
  if (opts.ext) head.push(0xbe, 0xde, 0, opts.ext.length / 4, ...opts.ext);
  const pad = opts.pad ? [...new Array(opts.pad - 1).fill(0), opts.pad] : [];
  return new Uint8Array([...head, ...payload, ...pad]);
}

Deno.test("rtpPayload skips CSRCs, header extensions and padding", () => {
  const p = [0x41, 1, 2, 3];
  assert.deepEqual([...rtpPayload(rtp(p))!], p);
  assert.deepEqual([...rtpPayload(rtp(p, { csrc: 2, ext: [1, 2, 3, 4], pad: 3 }))!], p);
  assert.equal(rtpPayload(new Uint8Array([0x40, 96, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])), undefined);
  assert.equal(rtpPayload(new Uint8Array(5)), undefined);
});

Deno.test("isRtcp tells sender reports from media", () => {
  assert.ok(isRtcp(new Uint8Array([0x80, 200, 0, 6])));
  assert.ok(!isRtcp(rtp([0x41])));
});

Deno.test("startsKeyframe: SPS, STAP-A with SPS, IDR, first FU-A of an IDR; not P slices", () => {
  assert.ok(startsKeyframe(new Uint8Array(SPS)));
  const stapA = [24, 0, SPS.length, ...SPS, 0, PPS.length, ...PPS];
  assert.ok(startsKeyframe(new Uint8Array(stapA)));
  assert.ok(startsKeyframe(new Uint8Array([0x65, 0x88])));
  assert.ok(startsKeyframe(new Uint8Array([0x7c, 0x85, 1, 2])), "FU-A start of IDR");
  assert.ok(!startsKeyframe(new Uint8Array([0x7c, 0x05, 1, 2])), "FU-A middle of IDR");
  assert.ok(!startsKeyframe(new Uint8Array([0x7c, 0x81, 1, 2])), "FU-A start of a P slice");
  assert.ok(!startsKeyframe(new Uint8Array([0x41, 0x9a])));
  assert.ok(!startsKeyframe(new Uint8Array([24, 0, 4, ...PPS])), "STAP-A without SPS or IDR");
});

Deno.test("spsOf and profileLevelId read the SPS, alone or aggregated", () => {
  assert.equal(profileLevelId(spsOf(new Uint8Array(SPS))!), "4d001f");
  const stapA = new Uint8Array([24, 0, PPS.length, ...PPS, 0, SPS.length, ...SPS]);
  assert.equal(profileLevelId(spsOf(stapA)!), "4d001f");
  assert.equal(spsOf(new Uint8Array([0x65, 1, 2, 3])), undefined);
});

Deno.test("answerProfileLevelId picks the offer's value for the stream's profile", () => {
  const offer = [
    "m=video 9 UDP/TLS/RTP/SAVPF 96 102 104 106",
    "a=rtpmap:96 VP8/90000",
    "a=rtpmap:102 H264/90000",
    "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f",
    "a=rtpmap:104 H264/90000",
    "a=fmtp:104 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=4d001f",
    "a=rtpmap:106 H264/90000",
    "a=fmtp:106 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=4d0032",
    "",
  ].join("\r\n");
  assert.equal(answerProfileLevelId(offer, "4d401e"), "4d0032", "same profile, mode 1");
  assert.equal(answerProfileLevelId(offer, "42c01e"), "42001f");
  assert.equal(answerProfileLevelId(offer, "640028"), "640028", "not offered: the stream's own");
});

Deno.test("sliceBytes: a slice NAL alone, in a STAP-A, or an FU-A's data; none from SPS/PPS", () => {
  const data = Uint8Array.from({ length: 60 }, (_, i) => i + 100);
  const idr = Uint8Array.of(0x65, ...data);
  assert.deepEqual([...sliceBytes(idr)!], [...idr]);
  const fuA = Uint8Array.of(0x7c, 0x85, ...data);
  assert.deepEqual([...sliceBytes(fuA)!], [...data]);
  const p = Uint8Array.of(0x41, 7, 8, 9);
  const stapA = Uint8Array.of(0x78, 0, SPS.length, ...SPS, 0, PPS.length, ...PPS, 0, 4, ...p);
  assert.deepEqual([...sliceBytes(stapA)!], [...p]);
  assert.equal(sliceBytes(Uint8Array.of(...SPS)), null, "SPS");
  assert.equal(sliceBytes(Uint8Array.of(0x78, 0, SPS.length, ...SPS)), null, "STAP-A of SPS");
  const sample = Uint8Array.of(0, 0, 0, 61, ...idr, 9, 9);
  assert.ok(containsBytes(sample, sliceBytes(idr)!));
  assert.equal(containsBytes(sample, Uint8Array.of(...idr.subarray(0, 30), 7)), false);
});
