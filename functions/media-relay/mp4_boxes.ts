/**
 * A tiny ISO-BMFF (MP4) box reader, just enough for a live fragmented-MP4 relay:
 * split a byte stream into the init segment (ftyp+moov) and media fragments (moof+mdat),
 * tell whether a fragment starts with a sync sample (a keyframe a new client can start from),
 * and build the RFC 6381 codec string MSE needs from the avcC box.
 */

export interface BoxHeader {
  type: string;
  /** Total box size including the header. */
  size: number;
  headerSize: number;
}

/** Box types that may precede a moof inside one fragment (segment type, index, producer time). */
const _FRAGMENT_PREFIX = new Set(["styp", "sidx", "prft", "emsg"]);

/** ISO/IEC 14496-12 sample flags: bit 16 = sample_is_non_sync_sample. */
const _NON_SYNC = 0x0001_0000;

/**
 * Read the box header at `offset`. Returns undefined when fewer bytes than the header are
 * available. A size of 0 ("to the end of the file") is reported as the remaining length.
 */
export function readBoxHeader(buf: Uint8Array, offset = 0): BoxHeader | undefined {
  if (buf.length - offset < 8) return undefined;
  const view = new DataView(buf.buffer, buf.byteOffset + offset, buf.length - offset);
  let size = view.getUint32(0);
  const type = String.fromCharCode(
    buf[offset + 4],
    buf[offset + 5],
    buf[offset + 6],
    buf[offset + 7],
  );
  let headerSize = 8;
  if (size === 1) {
    if (buf.length - offset < 16) return undefined;
    // 64-bit largesize; fragments of a live stream never approach 2^53 bytes.
    size = Number(view.getBigUint64(8));
    headerSize = 16;
  } else if (size === 0) {
    size = buf.length - offset;
  }
  if (size < headerSize) throw new Error(`invalid MP4 box '${type}' size ${size}`);
  return { type, size, headerSize };
}

/** The direct children of a container's payload: [type, payload start, payload end]. */
export function* childBoxes(
  buf: Uint8Array,
  start = 0,
  end = buf.length,
): Generator<{ type: string; start: number; end: number; boxStart: number }> {
  let off = start;
  while (off + 8 <= end) {
    const h = readBoxHeader(buf.subarray(0, end), off);
    if (!h || off + h.size > end) return;
    yield { type: h.type, start: off + h.headerSize, end: off + h.size, boxStart: off };
    off += h.size;
  }
}

/** Find a box by path of types (e.g. ["moov","trak","mdia"]); returns its payload range. */
export function findBox(
  buf: Uint8Array,
  path: string[],
  start = 0,
  end = buf.length,
): { start: number; end: number } | undefined {
  let range: { start: number; end: number } | undefined = { start, end };
  for (const type of path) {
    const parent: { start: number; end: number } = range!;
    range = undefined;
    for (const child of childBoxes(buf, parent.start, parent.end)) {
      if (child.type === type) {
        range = { start: child.start, end: child.end };
        break;
      }
    }
    if (!range) return undefined;
  }
  return range;
}

/** Default sample flags from moov/mvex/trex per track id (used when a fragment carries none). */
export function trexDefaultSampleFlags(init: Uint8Array): Map<number, number> {
  const out = new Map<number, number>();
  const mvex = findBox(init, ["moov", "mvex"]);
  if (!mvex) return out;
  const view = new DataView(init.buffer, init.byteOffset, init.byteLength);
  for (const child of childBoxes(init, mvex.start, mvex.end)) {
    if (child.type !== "trex" || child.end - child.start < 24) continue;
    // version/flags(4) track_ID(4) desc_index(4) duration(4) size(4) flags(4)
    out.set(view.getUint32(child.start + 4), view.getUint32(child.start + 20));
  }
  return out;
}

/**
 * Does this fragment (moof, optionally followed by mdat) start with a sync sample?
 * Precedence per ISO/IEC 14496-12: trun first_sample_flags, then per-sample flags, then the
 * tfhd default, then the trex default from the init segment. Without any flags at all every
 * sample is a sync sample.
 */
