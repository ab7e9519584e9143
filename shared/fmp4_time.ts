/**
 * Media time of a live fMP4 fragment (the dev relay's MSE stream): the video track's timescale
 * from the init segment's `mdhd`, and a fragment's presentation time from its `tfdt` (base
 * decode time) plus the first sample's composition offset in `trun`. The MSE player needs it
 * to know which frame of the camera's timeline is on screen (see arrival_clock.ts).
 */

type Box = { type: string; start: number; end: number };

function* _boxes(b: Uint8Array, from: number, to: number): Generator<Box> {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let at = from;
  while (at + 8 <= to) {
    let size = v.getUint32(at);
    const type = String.fromCharCode(b[at + 4], b[at + 5], b[at + 6], b[at + 7]);
    let header = 8;
    if (size === 1) {
      if (at + 16 > to) return;
      size = Number(v.getBigUint64(at + 8));
      header = 16;
    } else if (size === 0) size = to - at;
    if (size < header || at + size > to) return;
    yield { type, start: at + header, end: at + size };
    at += size;
  }
}

function _find(b: Uint8Array, path: string[], from = 0, to = b.length): Box | undefined {
  for (const box of _boxes(b, from, to)) {
    if (box.type !== path[0]) continue;
    if (path.length === 1) return box;
    return _find(b, path.slice(1), box.start, box.end);
  }
  return undefined;
}

/** The video track's timescale (ticks per second) from an init segment; null if absent. */
export function initTimescale(init: Uint8Array): number | null {
  const v = new DataView(init.buffer, init.byteOffset, init.byteLength);
  const moov = _find(init, ["moov"]);
  if (!moov) return null;
  for (const trak of _boxes(init, moov.start, moov.end)) {
    if (trak.type !== "trak") continue;
    const hdlr = _find(init, ["mdia", "hdlr"], trak.start, trak.end);
    // hdlr: version/flags (4), pre_defined (4), handler_type (4).
    if (!hdlr || hdlr.start + 12 > hdlr.end) continue;
    const handler = String.fromCharCode(...init.subarray(hdlr.start + 8, hdlr.start + 12));
    if (handler !== "vide") continue;
    const mdhd = _find(init, ["mdia", "mdhd"], trak.start, trak.end);
    if (!mdhd) return null;
    const at = mdhd.start + (init[mdhd.start] === 1 ? 20 : 12);
    if (at + 4 > mdhd.end) return null;
    const ts = v.getUint32(at);
    return ts > 0 ? ts : null;
  }
  return null;
}

/** Presentation time (seconds) of a fragment's first sample; null when it has no tfdt. */
export function fragmentTimeS(fragment: Uint8Array, timescale: number): number | null {
  const v = new DataView(fragment.buffer, fragment.byteOffset, fragment.byteLength);
  const tfdt = _find(fragment, ["moof", "traf", "tfdt"]);
  if (!tfdt || tfdt.start + 8 > tfdt.end) return null;
  const version = fragment[tfdt.start];
  const decode = version === 1
    ? Number(v.getBigUint64(tfdt.start + 4))
    : v.getUint32(tfdt.start + 4);
  let cto = 0;
  const trun = _find(fragment, ["moof", "traf", "trun"]);
  if (trun && trun.start + 8 <= trun.end) {
    const flags = v.getUint32(trun.start) & 0xffffff;
    if (flags & 0x800 && v.getUint32(trun.start + 4) > 0) {
      let at = trun.start + 8;
      if (flags & 0x1) at += 4; // data_offset
      if (flags & 0x4) at += 4; // first_sample_flags
      for (const bit of [0x100, 0x200, 0x400]) if (flags & bit) at += 4;
      if (at + 4 <= trun.end) {
        cto = fragment[trun.start] === 0 ? v.getUint32(at) : v.getInt32(at);
      }
    }
  }
  return (decode + cto) / timescale;
}
