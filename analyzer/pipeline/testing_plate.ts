/**
 * The background plate (samples/sprites/background.png, vtest's median frame) as an RGB24 frame,
 * for the motion and shake tests that synthesize frames on a real textured background. Not a
 * test file itself.
 */
import assert from "node:assert/strict";
import type { RgbImage } from "../capture/crop.ts";

export async function backgroundPlate(width: number, height: number): Promise<RgbImage> {
  const res = await new Deno.Command("ffmpeg", {
    args: [
      "-v",
      "error",
      "-i",
      new URL("../../samples/sprites/background.png", import.meta.url).pathname,
      "-vf",
      `scale=${width}:${height}`,
      "-f",
      "rawvideo",
      "-pix_fmt",
      "rgb24",
      "-",
    ],
    stdout: "piped",
  }).output();
  assert.equal(res.stdout.length, width * height * 3);
  return { width, height, data: res.stdout };
}
