/**
 * Recorded detector output for tracker tests: NanoDet's boxes dumped from real runs, one row per
 * box, turned back into the tracker's input (bytetrack_test.ts, lead_in_test.ts).
 */
import type { Box } from "../../shared/geometry.ts";
import type { Detection } from "../detector/detection.ts";

/** One recorded box: [capture ms, label, conf, box px]. */
export type RecordedBox = [number, string, number, Box];

/** The detections of capture time `ts` scoring at least `minConf` (copies of the boxes). */
export function detsAt(rows: readonly RecordedBox[], ts: number, minConf = 0): Detection[] {
  return rows.filter((r) => r[0] === ts && r[2] >= minConf)
    .map(([, label, conf, box]) => ({ label, conf, box: [...box] as Box }));
}
