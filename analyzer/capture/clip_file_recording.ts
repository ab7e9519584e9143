/**
 * Clips cut from a source file (the offline CLI's `--clips`): the file is its own recording,
 * its PTS 0 at capture time `anchorMs` (the CLI's --start). ffmpeg's input seek with `-c copy`
 * starts at the keyframe at or before the window's start.
 */
import { clipFromRaw, type CutResult, type Recording, runFfmpeg } from "./clip_recording.ts";

export class FileRecording implements Recording {
  constructor(readonly path: string, readonly anchorMs: number) {}

  async cut(_camera: string, fromMs: number, toMs: number, outPath: string): Promise<CutResult> {
    const seekS = Math.max(0, (fromMs - this.anchorMs) / 1000);
    const zeroMs = this.anchorMs + seekS * 1000;
    const raw = `${outPath}.raw.mp4`;
    try {
      await runFfmpeg([
        ...["-ss", seekS.toFixed(3), "-i", this.path, "-map", "0:v:0", "-c", "copy"],
        ...["-t", ((toMs - zeroMs) / 1000).toFixed(3), "-f", "mp4", raw],
      ]);
      return { status: "ok", ...await clipFromRaw(raw, zeroMs, outPath) };
    } catch (e) {
      return { status: "gone", reason: (e as Error).message };
    } finally {
      await Deno.remove(raw).catch(() => {});
    }
  }
}
