/**
 * Test fixtures shared by the detector tests: the vtest frame at 20 s and
 * where its people are. Not a test file itself (no `_test` suffix).
 */
import assert from "node:assert/strict";
import type { Detection, Frame } from "./detector.ts";

export const VTEST_SAMPLE = new URL("../../samples/vtest.mp4", import.meta.url).pathname;

/** One RGB24 frame of samples/vtest.mp4 (768x576). */
export async function vtestFrame(seconds = 20): Promise<Frame> {
  const out = await new Deno.Command("ffmpeg", {
    args: [
      ...["-v", "error", "-ss", String(seconds), "-i", VTEST_SAMPLE],
      ...["-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  assert.equal(out.stdout.length, 768 * 576 * 3);
  return { width: 768, height: 576, data: out.stdout };
}

/** People visible at 20 s (centre x, centre y), checked by eye on the frame. */
export const VTEST_PEOPLE: readonly (readonly [number, number])[] = [
  [634, 317],
  [724, 305],
  [234, 228],
  [503, 183],
  [96, 186],
];

export function summarize(dets: readonly Detection[]): string {
  return dets.map((d) =>
    `${d.label} ${d.conf.toFixed(2)} [${d.box.map((v) => Math.round(v)).join(",")}]`
  ).join("\n");
}

/** The confident person box whose centre is near (cx, cy), if any. */
export function personNear(
  dets: readonly Detection[],
  cx: number,
  cy: number,
  minConf: number,
): Detection | undefined {
  return dets.find((p) =>
    p.label === "person" && p.conf >= minConf &&
    Math.abs(p.box[0] + p.box[2] / 2 - cx) < 20 && Math.abs(p.box[1] + p.box[3] / 2 - cy) < 25
  );
}
