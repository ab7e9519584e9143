/**
 * Process-level metrics the alert rules (deploy/alerts.yml) are built on: readiness as a gauge
 * (so "not ready for 5 minutes" can page), the process start time (so restarts can be counted
 * with `changes()`), and the data directory's disk (spools and crops live there).
 */
import { statfsSync } from "node:fs";
import { metricLines } from "../../shared/metrics.ts";

export interface DiskSpace {
  free_bytes: number;
  size_bytes: number;
}

/** Space on the filesystem holding `path` (available to this user), or null when unreadable. */
export function diskSpace(path: string): DiskSpace | null {
  try {
    const s = statfsSync(path);
    return { free_bytes: s.bavail * s.bsize, size_bytes: s.blocks * s.bsize };
  } catch {
    return null;
  }
}

export function processMetrics(p: {
  ready: boolean;
  started_ms: number;
  dataDir: string;
}): string {
  const disk = diskSpace(p.dataDir);
  return [
    metricLines("stopline_ready", "gauge", "1 when /readyz answers 200.", [{
      value: p.ready ? 1 : 0,
    }]),
    metricLines(
      "stopline_process_start_time_seconds",
      "gauge",
      "Start time of the analyzer process, unix seconds.",
      [{ value: Math.floor(p.started_ms / 1000) }],
    ),
    ...(disk
      ? [
        metricLines(
          "stopline_data_disk_free_bytes",
          "gauge",
          "Free space (for this user) on the data directory's filesystem.",
          [{ value: disk.free_bytes }],
        ),
        metricLines(
          "stopline_data_disk_size_bytes",
          "gauge",
          "Size of the data directory's filesystem.",
          [{ value: disk.size_bytes }],
        ),
      ]
      : []),
  ].join("");
}
