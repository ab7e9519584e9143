/** PNG and frame I/O through ffmpeg, so the scene library needs no image library. */
import { ffmpegPath } from "../../../shared/ffmpeg_path.ts";

export interface RawImage {
  width: number;
  height: number;
  /** 3 (rgb24) or 4 (rgba, straight alpha). */
  channels: 3 | 4;
  data: Uint8Array;
}

/** Run a tool, feeding `input` on stdin; its stdout, or an error with its stderr tail. */
export async function runTool(
  bin: string,
  args: string[],
  input?: Uint8Array,
): Promise<Uint8Array> {
  const child = new Deno.Command(bin, {
    args,
    stdin: input ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const out = new Response(child.stdout).arrayBuffer();
  const err = new Response(child.stderr).text();
  if (input) {
    const w = child.stdin.getWriter();
    await w.write(input);
    await w.close();
  }
  const [status, o, e] = await Promise.all([child.status, out, err]);
  if (!status.success) {
    throw new Error(`${bin} ${args.join(" ")} failed (${status.code}): ${e.trim().slice(-800)}`);
  }
  return new Uint8Array(o);
}

/** Decode an image or video frame with ffmpeg, optionally scaled to width x height. */
export async function readImage(
  path: string,
  channels: 3 | 4,
  opts: { ffmpeg?: string; width?: number; height?: number } = {},
): Promise<RawImage> {
  const ff = opts.ffmpeg ?? await ffmpegPath();
  let { w, h } = pngSize(path);
  const vf: string[] = [];
  if (opts.width && opts.height && (opts.width !== w || opts.height !== h)) {
    vf.push(`scale=${opts.width}:${opts.height}:flags=bicubic`);
    [w, h] = [opts.width, opts.height];
  }
  const data = await runTool(ff, [
    "-v",
    "error",
    "-i",
    path,
    ...(vf.length ? ["-vf", vf.join(",")] : []),
    "-frames:v",
    "1",
    "-f",
    "rawvideo",
    "-pix_fmt",
    channels === 4 ? "rgba" : "rgb24",
    "-",
  ]);
  if (data.length !== w * h * channels) throw new Error(`${path}: decoded ${data.length} bytes`);
  return { width: w, height: h, channels, data };
}

/** Encode a raw image to PNG with ffmpeg. */
export async function writePng(
  path: string,
  img: RawImage,
  opts: { ffmpeg?: string } = {},
): Promise<void> {
  const ff = opts.ffmpeg ?? await ffmpegPath();
  await runTool(ff, [
    "-v",
    "error",
    "-y",
    "-f",
    "rawvideo",
    "-pix_fmt",
    img.channels === 4 ? "rgba" : "rgb24",
    "-s",
    `${img.width}x${img.height}`,
    "-i",
    "-",
    "-frames:v",
    "1",
    "-f",
    "image2",
    "-c:v",
    "png",
    "-pix_fmt",
    img.channels === 4 ? "rgba" : "rgb24",
    path,
  ], img.data);
}

/** Width and height from a PNG's IHDR chunk. */
export function pngSize(path: string): { w: number; h: number } {
  const f = Deno.openSync(path, { read: true });
  try {
    const head = new Uint8Array(24);
    let n = 0;
    while (n < 24) {
      const r = f.readSync(head.subarray(n));
      if (r === null) break;
      n += r;
    }
    const sig = [137, 80, 78, 71, 13, 10, 26, 10];
    if (n < 24 || sig.some((b, i) => head[i] !== b)) throw new Error(`${path}: not a PNG file`);
    const dv = new DataView(head.buffer);
    return { w: dv.getUint32(16), h: dv.getUint32(20) };
  } finally {
    f.close();
  }
}
