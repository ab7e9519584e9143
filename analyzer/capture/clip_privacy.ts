/**
 * Privacy for pass clips (`privacy: { blur: [...], clips: true }`): the remuxed clip is
 * re-encoded (H.264) with regions pixelated in every frame, using the same mosaic as crops
 * (privacy_blur.ts). Which regions at each frame's capture time is the caller's: the clip worker
 * gives people and every vehicle's plate band from the analyzer's per-frame boxes
 * (privacy_boxes.ts), and the tracked vehicle's plate band from the pass's stored samples: the
 * lower half of the vehicle's box, where front and rear plates sit, grown by PLATE_BAND_MARGIN;
 * the box is interpolated between samples and, before the first and after the last sample (pre-
 * and post-roll), carried on at the speed of the nearest two samples. A per-frame detector run
 * here would be too slow for the analyzer's CPU.
 */
import type { Box } from "../../shared/geometry.ts";
import { ffmpegPath } from "../../shared/ffmpeg_path.ts";
import { pixelateRegions } from "./privacy_blur.ts";

/** A sample of the tracked vehicle: capture time (unix ms) and its box (source px). */
export type TimedBox = [ts: number, x: number, y: number, w: number, h: number];

/** The band is grown by this share of the box's width and height on each side. */
export const PLATE_BAND_MARGIN = 0.1;

/** The timed boxes of a pass's samples (those that carry a box), in time order. */
export function timedBoxes(samples: readonly unknown[]): TimedBox[] {
  const out: TimedBox[] = [];
  for (const s of samples) {
    const o = s as { ts?: unknown; box?: unknown };
    if (typeof o?.ts !== "number" || !Array.isArray(o.box) || o.box.length !== 4) continue;
    if (!o.box.every((v) => typeof v === "number" && Number.isFinite(v))) continue;
    out.push([o.ts, ...(o.box as [number, number, number, number])]);
  }
  return out.sort((a, b) => a[0] - b[0]);
}

/** The vehicle's box at capture time `ts`: interpolated inside, extrapolated outside. */
export function boxAt(track: readonly TimedBox[], ts: number): Box | null {
  if (!track.length) return null;
  if (track.length === 1) return track[0].slice(1) as Box;
  let i = track.findIndex((t) => t[0] >= ts);
  // Before the first / after the last sample: the nearest pair's motion carried on.
  if (i <= 0) i = 1;
  const a = track[i - 1], b = track[i];
  const span = b[0] - a[0];
  const f = span > 0 ? (ts - a[0]) / span : 0;
  return [1, 2, 3, 4].map((k) => a[k] + (b[k] - a[k]) * f) as Box;
}

/** The plate band of a vehicle box: its lower half, grown by PLATE_BAND_MARGIN. */
export function plateBand(box: Box): Box {
  const mx = box[2] * PLATE_BAND_MARGIN, my = box[3] * PLATE_BAND_MARGIN;
  return [box[0] - mx, box[1] + box[3] / 2 - my, box[2] + 2 * mx, box[3] / 2 + 2 * my];
}

export interface BlurClipResult {
  frames: number;
  /** CPU seconds ffmpeg (decode + encode) and the pixelation used. */
  cpuS: number;
}

/**
 * Re-encode the MP4 at `inPath` (its first frame at capture time `startMs`) into `outPath` with
 * `regions(ts)` pixelated in the frame at capture time ts. Frame times come from the clip's
 * constant rate (frames / duration), as the remuxed recording has.
 */
export async function blurClip(
  inPath: string,
  startMs: number,
  outPath: string,
  regions: (ts: number) => Box[],
): Promise<BlurClipResult> {
  const ffmpeg = await ffmpegPath();
  const { width: w, height: h, fps } = await _videoFacts(ffmpeg, inPath);
  const cpu0 = processCpuS();
  const quiet = ["-hide_banner", "-nostdin", "-loglevel", "error"];
  const decoder = new Deno.Command(ffmpeg, {
    args: [...quiet, "-i", inPath, "-map", "0:v:0", "-f", "rawvideo", "-pix_fmt", "rgba", "-"],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const encoder = new Deno.Command(ffmpeg, {
    args: [
      ...quiet,
      ...["-y", "-f", "rawvideo", "-pix_fmt", "rgba", "-s", `${w}x${h}`, "-r", `${fps}`],
      ...["-i", "-", "-c:v", "libx264", "-preset", "veryfast", "-crf", "23"],
      ...["-pix_fmt", "yuv420p", "-movflags", "+faststart", "-f", "mp4", outPath],
    ],
    stdin: "piped",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  // One frame in memory at a time: decoded, pixelated, handed to the encoder.
  const writer = encoder.stdin.getWriter();
  const frameBytes = w * h * 4;
  const chunks: Uint8Array[] = [];
  let have = 0;
  let frames = 0;
  try {
    for await (const chunk of decoder.stdout) {
      chunks.push(chunk);
      have += chunk.length;
      while (have >= frameBytes) {
        const frame = _take(chunks, frameBytes);
        have -= frameBytes;
        pixelateRegions(frame, w, h, regions(startMs + (frames * 1000) / fps));
        frames++;
        await writer.write(frame);
      }
    }
  } finally {
    await writer.close().catch(() => {});
  }
  const [dec, enc] = await Promise.all([decoder.output(), encoder.output()]);
  for (const [name, r] of [["decode", dec], ["encode", enc]] as const) {
    if (!r.success) {
      const tail = new TextDecoder().decode(r.stderr).trim().split("\n").slice(-2).join(" | ");
      throw new Error(`ffmpeg ${name} failed (${r.code}): ${tail}`);
    }
  }
  if (!frames) throw new Error("the clip has no frames");
  return { frames, cpuS: processCpuS() - cpu0 };
}

/** The plate bands of a pass's vehicle over its clip (what `privacy.clips` pixelates). */
export function plateBandRegions(track: readonly TimedBox[]): (ts: number) => Box[] {
  return (ts) => {
    const box = boxAt(track, ts);
    return box ? [plateBand(box)] : [];
  };
}

async function _videoFacts(
  ffmpeg: string,
  path: string,
): Promise<{ width: number; height: number; fps: number }> {
  const out = await new Deno.Command(ffmpeg, {
    args: ["-hide_banner", "-nostdin", "-i", path],
    stdout: "null",
    stderr: "piped",
  }).output();
  const err = new TextDecoder().decode(out.stderr);
  const size = /Video: .*?, (\d{2,5})x(\d{2,5})/.exec(err);
  const fps = /, ([\d.]+) fps/.exec(err) ?? /, ([\d.]+) tbr/.exec(err);
  if (!size || !fps) throw new Error(`cannot read the frame size and rate of ${path}`);
  return { width: Number(size[1]), height: Number(size[2]), fps: Number(fps[1]) };
}

function _take(chunks: Uint8Array[], n: number): Uint8Array {
  const out = new Uint8Array(n);
  let off = 0;
  while (off < n) {
    const c = chunks[0];
    const k = Math.min(c.length, n - off);
    out.set(c.subarray(0, k), off);
    off += k;
    if (k === c.length) chunks.shift();
    else chunks[0] = c.subarray(k);
  }
  return out;
}

/**
 * CPU seconds of this process and its waited-for children (ffmpeg), from /proc/self/stat
 * (utime + stime + cutime + cstime, in clock ticks of 1/100 s); NaN where there is no /proc.
 */
export function processCpuS(): number {
  try {
    const stat = Deno.readTextFileSync("/proc/self/stat");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // Fields 14..17 of stat(5); f[0] is field 3.
    return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / 100;
  } catch {
    return NaN;
  }
}
