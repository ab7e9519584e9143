/** Test fixtures for pass records (persist, fleet, notify tests and the db bench). */
import type { PassRecord } from "./records.ts";

/**
 * The `i`th judged pass of a camera: a car that stopped 3 s, 10 s after the one before.
 * `overrides` replace fields (the id stays `<camera>:1000:<i>` unless given).
 */
export function testPassRecord(i: number, overrides: Partial<PassRecord> = {}): PassRecord {
  const camera = overrides.camera ?? "cam_01";
  return {
    id: `${camera}:1000:${i}`,
    camera,
    track_id: i,
    label: "car",
    verdict: "full_stop",
    entered_at: 1_763_700_000_000 + i * 10_000,
    exited_at: 1_763_700_004_000 + i * 10_000,
    time_in_zone_s: 4,
    stop_duration_s: 3,
    min_speed_px_s: 0,
    entry_speed_px_s: 80,
    image: null,
    quality: {},
    samples: [],
    ...overrides,
  };
}
