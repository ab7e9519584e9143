/**
 * Real fragmented MP4 from ffmpeg with the dev relay's flags (one fragment per frame): the
 * timescale and every fragment's presentation time, against the frame rate it was made with.
 */
import assert from "node:assert/strict";
import { fragmentTimeS, initTimescale } from "./fmp4_time.ts";

async function _fmp4(fps: number, frames: number): Promise<Uint8Array> {
  const out = await new Deno.Command("ffmpeg", {
    args: [
      ...["-hide_banner", "-loglevel", "error", "-f", "lavfi"],
      ...["-i", `testsrc=s=160x120:r=${fps}:d=${frames / fps}`],
      ...["-c:v", "libx264", "-preset", "ultrafast", "-bf", "0", "-g", "5", "-pix_fmt", "yuv420p"],
      ...["-f", "mp4", "-movflags", "empty_moov+default_base_moof+frag_every_frame", "pipe:1"],
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  return out.stdout;
}

/** Top-level boxes: [type, bytes] (moof and mdat paired as the relay sends them). */
function _split(b: Uint8Array): { init: Uint8Array; fragments: Uint8Array[] } {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const boxes: [string, number, number][] = [];
  for (let at = 0; at + 8 <= b.length;) {
    const size = v.getUint32(at);
    boxes.push([String.fromCharCode(...b.subarray(at + 4, at + 8)), at, at + size]);
    at += size;
  }
  const moov = boxes.find((x) => x[0] === "moov")!;
  const fragments: Uint8Array[] = [];
  for (let i = 0; i < boxes.length; i++) {
    if (boxes[i][0] === "moof") fragments.push(b.subarray(boxes[i][1], boxes[i + 1][2]));
  }
  return { init: b.subarray(0, moov[2]), fragments };
}

Deno.test("fmp4 time: timescale from the init segment, each fragment's time from tfdt", async () => {
  const { init, fragments } = _split(await _fmp4(25, 12));
  const ts = initTimescale(init);
  assert.ok(ts !== null && ts > 0, `timescale ${ts}`);
  assert.equal(fragments.length, 12);
  fragments.forEach((f, i) => {
    const t = fragmentTimeS(f, ts!);
    assert.ok(t !== null && Math.abs(t - i / 25) < 1e-6, `fragment ${i}: ${t} s`);
  });
});

Deno.test("fmp4 time: another rate; what is not a fragment or init reads null", async () => {
  const { init, fragments } = _split(await _fmp4(10, 4));
  const ts = initTimescale(init)!;
  assert.ok(Math.abs(fragmentTimeS(fragments[3], ts)! - 0.3) < 1e-6);
  assert.equal(initTimescale(fragments[0]), null);
  assert.equal(fragmentTimeS(init, ts), null);
  assert.equal(fragmentTimeS(new Uint8Array([0, 0, 0, 9, 1, 2]), ts), null);
});