export function fragmentStartsWithSync(
  fragment: Uint8Array,
  trexFlags: Map<number, number> = new Map(),
): boolean {
  const view = new DataView(fragment.buffer, fragment.byteOffset, fragment.byteLength);
  let moof: { start: number; end: number } | undefined;
  for (const b of childBoxes(fragment)) {
    if (b.type === "moof") {
      moof = b;
      break;
    }
  }
  if (!moof) return false;
  // Only the first traf matters: the relay carries a single video track.
  const traf = findBox(fragment, ["traf"], moof.start, moof.end);
  if (!traf) return false;
  let defaultFlags: number | undefined;
  let trackId = 0;
  let trun: { start: number; end: number } | undefined;
  for (const b of childBoxes(fragment, traf.start, traf.end)) {
    if (b.type === "tfhd") {
      const flags = view.getUint32(b.start) & 0xffffff;
      trackId = view.getUint32(b.start + 4);
      let off = b.start + 8;
      if (flags & 0x01) off += 8; // base_data_offset
      if (flags & 0x02) off += 4; // sample_description_index
      if (flags & 0x08) off += 4; // default_sample_duration
      if (flags & 0x10) off += 4; // default_sample_size
      if (flags & 0x20) defaultFlags = view.getUint32(off);
    } else if (b.type === "trun" && !trun) {
      trun = b;
    }
  }
  defaultFlags ??= trexFlags.get(trackId);
  if (trun) {
    const flags = view.getUint32(trun.start) & 0xffffff;
    const count = view.getUint32(trun.start + 4);
    let off = trun.start + 8;
    if (flags & 0x001) off += 4; // data_offset
    if (flags & 0x004) return (view.getUint32(off) & _NON_SYNC) === 0; // first_sample_flags
    if (flags & 0x400 && count > 0) {
      if (flags & 0x100) off += 4; // sample_duration
      if (flags & 0x200) off += 4; // sample_size
      return (view.getUint32(off) & _NON_SYNC) === 0;
    }
  }
  if (defaultFlags === undefined) return true;
  return (defaultFlags & _NON_SYNC) === 0;
}

function _hex2(n: number): string {
  return n.toString(16).padStart(2, "0");
}

/**
 * RFC 6381 codec string of the first video track, e.g. "avc1.4d401f", from the avcC box
 * (profile, constraint flags, level). Returns undefined for codecs this relay does not know.
 */
export function codecStringFromInit(init: Uint8Array): string | undefined {
  const moov = findBox(init, ["moov"]);
  if (!moov) return undefined;
  // Every trak, not only the first: audio may come first in some sources.
  for (const trak of childBoxes(init, moov.start, moov.end)) {
    if (trak.type !== "trak") continue;
    const stsd = findBox(init, ["mdia", "minf", "stbl", "stsd"], trak.start, trak.end);
    const codec = stsd && _codecFromStsd(init, stsd);
    if (codec) return codec;
  }
  return undefined;
}

/** The first video track's sample entry type ("avc1", "hvc1", "hev1", ...), for codec detection. */
export function videoSampleEntry(init: Uint8Array): string | undefined {
  const moov = findBox(init, ["moov"]);
  if (!moov) return undefined;
  for (const trak of childBoxes(init, moov.start, moov.end)) {
    if (trak.type !== "trak") continue;
    const stsd = findBox(init, ["mdia", "minf", "stbl", "stsd"], trak.start, trak.end);
    if (!stsd) continue;
    for (const entry of childBoxes(init, stsd.start + 8, stsd.end)) {
      if (/^(avc[13]|hvc1|hev1|vp09|av01)$/.test(entry.type)) return entry.type;
    }
  }
  return undefined;
}

