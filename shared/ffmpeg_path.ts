/**
 * Which ffmpeg binary to run: `FFMPEG_PATH`, else `ffmpeg` on PATH, else the static build shipped
 * inside the npm package `@ffmpeg-installer/ffmpeg` (works offline, no apt needed).
 * Deno-only (spawns processes); used by the analyzer and the dev media relay.
 */

let cached: Promise<string> | undefined;

/** Resolve once per process. */
export function ffmpegPath(): Promise<string> {
  cached ??= _resolve();
  return cached;
}

async function _resolve(): Promise<string> {
  const fromEnv = Deno.env.get("FFMPEG_PATH");
  if (fromEnv) return fromEnv;
  if (await _runs("ffmpeg")) return "ffmpeg";
  const mod = await import("@ffmpeg-installer/ffmpeg");
  const path = (mod.default ?? mod).path as string;
  if (await _runs(path)) return path;
  throw new Error("no working ffmpeg: set FFMPEG_PATH or install ffmpeg");
}

async function _runs(bin: string): Promise<boolean> {
  try {
    const out = await new Deno.Command(bin, { args: ["-version"], stdout: "null", stderr: "null" })
      .output();
    return out.success;
  } catch {
    return false;
  }
}
