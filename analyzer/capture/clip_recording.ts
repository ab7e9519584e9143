/**
 * Where pass clips are cut from: a camera's rolling recording, addressed by capture time (unix
 * ms, the clock of the pass's entered_at/exited_at). Two kinds: the dev recorder's segment files
 * on disk (clip_segment_recorder.ts) and MediaMTX's playback server on a site
 * (clip_mediamtx_playback.ts). Both remux only (`-c copy`): a clip starts at the keyframe at or
 * before the window's start, so its first frame's capture time is returned with it.
 */
import { ffmpegPath } from "../../shared/ffmpeg_path.ts";

/** A clip written to `outPath`: its first frame's capture time and its length. */
export interface CutClip {
  startMs: number;
  durationS: number;
}

/**
 * `ok`: cut. `wait`: the recording does not reach the window's end yet (lagging, or the
 * recorder is unreachable): try again later. `gone`: the window is not recorded and never will
 * be (older than the recording keeps, or a gap): give up on this clip.
 */
export type CutResult =
  | ({ status: "ok" } & CutClip)
  | { status: "wait"; reason: string }
  | { status: "gone"; reason: string };

export interface Recording {
  /** Cut `camera`'s recording from `fromMs` to `toMs` (capture time) into an MP4 at `outPath`. */
  cut(camera: string, fromMs: number, toMs: number, outPath: string): Promise<CutResult>;
}

/** Stream facts of an MP4 file, as ffmpeg reads them. */
export interface Mp4Facts {
  codec: string;
  /** Presentation time of the first video frame, s (what the clip's timeline starts with). */
  firstPtsS: number;
  durationS: number;
}

/**
 * Run ffmpeg (remux only) and fail with its last stderr lines. `args` are after the global
 * options.
 */
export async function runFfmpeg(args: string[]): Promise<void> {
  const out = await new Deno.Command(await ffmpegPath(), {
    args: ["-hide_banner", "-nostdin", "-loglevel", "error", "-y", ...args],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!out.success) {
    const tail = new TextDecoder().decode(out.stderr).trim().split("\n").slice(-3).join(" | ");
    throw new Error(`ffmpeg failed (${out.code}): ${tail}`);
  }
}

/**
 * Codec, first frame time and duration of an MP4, from `ffmpeg -i <file> -c copy -f framemd5`
 * (ffprobe is not always shipped beside the static ffmpeg): one line per packet with its pts.
 */
export async function mp4Facts(path: string): Promise<Mp4Facts> {
  const out = await new Deno.Command(await ffmpegPath(), {
    args: [
      ...["-hide_banner", "-nostdin", "-loglevel", "info", "-i", path],
      ...["-map", "0:v:0", "-c", "copy", "-f", "framemd5", "-"],
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const err = new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(`cannot read ${path}: ${err.trim().split("\n").pop()}`);
  const codec = /Video: (\w+)/.exec(err)?.[1] ?? "unknown";
  let tb = 1;
  let first = Infinity;
  let last = -Infinity;
  let lastDur = 0;
  for (const line of new TextDecoder().decode(out.stdout).split("\n")) {
    const t = /^#tb 0: (\d+)\/(\d+)/.exec(line);
    if (t) tb = Number(t[1]) / Number(t[2]);
    if (line.startsWith("#") || !line.trim()) continue;
    // stream, dts, pts, duration, size, hash
    const f = line.split(",").map((s) => s.trim());
    const pts = Number(f[2]);
    if (!Number.isFinite(pts)) continue;
    first = Math.min(first, pts);
    if (pts > last) [last, lastDur] = [pts, Number(f[3])];
  }
  if (!Number.isFinite(first)) throw new Error(`${path} has no video frames`);
  return { codec, firstPtsS: first * tb, durationS: (last + lastDur - first) * tb };
}

/**
 * Make `rawPath` (a cut whose time 0 is the capture time `rawZeroMs`, with frames from the
 * keyframe before at negative times) into a plain MP4 at `outPath` that begins at its first
 * (key)frame, moov first (seekable over Range requests). Remux only.
 */
export async function clipFromRaw(
  rawPath: string,
  rawZeroMs: number,
  outPath: string,
): Promise<CutClip> {
  const raw = await mp4Facts(rawPath);
  await runFfmpeg([
    ...["-i", rawPath, "-map", "0:v:0", "-c", "copy", "-avoid_negative_ts", "make_zero"],
    ...["-movflags", "+faststart", "-f", "mp4", outPath],
  ]);
  const out = await mp4Facts(outPath);
  return {
    startMs: Math.round(rawZeroMs + (raw.firstPtsS - out.firstPtsS) * 1000),
    durationS: out.durationS,
  };
}
