/**
 * WHEP (WebRTC-HTTP Egress Protocol) from the dev relay, with werift (a WebRTC stack in pure
 * TypeScript, from npm) as the peer:
 * - `POST /media/<camera>/whep` with an SDP offer -> 201, the SDP answer, and `Location`
 *   (`/media/<camera>/whep/<session>`);
 * - `PATCH <Location>` with `application/trickle-ice-sdpfrag`: the browser's ICE candidates;
 * - `DELETE <Location>`: the viewer left.
 * The video is the camera's H.264 as ffmpeg packetized it (live_rtp.ts), forwarded packet by
 * packet with no transcoding; a session starts at the next keyframe. ICE is loopback only: the
 * one host candidate offered is 127.0.0.1, like the rest of the dev stack.
 */
import { Buffer } from "node:buffer";
import { MediaStreamTrack, RTCPeerConnection, RTCRtpCodecParameters } from "werift";
import { answerProfileLevelId, profileLevelId, rtpPayload, startsKeyframe } from "./h264_rtp.ts";
import type { LiveRtpStream } from "./live_rtp.ts";

/** Only this address is gathered and offered: the dev relay serves this machine. */
export const WHEP_ICE_HOST = "127.0.0.1";

export interface WhepOptions {
  /** Concurrent sessions over all cameras; one more is answered 503 (as MediaMTX does). */
  maxSessions?: number;
  /** How long a POST waits for the camera's first keyframe (its SPS names the profile). */
  firstKeyframeTimeoutMs?: number;
  /** A session not connected by then is dropped (the browser gave up or never came). */
  connectTimeoutMs?: number;
  log?: (msg: string) => void;
}

export type WhepCreateResult =
  | { ok: true; id: string; answer: string }
  | { ok: false; status: 400 | 503 | 504; error: string };

interface _Session {
  id: string;
  camera: string;
  pc: RTCPeerConnection;
  close: () => Promise<void>;
}

/** `a=candidate` and `a=mid` lines of a trickle fragment (RFC 8840) as werift init objects. */
export function fragmentCandidates(fragment: string): { candidate: string; sdpMid?: string }[] {
  const out: { candidate: string; sdpMid?: string }[] = [];
  let mid: string | undefined;
  for (const raw of fragment.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith("a=mid:")) mid = line.slice(6);
    else if (line.startsWith("a=candidate:")) out.push({ candidate: line.slice(2), sdpMid: mid });
  }
  return out;
}

/** The answer with only loopback candidates (werift also gathers the other interfaces). */
export function loopbackOnly(sdp: string): string {
  return sdp.split("\r\n").filter((line) =>
    !line.startsWith("a=candidate:") || line.split(" ")[4] === WHEP_ICE_HOST
  ).join("\r\n");
}

export class WhepSessions {
  readonly #o: Required<Omit<WhepOptions, "log">>;
  readonly #log: (msg: string) => void;
  readonly #sessions = new Map<string, _Session>();

