/** The analyzer's Prometheus metrics, per camera and for its writers. */
import type { CropUploader } from "../capture/crop_uploader.ts";
import type { DbWriter } from "../persist/db_writer.ts";
import type { CameraPipeline } from "../pipeline/camera_pipeline.ts";
import type { RealtimePublisher } from "../publish/publisher.ts";
import { QUANTILES, STAGES } from "../pipeline/stage_timings.ts";
import { heapSpaces, type IsolateMemory, isolateMemory } from "./isolate_memory.ts";
import { metricLines } from "../../shared/metrics.ts";
import { plateSearchCounters } from "../capture/plate_search.ts";

export function analyzerMetrics(
  pipelines: CameraPipeline[],
  publisher: RealtimePublisher | null,
  writer: DbWriter | null,
  uploader: CropUploader,
  /** The worker isolates' own reports (inference, decode per camera); main is added here. */
  workers: { isolate: string; memory: IsolateMemory | null }[] = [],
): string {
  const cams = (f: (p: CameraPipeline) => number) =>
    pipelines.map((p) => ({ labels: { camera: p.camera }, value: f(p) }));
  const one = (value: number) => [{ value }];
  const plates = plateSearchCounters();
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
    // Motion gating (detect.motion_gating): detected + skipped = stopline_frames_total.
    metricLines(
      "stopline_detected_frames_total",
      "counter",
      "Analyzed frames the detector ran on.",
      cams((p) => p.stats.detectedFrames),
    ),
    metricLines(
      "stopline_skipped_frames_total",
      "counter",
      "Analyzed frames the detector skipped (motion gating: nothing moved; tracks predicted).",
      cams((p) => p.stats.frames - p.stats.detectedFrames),
    ),
    metricLines(
      "stopline_detected_share",
      "gauge",
      "Share of the analyzed frames of the last 10 s the detector ran on (0..1).",
      cams((p) => p.stats.detectedShare),
    ),
    metricLines("stopline_fps", "gauge", "Analyzed frames per second.", cams((p) => p.stats.fps)),
    metricLines(
      "stopline_infer_ms",
      "gauge",
      "Detector time per frame, ms (smoothed).",
      cams((p) => p.stats.inferMs),
    ),
    metricLines("stopline_lag_ms", "gauge", "Capture to tick, ms.", cams((p) => p.stats.lagMs)),
    metricLines(
      "stopline_frame_age_seconds",
      "gauge",
      "Time since the camera's last decoded frame (cameras without a frame yet are left out).",
      pipelines.filter((p) => p.stats.lastFrameAt > 0).map((p) => ({
        labels: { camera: p.camera },
        value: Math.max(0, Date.now() - p.stats.lastFrameAt) / 1000,
      })),
    ),
    metricLines(
      "stopline_stage_ms",
      "summary",
      "Capture -> tick published, per stage, over the last 600 frames (ms).",
      pipelines.flatMap((p) =>
        STAGES.flatMap((stage) => {
          const q = p.timings.quantiles(stage);
          return QUANTILES.map((quantile) => ({
            labels: { camera: p.camera, stage, quantile: String(quantile) },
            value: q[quantile],
          }));
        })
      ),
    ),
    metricLines("stopline_passes_total", "counter", "Passes judged.", cams((p) => p.stats.passes)),
    metricLines(
      "stopline_source_restarts_total",
      "counter",
      "Stream reconnects.",
      cams((p) => p.source.restarts),
    ),
    // privacy.blur: [plate] (analyzer/capture/plate_search.ts): a refused or failed search
    // pixelated the whole vehicle instead of its plate.
    metricLines(
      "stopline_plate_searches_total",
      "counter",
      "Plate searches answered (crops of cameras that blur plates).",
      one(plates.searches),
    ),
    metricLines(
      "stopline_plate_search_seconds_total",
      "counter",
      "Worker time spent in answered plate searches.",
      one(plates.searchMsTotal / 1000),
    ),
    metricLines(
      "stopline_plate_searches_refused_total",
      "counter",
      "Crops not plate-searched because the camera's queue was full (whole vehicle pixelated).",
      cams((p) => p.plateSearchesRefused),
    ),
    metricLines(
      "stopline_plate_searches_failed_total",
      "counter",
      "Plate searches that failed, crashed or timed out (whole vehicle pixelated).",
      one(plates.failed),
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
    metricLines(
      "stopline_crops_pending",
      "gauge",
      "Crops spooled locally, waiting for the object store (the upload retry queue).",
      one(uploader.pendingCrops),
    ),
    ..._memory(workers),
  ].join("");
}

/** Process memory, to tell a JavaScript heap that grows (per isolate) from native growth. */
function _memory(workers: { isolate: string; memory: IsolateMemory | null }[]): string[] {
  const isolates = [{ isolate: "main", memory: isolateMemory() }, ...workers]
    .filter((w): w is { isolate: string; memory: IsolateMemory } => w.memory !== null);
  const per = (f: (m: IsolateMemory) => number) =>
    isolates.map((w) => ({ labels: { isolate: w.isolate }, value: f(w.memory) }));
  return [
    metricLines("stopline_rss_bytes", "gauge", "Resident set size.", [{
      value: Deno.memoryUsage().rss,
    }]),
    metricLines(
      "stopline_heap_used_bytes",
      "gauge",
      "V8 heap in use, per isolate.",
      per((m) => m.heapUsed),
    ),
    metricLines(
      "stopline_heap_total_bytes",
      "gauge",
      "V8 heap reserved, per isolate.",
      per((m) => m.heapTotal),
    ),
    metricLines(
      "stopline_heap_space_bytes",
      "gauge",
      "V8 heap spaces of the main isolate (size reserved per space).",
      heapSpaces().map((s) => ({ labels: { space: s.space }, value: s.size })),
    ),
    metricLines(
      "stopline_external_bytes",
      "gauge",
      "Memory held outside the V8 heap by JS objects, per isolate.",
      per((m) => m.external),
    ),
  ];
}
