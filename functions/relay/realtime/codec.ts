/**
 * The Phoenix channel wire format as spoken by `@supabase/realtime-js` (which runs the
 * `@supabase/phoenix` client). Two serializers, chosen by the `vsn` query parameter:
 * - "1.0.0": a JSON object `{join_ref, ref, topic, event, payload}` per text frame;
 * - "2.0.0" (realtime-js's default): a JSON array `[join_ref, ref, topic, event, payload]` per
 *   text frame, plus binary frames for client broadcasts ("user broadcast push", kind 3).
 * Refs are strings chosen by the client (or null); the server echoes them in `phx_reply`.
 */

export type Vsn = "1.0.0" | "2.0.0";
export const VSNS: readonly Vsn[] = ["1.0.0", "2.0.0"];

export function isVsn(v: string): v is Vsn {
  return (VSNS as readonly string[]).includes(v);
}

export interface PhxMessage {
  joinRef: string | null;
  ref: string | null;
  topic: string;
  event: string;
  payload: Record<string, unknown>;
}

/** A frame the server cannot accept; `code` is the WebSocket close code to answer with. */
export class FrameError extends Error {
  constructor(message: string, readonly code: 1003 | 1007 | 1009) {
    super(message);
  }
}

/** Topic and event names are length-prefixed with one byte in the binary format. */
const MAX_NAME = 255;

/** Decode one text frame; throws FrameError(1007) when it is not a well-formed message. */
export function decodeText(vsn: Vsn, text: string): PhxMessage {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new FrameError("frame is not JSON", 1007);
  }
  let parts: unknown[];
  if (vsn === "2.0.0") {
    if (!Array.isArray(raw) || raw.length !== 5) {
      throw new FrameError("expected [join_ref, ref, topic, event, payload]", 1007);
    }
    parts = raw;
  } else {
    if (!_isObject(raw)) throw new FrameError("expected {topic, event, payload, ref}", 1007);
    parts = [raw.join_ref ?? null, raw.ref ?? null, raw.topic, raw.event, raw.payload];
  }
  const [joinRef, ref, topic, event, payload] = parts;
  if (!_isRef(joinRef) || !_isRef(ref)) throw new FrameError("refs must be strings", 1007);
  if (!_isName(topic) || !_isName(event)) {
    throw new FrameError(`topic and event must be strings of 1-${MAX_NAME} characters`, 1007);
  }
  if (!_isObject(payload)) throw new FrameError("payload must be an object", 1007);
  return { joinRef, ref, topic, event, payload };
}

/**
 * The routing header of a binary "user broadcast push" (vsn 2.0.0, kind 3: a client's
 * `channel.send({type: "broadcast"})`), so the server can answer it; any other binary frame
 * throws FrameError(1003). Layout: kind, then byte lengths of join_ref, ref, topic, event,
 * metadata, the payload encoding, then those strings and the payload.
 */
export function decodeBinaryPush(
  buf: Uint8Array,
): Pick<PhxMessage, "joinRef" | "ref" | "topic" | "event"> {
  if (buf.length < 7 || buf[0] !== 3) throw new FrameError("unsupported binary frame", 1003);
  const lengths = [buf[1], buf[2], buf[3], buf[4]];
  if (7 + lengths.reduce((a, b) => a + b, 0) + buf[5] > buf.length) {
    throw new FrameError("truncated binary frame", 1007);
  }
  const dec = new TextDecoder("utf-8", { fatal: true });
  let offset = 7;
  const [joinRef, ref, topic, event] = lengths.map((n) => {
    const s = dec.decode(buf.subarray(offset, offset + n));
    offset += n;
    return s;
  });
  if (!topic || !event) throw new FrameError("binary frame without topic or event", 1007);
  return { joinRef: joinRef || null, ref: ref || null, topic, event };
}

/** Encode a message whose payload is already JSON text (spliced in, not re-serialized). */
export function encodeRaw(
  vsn: Vsn,
  joinRef: string | null,
  ref: string | null,
  topic: string,
  event: string,
  payloadJson: string,
): string {
  const j = JSON.stringify(joinRef);
  const r = JSON.stringify(ref);
  const t = JSON.stringify(topic);
  const e = JSON.stringify(event);
  return vsn === "2.0.0"
    ? `[${j},${r},${t},${e},${payloadJson}]`
    : `{"join_ref":${j},"ref":${r},"topic":${t},"event":${e},"payload":${payloadJson}}`;
}

export function encode(vsn: Vsn, msg: PhxMessage): string {
  return encodeRaw(vsn, msg.joinRef, msg.ref, msg.topic, msg.event, JSON.stringify(msg.payload));
}

/** The reply to a client push: `phx_reply` with `{status, response}`, echoing its refs. */
export function encodeReply(
  vsn: Vsn,
  to: Pick<PhxMessage, "joinRef" | "ref" | "topic">,
  status: "ok" | "error",
  response: Record<string, unknown> = {},
): string {
  return encode(vsn, { ...to, event: "phx_reply", payload: { status, response } });
}

/**
 * A server broadcast as Supabase Realtime sends it: event "broadcast" with payload
 * `{type: "broadcast", event, payload}`; realtime-js hands that object to
 * `.on("broadcast", {event}, cb)`. `messageJson` is the relay's message text.
 */
export function encodeBroadcast(
  vsn: Vsn,
  joinRef: string | null,
  topic: string,
  event: string,
  messageJson: string,
): string {
  const payload = `{"type":"broadcast","event":${JSON.stringify(event)},"payload":${messageJson}}`;
  return encodeRaw(vsn, joinRef, null, topic, "broadcast", payload);
}

function _isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function _isRef(v: unknown): v is string | null {
  return v === null || (typeof v === "string" && v.length <= MAX_NAME);
}

function _isName(v: unknown): v is string {
  return typeof v === "string" && v.length > 0 && v.length <= MAX_NAME;
}
