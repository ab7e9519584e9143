/** One video frame to a JPEG with ffmpeg (the snapshot route's sources: cameras/snapshot.ts). */
import { ffmpegPath } from "../../shared/ffmpeg_path.ts";

/**
 * Run ffmpeg to one JPEG on stdout. `input` (if given) is written to its stdin. Killed after
 * `timeoutMs`. ffmpeg's stderr is never returned to a client (it can echo a source URL).
 */
export async function ffmpegJpeg(
  args: string[],
  opts: { input?: Uint8Array; timeoutMs?: number } = {},
): Promise<Uint8Array<ArrayBuffer>> {
  const child = new Deno.Command(await ffmpegPath(), {
    args: [
      ...["-hide_banner", "-loglevel", "error", "-nostdin"].filter((a) =>
        !(opts.input && a === "-nostdin")
      ),
      ...args,
      ...["-frames:v", "1", "-f", "image2pipe", "-c:v", "mjpeg", "-q:v", "5", "pipe:1"],
    ],
    stdin: opts.input ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
  }, opts.timeoutMs ?? 8_000);
  try {
    if (opts.input) {
      const w = child.stdin.getWriter();
      // ffmpeg may stop reading once it has its frame: a broken pipe is not an error here.
      await w.write(opts.input).catch(() => {});
      await w.close().catch(() => {});
    }
    const out = await child.output();
    const jpeg = out.stdout;
    if (jpeg.length < 4 || jpeg[0] !== 0xff || jpeg[1] !== 0xd8) {
      const why = new TextDecoder().decode(out.stderr).trim().split("\n").at(-1) ?? "";
      throw new Error(`ffmpeg produced no frame (exit ${out.code}): ${why}`);
    }
    return new Uint8Array(jpeg);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Production frame source: one frame of `rtsp://<host>/<camera>` from MediaMTX with the read
 * credentials; null when MEDIA_READ_HOST is not set (no MediaMTX to read from).
 */
export function mediaMtxFrameGrab(
  env: (n: string) => string | undefined,
): ((camera: string) => Promise<Uint8Array<ArrayBuffer>>) | null {
  const host = env("MEDIA_READ_HOST")?.trim();
  if (!host) return null;
  const user = env("MEDIA_READ_USER") ?? "";
  const password = env("MEDIA_READ_PASSWORD") ?? "";
  const cred = user ? `${encodeURIComponent(user)}:${encodeURIComponent(password)}@` : "";
  return async (camera) => {
    return await ffmpegJpeg([
      ...["-rtsp_transport", "tcp", "-i", `rtsp://${cred}${host}/${encodeURIComponent(camera)}`],
    ]);
  };
}
