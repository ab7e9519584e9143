/**
 * Parses ffmpeg's `showinfo` filter log: one line per decoded frame with its integer PTS and
 * size, plus the filter's input time base. PTS is exact (integer x time base), unlike
 * `pts_time`, which is rounded.
 */

export interface FrameInfo {
  n: number;
  pts: number;
  width: number;
  height: number;
  keyframe: boolean;
}

const FRAME_RE = /\bn:\s*(\d+)\s+pts:\s*(-?\d+)\s.*?\bs:(\d+)x(\d+)(?:.*?\biskey:(\d))?/;
const TIMEBASE_RE = /config in time_base:\s*(\d+)\/(\d+)/;

export type ShowinfoLine =
  | { kind: "frame"; frame: FrameInfo }
  | { kind: "timebase"; num: number; den: number }
  | { kind: "other"; text: string };

export function parseShowinfoLine(line: string): ShowinfoLine {
  if (line.includes("Parsed_showinfo")) {
    const f = FRAME_RE.exec(line);
    if (f) {
      return {
        kind: "frame",
        frame: {
          n: Number(f[1]),
          pts: Number(f[2]),
          width: Number(f[3]),
          height: Number(f[4]),
          keyframe: f[5] === "1",
        },
      };
    }
    const tb = TIMEBASE_RE.exec(line);
    if (tb && Number(tb[2]) > 0) {
      return { kind: "timebase", num: Number(tb[1]), den: Number(tb[2]) };
    }
  }
  return { kind: "other", text: line };
}
