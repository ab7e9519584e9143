/**
 * Just enough of RTP and H.264 over RTP (RFC 3550, RFC 6184) for the dev relay's WebRTC path:
 * find where a keyframe starts (a new viewer starts there: nothing before it decodes), pull the
 * SPS out of a packet (its profile decides which H.264 variant the answer names), and pick the
 * offer's H.264 format that matches the camera's profile, so the browser's decoder is the one
 * for the bytes that will arrive (nothing is transcoded).
 */

/** RTCP packet types 200..204 share the RTP port when muxed; they are not media. */
export function isRtcp(packet: Uint8Array): boolean {
  return packet.length >= 2 && packet[1] >= 200 && packet[1] <= 204;
}

/** The RTP payload (after the fixed header, CSRCs and any header extension), or undefined. */
export function rtpPayload(packet: Uint8Array): Uint8Array | undefined {
  if (packet.length < 12 || packet[0] >> 6 !== 2) return undefined;
  let offset = 12 + (packet[0] & 0x0f) * 4;
  if (packet[0] & 0x10) {
    if (packet.length < offset + 4) return undefined;
    offset += 4 + ((packet[offset + 2] << 8) | packet[offset + 3]) * 4;
  }
  let end = packet.length;
  if (packet[0] & 0x20) end -= packet[end - 1];
  return offset <= end ? packet.subarray(offset, end) : undefined;
}

/** NAL units carried whole in a payload (a single NAL or each one of a STAP-A). */
function _wholeNals(payload: Uint8Array): Uint8Array[] {
  const type = payload[0] & 0x1f;
  if (type >= 1 && type <= 23) return [payload];
  if (type !== 24) return [];
  const out: Uint8Array[] = [];
  for (let i = 1; i + 2 <= payload.length;) {
    const size = (payload[i] << 8) | payload[i + 1];
    i += 2;
    if (size === 0 || i + size > payload.length) break;
    out.push(payload.subarray(i, i + size));
    i += size;
  }
  return out;
}

/**
 * Whether this RTP payload begins a keyframe: an SPS, or an IDR slice (single, in a STAP-A,
 * or the first fragment of an FU-A). ffmpeg puts SPS+PPS before every IDR (dump_extra), so
 * a viewer starting here has everything it needs.
 */
export function startsKeyframe(payload: Uint8Array): boolean {
  if (payload.length < 2) return false;
  if ((payload[0] & 0x1f) === 28) return (payload[1] & 0x80) !== 0 && (payload[1] & 0x1f) === 5;
  return _wholeNals(payload).some((n) => (n[0] & 0x1f) === 7 || (n[0] & 0x1f) === 5);
}

/** The SPS NAL unit in this payload, if any. */
export function spsOf(payload: Uint8Array): Uint8Array | undefined {
  if (payload.length < 1) return undefined;
  return _wholeNals(payload).find((n) => (n[0] & 0x1f) === 7 && n.length >= 4);
}

/** `profile-level-id` (RFC 6184 §8.1) of an SPS: profile_idc, constraint flags, level_idc. */
export function profileLevelId(sps: Uint8Array): string {
  return [sps[1], sps[2], sps[3]].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The `profile-level-id` to answer with for a camera whose SPS says `streamPli`: the offer's
 * own value for the same profile_idc with packetization-mode=1 (browsers offer a few fixed
 * combinations and match them exactly), else the stream's. Level: receivers accept higher with
 * level-asymmetry-allowed, and in practice decode any level their hardware can.
 */
export function answerProfileLevelId(offerSdp: string, streamPli: string): string {
  const h264 = new Set<string>();
  for (const m of offerSdp.matchAll(/^a=rtpmap:(\d+) H264\/90000/gim)) h264.add(m[1]);
  const offered: string[] = [];
  for (const m of offerSdp.matchAll(/^a=fmtp:(\d+) (.*)$/gm)) {
    if (!h264.has(m[1])) continue;
    const params = Object.fromEntries(
      m[2].trim().split(";").map((p) => p.trim().split("=") as [string, string]),
    );
    if (params["packetization-mode"] !== "1") continue;
    const pli = params["profile-level-id"]?.toLowerCase();
    if (pli && /^[0-9a-f]{6}$/.test(pli)) offered.push(pli);
  }
  const wanted = streamPli.toLowerCase();
  return offered.find((p) => p === wanted) ??
    offered.find((p) => p.slice(0, 2) === wanted.slice(0, 2)) ??
    // Constrained baseline (42e0..) is what every browser decodes: the usual Baseline stand-in.
    (wanted.startsWith("42") ? offered.find((p) => p.startsWith("42")) : undefined) ??
    wanted;
}

/**
 * The slice data an RTP packet carries (a slice NAL alone or in a STAP-A, or the start of an
 * FU-A), null for anything else: the same bytes are in the frame's MP4 sample (length-prefixed
 * NALs, same escaping), so they tell which frame a packet is. The slice header (frame number,
 * picture order) is included, so two frames of a still picture still differ.
 */
export function sliceBytes(payload: Uint8Array): Uint8Array | null {
  const type = payload[0] & 0x1f;
  const isSlice = (t: number) => t === 1 || t === 5;
  if (isSlice(type)) return payload;
  if (type === 28 && payload.length > 2 && isSlice(payload[1] & 0x1f)) {
    return payload.subarray(2);
  }
  if (type === 24) {
    // STAP-A: 16-bit size, NAL; ffmpeg aggregates small ones (SPS, PPS, a small frame).
    let at = 1;
    while (at + 2 < payload.length) {
      const size = (payload[at] << 8) | payload[at + 1];
      const nal = payload.subarray(at + 2, at + 2 + size);
      if (nal.length === size && size > 0 && isSlice(nal[0] & 0x1f)) return nal;
      at += 2 + size;
    }
  }
  return null;
}

/** `needle` occurs in `hay`. */
export function containsBytes(hay: Uint8Array, needle: Uint8Array): boolean {
  if (needle.length === 0) return true;
  const first = needle[0];
  outer: for (
    let i = hay.indexOf(first);
    i >= 0 && i + needle.length <= hay.length;
    i = hay.indexOf(first, i + 1)
  ) {
    for (let j = 1; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}