function _codecFromStsd(
  init: Uint8Array,
  stsd: { start: number; end: number },
): string | undefined {
  // stsd is a full box (4 bytes version/flags) with an entry count (4 bytes), then sample entries.
  for (const entry of childBoxes(init, stsd.start + 8, stsd.end)) {
    if (entry.type !== "avc1" && entry.type !== "avc3") continue;
    // A VisualSampleEntry has 78 bytes of fixed fields before its child boxes.
    const avcC = findBox(init, ["avcC"], entry.start + 78, entry.end);
    if (!avcC || avcC.end - avcC.start < 4) return undefined;
    const profile = init[avcC.start + 1];
    const compat = init[avcC.start + 2];
    const level = init[avcC.start + 3];
    return `${entry.type}.${_hex2(profile)}${_hex2(compat)}${_hex2(level)}`;
  }
  return undefined;
}

/** Bytes backed by a plain ArrayBuffer (sendable on WebSocket, enqueueable on streams). */
export type Bytes = Uint8Array<ArrayBuffer>;

/** What the splitter emits: the init segment once, then one item per moof(+mdat). */
export type Mp4Segment =
  | { kind: "init"; data: Bytes; codec: string | undefined }
  | { kind: "fragment"; data: Bytes; keyframe: boolean };

/**
 * Incremental splitter for a fragmented-MP4 byte stream (e.g. ffmpeg stdout). Buffers partial
 * boxes across chunks; collects ftyp+moov as the init segment, and [styp/sidx/prft]+moof+mdat
 * as one fragment each. Trailing boxes (mfra written at ffmpeg exit) are ignored.
 */
export class Mp4Splitter {
  #buf: Bytes = new Uint8Array(0);
  #init: Bytes[] = [];
  #initDone = false;
  #pending: Bytes[] = [];
  #parts: Uint8Array[] = [];
  #partsLen = 0;
  /** Bytes still missing from the box at the head of #buf. */
  #need = 0;
  #trexFlags = new Map<number, number>();
  /** Largest box accepted; a corrupt size field must not make us buffer forever. */
  readonly maxBoxBytes: number;

  constructor(maxBoxBytes = 64 * 1024 * 1024) {
    this.maxBoxBytes = maxBoxBytes;
  }

  /** Feed bytes; returns the segments completed by them. */
  push(chunk: Uint8Array): Mp4Segment[] {
    // Waiting for the rest of a big box: collect chunks and concatenate once, not per chunk.
    this.#parts.push(chunk);
    this.#partsLen += chunk.length;
    if (this.#partsLen < this.#need) return [];
    this.#buf = _concat([this.#buf, ...this.#parts]);
    this.#parts = [];
    this.#partsLen = 0;
    this.#need = 0;
    const out: Mp4Segment[] = [];
    let off = 0;
    while (true) {
      const h = readBoxHeader(this.#buf, off);
      if (!h) break;
      if (h.size > this.maxBoxBytes) throw new Error(`MP4 box '${h.type}' too large: ${h.size}`);
      if (this.#buf.length - off < h.size) {
        this.#need = h.size - (this.#buf.length - off);
        break;
      }
      // Copy so emitted segments do not pin the large read buffer.
      this.#onBox(h.type, this.#buf.slice(off, off + h.size), out);
      off += h.size;
    }
    this.#buf = this.#buf.slice(off);
    return out;
  }

  #onBox(type: string, box: Bytes, out: Mp4Segment[]): void {
    if (!this.#initDone) {
      if (type === "ftyp" || type === "moov") this.#init.push(box);
      if (type === "moov") {
        const data = _concat(this.#init);
        this.#init = [];
        this.#initDone = true;
        this.#trexFlags = trexDefaultSampleFlags(data);
        out.push({ kind: "init", data, codec: codecStringFromInit(data) });
      }
      return;
    }
    if (type === "moof" || _FRAGMENT_PREFIX.has(type)) {
      this.#pending.push(box);
    } else if (type === "mdat" && this.#pending.length > 0) {
      this.#pending.push(box);
      const data = _concat(this.#pending);
      this.#pending = [];
      out.push({ kind: "fragment", data, keyframe: fragmentStartsWithSync(data, this.#trexFlags) });
    }
    // Anything else (mfra, free, udta at the end) carries nothing a live client needs.
  }
}

function _concat(parts: Uint8Array[]): Bytes {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
