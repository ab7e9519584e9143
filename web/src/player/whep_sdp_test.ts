import assert from "node:assert/strict";
import { parseFragment, parseOffer, sdpFragment } from "./whep_sdp.ts";

const OFFER = [
  "v=0",
  "o=- 1 2 IN IP4 127.0.0.1",
  "s=-",
  "t=0 0",
  "a=group:BUNDLE 0 1",
  "m=video 9 UDP/TLS/RTP/SAVPF 96",
  "a=ice-ufrag:uF",
  "a=ice-pwd:pW",
  "a=mid:0",
  "m=audio 9 UDP/TLS/RTP/SAVPF 111",
  "a=ice-ufrag:uF",
  "a=ice-pwd:pW",
  "a=mid:1",
  "",
].join("\r\n");

Deno.test("whep sdp: offer credentials and sections", () => {
  const o = parseOffer(OFFER);
  assert.equal(o.iceUfrag, "uF");
  assert.equal(o.icePwd, "pW");
  assert.deepEqual(o.medias, ["video 9 UDP/TLS/RTP/SAVPF 96", "audio 9 UDP/TLS/RTP/SAVPF 111"]);
  assert.deepEqual(o.mids, ["0", "1"]);
});

Deno.test("whep sdp: trickle fragment groups candidates by section and round-trips", () => {
  const o = parseOffer(OFFER);
  const frag = sdpFragment(o, [
    { candidate: "candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host", sdpMLineIndex: 0 },
    { candidate: "", sdpMLineIndex: 0 },
    { candidate: "candidate:2 1 udp 2122260223 127.0.0.1 50001 typ host", sdpMLineIndex: 1 },
  ]);
  assert.equal(
    frag,
    "a=ice-ufrag:uF\r\na=ice-pwd:pW\r\n" +
      "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:0\r\n" +
      "a=candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host\r\n" +
      "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:1\r\n" +
      "a=candidate:2 1 udp 2122260223 127.0.0.1 50001 typ host\r\n",
  );
  assert.deepEqual(parseFragment(frag).map((c) => c.mid), ["0", "1"]);
});
