import assert from "node:assert/strict";
import { fragmentCandidates, loopbackOnly } from "./whep.ts";

Deno.test("fragmentCandidates reads the candidates of a trickle fragment with their mid", () => {
  const frag = [
    "a=ice-ufrag:abcd",
    "a=ice-pwd:efgh",
    "m=video 9 UDP/TLS/RTP/SAVPF 0",
    "a=mid:0",
    "a=candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host",
    "a=candidate:2 1 udp 2122260223 10.1.2.3 50001 typ host",
    "a=end-of-candidates",
  ].join("\r\n");
  assert.deepEqual(fragmentCandidates(frag), [
    { candidate: "candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host", sdpMid: "0" },
    { candidate: "candidate:2 1 udp 2122260223 10.1.2.3 50001 typ host", sdpMid: "0" },
  ]);
  assert.deepEqual(fragmentCandidates("a=mid:1\n"), []);
});

Deno.test("loopbackOnly keeps the 127.0.0.1 host candidates and every other line", () => {
  const sdp = [
    "v=0",
    "m=video 9 UDP/TLS/RTP/SAVPF 96",
    "a=candidate:1 1 udp 2130706431 127.0.0.1 40000 typ host",
    "a=candidate:2 1 udp 2130706431 172.17.0.2 40001 typ host",
    "a=end-of-candidates",
    "",
  ].join("\r\n");
  assert.equal(
    loopbackOnly(sdp),
    [
      "v=0",
      "m=video 9 UDP/TLS/RTP/SAVPF 96",
      "a=candidate:1 1 udp 2130706431 127.0.0.1 40000 typ host",
      "a=end-of-candidates",
      "",
    ].join("\r\n"),
  );
});
