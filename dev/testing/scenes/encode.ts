/**
 * The encoder: composited RGB frames piped to ffmpeg, H.264 with the settings of
 * `samples/vtest.mp4` (libx264 main, crf 29, preset slow, GOP = fps, no B-frames, yuv420p,
 * faststart). Only the encoder runs in ffmpeg, so the static npm ffmpeg 4.1 and Debian ffmpeg 5.1
 * both work. The truth is written beside the video.
 */
import { ffmpegPath } from "../../../shared/ffmpeg_path.ts";
import { composeFrame, loadAssets } from "./compositor.ts";
import { formatTruth, groundTruth, type SceneTruth, truthPathFor } from "./oracle.ts";
import type { SceneSpec } from "./spec.ts";

export interface RenderOptions {
  /** ffmpeg binary (default: shared/ffmpeg_path.ts resolution). */
  ffmpeg?: string;
  /** x264 preset (default "slow", as vtest.mp4; tests may use "veryfast"). */
  preset?: string;
  /** x264 crf (default 29). */
  crf?: number;
  /** Where to write the truth JSON; default beside the video (`x.mp4` -> `x.truth.json`); false: don't. */
  truthPath?: string | false;
}

export interface RenderResult {
  video: string;
  truthPath: string | null;
  truth: SceneTruth;
  frames: number;
}

/** The x264 arguments shared with samples/vtest.mp4 (GOP = fps, no B-frames, yuv420p). */
export function encodeArgs(fps: number, opts: { preset?: string; crf?: number } = {}): string[] {
  const gop = String(Math.max(1, Math.round(fps)));
  return [
    "-an",
    "-c:v",
    "libx264",
    "-profile:v",
    "main",
    "-preset",
    opts.preset ?? "slow",
    "-crf",
    String(opts.crf ?? 29),
    "-g",
    gop,
    "-keyint_min",
    gop,
    "-bf",
    "0",
    "-sc_threshold",
    "0",
    "-pix_fmt",
    "yuv420p",
    "-movflags",
    "+faststart",
  ];
}

/** H.265 (libx265 from Debian's ffmpeg): the same GOP, no B-frames, yuv420p; an "H.265 camera". */
export function encodeArgsH265(fps: number, opts: { crf?: number } = {}): string[] {
  const gop = Math.max(1, Math.round(fps));
  return [
    "-an",
    "-c:v",
    "libx265",
    "-preset",
    "fast",
    "-crf",
    String(opts.crf ?? 28),
    "-x265-params",
    `keyint=${gop}:min-keyint=${gop}:bframes=0:scenecut=0:log-level=error`,
    "-tag:v",
    "hvc1",
    "-pix_fmt",
    "yuv420p",
    "-movflags",
    "+faststart",
  ];
}

/** Render a scene to an H.264 (or, `effects.codec: h265`, H.265) mp4 and write its ground truth beside it. */
export async function renderScene(
  spec: SceneSpec,
  outPath: string,
  opts: RenderOptions = {},
): Promise<RenderResult> {
  const truth = groundTruth(spec);
  const ff = opts.ffmpeg ?? await ffmpegPath();
  const assets = await loadAssets(spec, ff);
  const W = spec.width, H = spec.height, n = truth.frames;
  const child = new Deno.Command(ff, {
    args: [
      "-v",
      "error",
      "-y",
      "-f",
      "rawvideo",
      "-pix_fmt",
      "rgb24",
      "-s",
      `${W}x${H}`,
      "-framerate",
      String(spec.fps),
      "-i",
      "-",
      ...(spec.effects?.codec === "h265"
        ? encodeArgsH265(spec.fps, { crf: opts.crf })
        : encodeArgs(spec.fps, opts)),
      "-f",
      "mp4",
      outPath,
    ],
    stdin: "piped",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const err = new Response(child.stderr).text();
  const w = child.stdin.getWriter();
  let writeErr: unknown;
  try {
    const frame = new Uint8Array(W * H * 3);
    for (let i = 0; i < n; i++) await w.write(composeFrame(spec, assets, i, frame));
    await w.close();
  } catch (e) {
    writeErr = e;
  }
  const [status, text] = await Promise.all([child.status, err]);
  if (!status.success || writeErr) {
    throw new Error(
      `ffmpeg (${ff}) failed rendering ${spec.name} (${status.code}): ${
        text.trim().slice(-800) || String(writeErr)
      }`,
    );
  }
  const truthPath = opts.truthPath === false ? null : (opts.truthPath ?? truthPathFor(outPath));
  if (truthPath) await Deno.writeTextFile(truthPath, formatTruth(truth));
  return { video: outPath, truthPath, truth, frames: n };
}
