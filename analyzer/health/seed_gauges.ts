/**
 * Seed 001's per-camera gauges, the analyzer's links of the staleness chain: how long ago the
 * newest frame was captured (its PTS on the wall clock), decoded, run through the detector and
 * published as a tick, and how far behind its PTS-derived capture time a frame arrives. An age
 * that keeps growing names the link that stopped. Cameras without a frame yet are left out.
 */
import type { Gauge } from "../../shared/gauges.ts";
import type { CameraPipeline } from "../pipeline/camera_pipeline.ts";

export function seedGauges(
  pipelines: () => CameraPipeline[],
  now: () => number = Date.now,
): Gauge[] {
  const age = (at: (p: CameraPipeline) => number) => () => {
    const t = now();
    return pipelines().filter((p) => at(p) > 0).map((p) => ({
      labels: { camera: p.camera },
      value: Math.max(0, t - at(p)),
    }));
  };
  return [
    {
      name: "stopline_capture_age_ms",
      help: "Time since the capture time (PTS on the wall clock) of the newest decoded frame, ms.",
      unit: "ms",
      samples: age((p) => p.source.lastCaptureTs),
    },
    {
      name: "stopline_decode_age_ms",
      help: "Time since the decode worker delivered the newest frame, ms.",
      unit: "ms",
      samples: age((p) => p.source.lastDecodedAt),
    },
    {
      name: "stopline_infer_age_ms",
      help: "Time since the detector last returned detections, ms.",
      unit: "ms",
      samples: age((p) => p.stats.lastInferAt),
    },
    {
      name: "stopline_publish_age_ms",
      help: "Time since the last tick was handed to the publisher, ms.",
      unit: "ms",
      samples: age((p) => p.stats.lastPublishAt),
    },
    {
      name: "stopline_pts_wall_delta_ms",
      help:
        "Arrival of the newest frame minus its capture time from PTS (video behind the wall clock), ms.",
      unit: "ms",
      samples: () =>
        pipelines().filter((p) => p.source.lastDecodedAt > 0).map((p) => ({
          labels: { camera: p.camera },
          value: p.source.lastDecodedAt - p.source.lastCaptureTs,
        })),
    },
  ];
}
