import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { ffmpegPath } from "../../shared/ffmpeg_path.ts";
import {
  codecStringFromInit,
  findBox,
  fragmentStartsWithSync,
  type Mp4Segment,
  Mp4Splitter,
  readBoxHeader,
} from "./mp4_boxes.ts";
import { FRAGMENT_MOVFLAGS } from "./live_fmp4.ts";
import { exists } from "../../shared/fs.ts";

const SAMPLE = fileURLToPath(new URL("../../samples/vtest.mp4", import.meta.url));
const FFMPEG_41 = fileURLToPath(
  new URL(
    "../../node_modules/.deno/@ffmpeg-installer+linux-x64@4.1.0/node_modules/@ffmpeg-installer/linux-x64/ffmpeg",
    import.meta.url,
  ),
);

/** 3 s of the sample (30 frames, GOP 10) remuxed exactly as the relay does, as fast as possible. */
async function _fragmented(bin: string): Promise<Uint8Array> {
  const out = await new Deno.Command(bin, {
    args: [
      ...["-hide_banner", "-loglevel", "error", "-nostdin", "-i", SAMPLE, "-t", "3"],
      ...["-map", "0:v:0", "-c", "copy", "-f", "mp4", "-movflags", FRAGMENT_MOVFLAGS, "pipe:1"],
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  return out.stdout;
}

function _split(bytes: Uint8Array, chunk: number): Mp4Segment[] {
  const s = new Mp4Splitter();
  const segs: Mp4Segment[] = [];
  for (let i = 0; i < bytes.length; i += chunk) segs.push(...s.push(bytes.subarray(i, i + chunk)));
  return segs;
}

for (
  const [name, binPromise] of [
    ["ffmpeg on PATH", ffmpegPath()],
    ["npm static ffmpeg 4.1", Promise.resolve(FFMPEG_41)],
  ] as const
) {
  Deno.test(`splitter on real ${name} output: init, per-frame fragments, keyframes`, async (t) => {
    const bin = await binPromise;
    // Absent only off linux-x64: @ffmpeg-installer ships this binary for that platform alone
    // (`deno task setup` installs it there), so this is no missing-package skip.
    if (bin === FFMPEG_41 && !(await exists(bin))) {
      t.step({ name: "static ffmpeg not installed", ignore: true, fn: () => {} });
      return;
    }
    const bytes = await _fragmented(bin);
    // Byte-at-a-time-ish, odd-sized and whole-buffer feeding must all agree.
    for (const chunk of [bytes.length, 4096, 777, 13]) {
      const segs = _split(bytes, chunk);
      assert.equal(segs[0].kind, "init");
      if (segs[0].kind !== "init") return;
      assert.ok(findBox(segs[0].data, ["moov"]), "init has moov");
      assert.equal(readBoxHeader(segs[0].data)?.type, "ftyp");
      assert.equal(segs[0].codec, "avc1.4d401f");
      const frags = segs.slice(1);
      assert.equal(frags.length, 30, "one fragment per frame");
      const keys = frags.flatMap((f, i) => f.kind === "fragment" && f.keyframe ? [i] : []);
      assert.deepEqual(keys, [0, 10, 20], "sync samples every 10 frames (GOP 10)");
      for (const f of frags) {
        assert.equal(f.kind, "fragment");
        const types = [readBoxHeader(f.data)?.type];
        assert.equal(types[0], "moof");
      }
    }
  });
}

/** Build a box from a type and payload parts. */
function _box(type: string, ...parts: Uint8Array[]): Uint8Array {
  const n = 8 + parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(n);
  new DataView(out.buffer).setUint32(0, n);
  out.set(new TextEncoder().encode(type), 4);
  let off = 8;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

function _u32(...values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const v = new DataView(out.buffer);
  values.forEach((x, i) => v.setUint32(i * 4, x));
  return out;
}

const SYNC = 0x0200_0000;
const NON_SYNC = 0x0101_0000;

function _moof(tfhd: Uint8Array, trun: Uint8Array): Uint8Array {
  return _box(
    "moof",
    _box("mfhd", _u32(0, 1)),
    _box("traf", _box("tfhd", tfhd), _box("trun", trun)),
  );
}

Deno.test("sync detection: trun per-sample flags, tfhd default, trex default", () => {
  // trun flags 0x401 (data offset + per-sample flags), one sample.
  assert.equal(fragmentStartsWithSync(_moof(_u32(0x020000, 1), _u32(0x401, 1, 0, SYNC))), true);
  assert.equal(
    fragmentStartsWithSync(_moof(_u32(0x020000, 1), _u32(0x401, 1, 0, NON_SYNC))),
    false,
  );
  // per-sample duration+size+flags: flags come after duration and size.
  assert.equal(
    fragmentStartsWithSync(_moof(_u32(0x020000, 1), _u32(0x701, 1, 0, 100, 5, NON_SYNC))),
    false,
  );
  // tfhd default_sample_flags (0x20) with a trun that carries no flags.
  assert.equal(fragmentStartsWithSync(_moof(_u32(0x020020, 1, NON_SYNC), _u32(0x1, 1, 0))), false);
  assert.equal(fragmentStartsWithSync(_moof(_u32(0x020020, 1, SYNC), _u32(0x1, 1, 0))), true);
  // first_sample_flags override the tfhd default (what ffmpeg writes for keyframes).
  assert.equal(
    fragmentStartsWithSync(_moof(_u32(0x020020, 1, NON_SYNC), _u32(0x5, 1, 0, SYNC))),
    true,
  );
  // Nothing in the fragment: trex default of the track decides.
  const noFlags = _moof(_u32(0x020000, 7), _u32(0x1, 1, 0));
  assert.equal(fragmentStartsWithSync(noFlags, new Map([[7, NON_SYNC]])), false);
  assert.equal(fragmentStartsWithSync(noFlags, new Map([[7, SYNC]])), true);
  assert.equal(fragmentStartsWithSync(noFlags), true);
  // Not a fragment at all.
  assert.equal(fragmentStartsWithSync(_box("mdat", new Uint8Array(4))), false);
});

Deno.test("readBoxHeader: 64-bit largesize, size 0, short input, bad size", () => {
  const large = new Uint8Array(24);
  const v = new DataView(large.buffer);
  v.setUint32(0, 1);
  large.set(new TextEncoder().encode("mdat"), 4);
  v.setBigUint64(8, 24n);
  assert.deepEqual(readBoxHeader(large), { type: "mdat", size: 24, headerSize: 16 });
  const toEnd = _box("mdat", new Uint8Array(10));
  new DataView(toEnd.buffer).setUint32(0, 0);
  assert.deepEqual(readBoxHeader(toEnd), { type: "mdat", size: 18, headerSize: 8 });
  assert.equal(readBoxHeader(new Uint8Array(7)), undefined);
  const bad = _box("free");
  new DataView(bad.buffer).setUint32(0, 3);
  assert.throws(() => readBoxHeader(bad), /invalid MP4 box/);
});

Deno.test("codec string is undefined for non-AVC init segments", () => {
  assert.equal(codecStringFromInit(_box("ftyp", _u32(0))), undefined);
});

Deno.test("splitter refuses absurd box sizes instead of buffering forever", () => {
  const s = new Mp4Splitter(1024);
  const hdr = _u32(1 << 30);
  const bytes = new Uint8Array(8);
  bytes.set(hdr);
  bytes.set(new TextEncoder().encode("mdat"), 4);
  assert.throws(() => s.push(bytes), /too large/);
});
