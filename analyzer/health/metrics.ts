/** The analyzer's Prometheus metrics, per camera and for its writers. */
import type { CropUploader } from "../capture/crop_uploader.ts";
import type { DbWriter } from "../persist/db_writer.ts";
import type { CameraPipeline } from "../pipeline/camera_pipeline.ts";
import type { RealtimePublisher } from "../publish/publisher.ts";
import { metricLines } from "./server.ts";

export function analyzerMetrics(
  pipelines: CameraPipeline[],
  publisher: RealtimePublisher | null,
  writer: DbWriter | null,
  uploader: CropUploader,
): string {
  const cams = (f: (p: CameraPipeline) => number) =>
    pipelines.map((p) => ({ labels: { camera: p.camera }, value: f(p) }));
  const one = (value: number) => [{ value }];
  return [
    metricLines(
      "stopline_frames_total",
      "counter",
      "Frames analyzed.",
      cams((p) => p.stats.frames),
    ),
    metricLines(
      "stopline_decoded_frames_total",
      "counter",
      "Frames decoded.",
      cams((p) => p.source.frames),
    ),
    metricLines(
      "stopline_dropped_frames_total",
      "counter",
      "Frames dropped (latest-state).",
      cams((p) => p.stats.dropped),
    ),
    metricLines("stopline_fps", "gauge", "Analyzed frames per second.", cams((p) => p.stats.fps)),
    metricLines(
      "stopline_infer_ms",
      "gauge",
      "Detector time per frame, ms (smoothed).",
      cams((p) => p.stats.inferMs),
    ),
    metricLines("stopline_lag_ms", "gauge", "Capture to tick, ms.", cams((p) => p.stats.lagMs)),
    metricLines("stopline_passes_total", "counter", "Passes judged.", cams((p) => p.stats.passes)),
    metricLines(
      "stopline_source_restarts_total",
      "counter",
      "Stream reconnects.",
      cams((p) => p.source.restarts),
    ),
    metricLines(
      "stopline_ticks_published_total",
      "counter",
      "Messages sent with NOTIFY.",
      one(publisher?.published ?? 0),
    ),
    metricLines(
      "stopline_ticks_dropped_total",
      "counter",
      "Ticks replaced before sending.",
      one(publisher?.dropped ?? 0),
    ),
    metricLines(
      "stopline_passes_written_total",
      "counter",
      "Passes committed to Postgres.",
      one(writer?.passesWritten ?? 0),
    ),
    metricLines(
      "stopline_passes_pending",
      "gauge",
      "Passes spooled, not yet committed.",
      one(writer?.pendingPasses ?? 0),
    ),
    metricLines(
      "stopline_rows_dropped_total",
      "counter",
      "Samples/events dropped after a long outage.",
      one(writer?.rowsDropped ?? 0),
    ),
    metricLines(
      "stopline_crops_uploaded_total",
      "counter",
      "Crops stored.",
      one(uploader.uploaded),
    ),
    ..._memory(),
  ].join("");
}

/** Process memory, to tell a JavaScript heap leak from native growth (onnxruntime, buffers). */
function _memory(): string[] {
  const m = Deno.memoryUsage();
  return [
    metricLines("stopline_rss_bytes", "gauge", "Resident set size.", [{ value: m.rss }]),
    metricLines("stopline_heap_used_bytes", "gauge", "V8 heap in use.", [{ value: m.heapUsed }]),
    metricLines(
      "stopline_external_bytes",
      "gauge",
      "Memory held outside the V8 heap by JS objects.",
      [
        { value: m.external },
      ],
    ),
  ];
}
