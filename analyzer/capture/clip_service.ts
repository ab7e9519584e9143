/**
 * The analyzer's clip service: which recording clips are cut from, the recorder (dev), the
 * durable clip worker, and their metrics, set up from the environment.
 * - MEDIA_PLAYBACK_URL set (a site): MediaMTX records; clips come from its playback server, with
 *   the reader's credentials (MEDIA_READ_USER/PASSWORD).
 * - otherwise (dev / embedded): the analyzer records each camera with clips on into
 *   `<data>/recordings/<camera>/` (SegmentRecorder), reading the same stream as its pipeline.
 */
import type { Config } from "../../shared/config.ts";
import { metricLines } from "../../shared/metrics.ts";
import type { ObjectStore } from "../../shared/object_store/mod.ts";
import { type MediaAccess, resolveSource } from "../sources.ts";
import { MediaMtxPlayback } from "./clip_mediamtx_playback.ts";
import type { Recording } from "./clip_recording.ts";
import { type RecordedCamera, SegmentRecorder } from "./clip_segment_recorder.ts";
import { ClipWorker, PgClipRows } from "./clip_worker.ts";
import type { PrivacyBoxLog } from "./privacy_boxes.ts";

export interface ClipServiceOptions {
  env: (n: string) => string | undefined;
  dataDir: string;
  store: ObjectStore;
  bucket: string;
  databaseUrl: string | undefined;
  media: MediaAccess;
  config: Config;
  log: (m: string) => void;
  /** The pipelines' per-frame boxes, for clips blurred by privacy.clips. */
  boxes?: PrivacyBoxLog;
}

export interface ClipService {
  worker: ClipWorker;
  /** Follow a new config (cameras recorded, retention, pre/post roll). */
  apply(config: Config): void;
  metrics(): string;
  close(): Promise<void>;
}

export function clipServiceFromEnv(o: ClipServiceOptions): ClipService {
  let config = o.config;
  const playbackUrl = o.env("MEDIA_PLAYBACK_URL");
  const recorder = playbackUrl
    ? null
    : new SegmentRecorder({ dir: `${o.dataDir}/recordings`, log: o.log });
  const recording: Recording = playbackUrl
    ? new MediaMtxPlayback({
      baseUrl: playbackUrl,
      user: o.env("MEDIA_READ_USER"),
      password: o.env("MEDIA_READ_PASSWORD"),
      retainMs: _maxRetainMs(config),
    })
    : recorder!;
  const rows = o.databaseUrl ? new PgClipRows(o.databaseUrl) : null;
  const worker = new ClipWorker({
    recording,
    store: o.store,
    rows,
    spoolDir: `${o.dataDir}/spool/clips`,
    bucket: o.bucket,
    settings: (camera) => {
      const cam = config.cameras[camera];
      if (!cam) return null;
      const blur = cam.privacy?.clips ? cam.privacy.blur : [];
      const privacy = blur.length
        ? { people: blur.includes("person"), plates: blur.includes("plate") }
        : undefined;
      return { ...cam.clips, privacy, keepOriginal: !!privacy && cam.privacy!.keep_originals };
    },
    log: o.log,
    boxes: o.boxes ?? null,
  });
  const apply = (next: Config) => {
    config = next;
    if (!recorder) return;
    const recorded = new Map<string, RecordedCamera>();
    for (const [id, cam] of Object.entries(next.cameras)) {
      if (!cam.clips.enabled) continue;
      recorded.set(id, {
        spec: resolveSource(id, cam, o.media).spec,
        retainMinutes: cam.record.retain_minutes,
      });
    }
    recorder.apply(recorded).catch((e) => o.log(`recorder: ${(e as Error).message}`));
  };
  apply(config);
  return {
    worker,
    apply,
    metrics: () =>
      metricLines("stopline_clips_done_total", "counter", "Pass clips cut, stored and recorded.", [
        { value: worker.done },
      ]) +
      metricLines(
        "stopline_clips_pending",
        "gauge",
        "Pass clips waiting (recording lagging, store or database down).",
        [{ value: worker.pendingClips }],
      ) +
      metricLines(
        "stopline_clips_blur_cpu_seconds_total",
        "counter",
        "CPU seconds spent re-encoding clips with people and plates pixelated (privacy.clips).",
        [{ value: Math.round(worker.blurCpuS * 100) / 100 }],
      ) +
      metricLines(
        "stopline_clips_failed_total",
        "counter",
        "Pass clips given up: the window was never recorded.",
        [{ value: worker.failed }],
      ),
    close: async () => {
      await worker.close();
      await recorder?.close();
      await rows?.close();
    },
  };
}

function _maxRetainMs(config: Config): number {
  const minutes = Object.values(config.cameras).map((c) => c.record.retain_minutes);
  return Math.max(10, ...minutes) * 60_000;
}