  constructor(opts: WhepOptions = {}) {
    this.#o = {
      maxSessions: opts.maxSessions ?? 16,
      // Under the player's 10 s POST timeout, so it hears "video offline" rather than nothing.
      firstKeyframeTimeoutMs: opts.firstKeyframeTimeoutMs ?? 8_000,
      connectTimeoutMs: opts.connectTimeoutMs ?? 30_000,
    };
    this.#log = opts.log ?? ((m) => console.error(m));
  }

  get size(): number {
    return this.#sessions.size;
  }

  /** Sessions per camera (for `/media/status`). */
  count(camera: string): number {
    let n = 0;
    for (const s of this.#sessions.values()) if (s.camera === camera) n++;
    return n;
  }

  has(camera: string, id: string): boolean {
    return this.#sessions.get(id)?.camera === camera;
  }

  /** Answer `offer` with the camera's video; the session lives until DELETE or disconnect. */
  async create(camera: string, stream: LiveRtpStream, offer: string): Promise<WhepCreateResult> {
    if (!/^m=video /m.test(offer)) return { ok: false, status: 400, error: "offer has no video" };
    if (this.#sessions.size >= this.#o.maxSessions) {
      return { ok: false, status: 503, error: "reader limit reached" };
    }
    const id = crypto.randomUUID();
    // Reserve the slot now: concurrent POSTs must not overshoot the limit while waiting.
    let pc: RTCPeerConnection | undefined;
    let unsubscribe: (() => void) | undefined;
    let connectTimer: ReturnType<typeof setTimeout> | undefined;
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      clearTimeout(connectTimer);
      unsubscribe?.();
      this.#sessions.delete(id);
      await pc?.close().catch(() => {});
    };
    const placeholder = { id, camera, pc: undefined as unknown as RTCPeerConnection, close };
    this.#sessions.set(id, placeholder);
    try {
      let started = false;
      const track = new MediaStreamTrack({ kind: "video" });
      // Subscribing starts ffmpeg; packets before the session is connected are not sent.
      unsubscribe = stream.subscribe((packet) => {
        if (pc?.connectionState !== "connected") return;
        if (!started) {
          const payload = rtpPayload(packet);
          if (!payload || !startsKeyframe(payload)) return;
          started = true;
        }
        track.writeRtp(Buffer.from(packet.buffer, packet.byteOffset, packet.byteLength));
      });
      const sps = await stream.waitForSps(this.#o.firstKeyframeTimeoutMs);
      if (closed) return { ok: false, status: 503, error: "relay closing" };
      if (!sps) {
        await close();
        // Not 503: the player reads that as "at capacity". The camera, not the relay, is missing.
        return { ok: false, status: 504, error: "video offline" };
      }
      const pli = answerProfileLevelId(offer, profileLevelId(sps));
      pc = new RTCPeerConnection({
        codecs: {
          video: [
            new RTCRtpCodecParameters({
              mimeType: "video/H264",
              clockRate: 90_000,
              rtcpFeedback: [{ type: "nack" }, { type: "nack", parameter: "pli" }],
              parameters: `profile-level-id=${pli};packetization-mode=1;level-asymmetry-allowed=1`,
            }),
          ],
          audio: [],
        },
        iceAdditionalHostAddresses: [WHEP_ICE_HOST],
        iceInterfaceAddresses: { udp4: WHEP_ICE_HOST },
        iceUseIpv6: false,
        iceUseTcp: false,
      });
      placeholder.pc = pc;
      const session = pc;
      session.connectionStateChange.subscribe((state) => {
        if (state === "connected") clearTimeout(connectTimer);
        if (state === "failed" || state === "closed") void close();
      });
      connectTimer = setTimeout(() => {
        if (session.connectionState !== "connected") {
          this.#log(`[media-relay] ${camera}: whep ${id.slice(0, 8)} never connected, dropped`);
          void close();
        }
      }, this.#o.connectTimeoutMs);
      await session.setRemoteDescription({ type: "offer", sdp: offer });
      let attached = false;
      for (const t of session.getTransceivers()) {
        if (t.kind === "video" && !attached) {
          await t.sender.replaceTrack(track);
          t.setDirection("sendonly");
          attached = true;
        } else {
          t.setDirection("inactive");
        }
      }
      if (!attached) throw new Error("no video transceiver");
      await session.setLocalDescription(await session.createAnswer());
      const answer = loopbackOnly(session.localDescription?.sdp ?? "");
      this.#log(`[media-relay] ${camera}: whep ${id.slice(0, 8)} answered (H.264 ${pli})`);
      return { ok: true, id, answer };
    } catch (e) {
      await close();
      this.#log(`[media-relay] ${camera}: whep offer refused: ${(e as Error).message}`);
      return { ok: false, status: 400, error: "offer not usable" };
    }
  }

  /** Add the browser's trickled candidates; false when there is no such session. */
  async addCandidates(camera: string, id: string, fragment: string): Promise<boolean> {
    const s = this.#sessions.get(id);
    if (!s || s.camera !== camera || !s.pc) return false;
    for (const c of fragmentCandidates(fragment)) {
      // A candidate werift cannot use (mDNS name, TCP) only narrows the choice: not an error.
      await s.pc.addIceCandidate(c).catch(() => {});
    }
    return true;
  }

  /** End one session; false when there is no such session. */
  async delete(camera: string, id: string): Promise<boolean> {
    const s = this.#sessions.get(id);
    if (!s || s.camera !== camera) return false;
    await s.close();
    return true;
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.#sessions.values()].map((s) => s.close()));
  }
}
