/**
 * One camera: frames from the decode Worker -> detector -> frame analysis (tracks, stop judge)
 * -> tick, events, samples, passes with crops -> sink. Live: pulls the newest frame only when
 * the previous one is done (latest-state) and never waits on the sink. Offline (CLI): lossless
 * and anchored at PTS 0, so results do not depend on machine speed.
 */
import type { CameraConfig } from "../../shared/config.ts";
import { type Box, normalizeBox, round } from "../../shared/geometry.ts";
import { encodeTick } from "../../shared/tick.ts";
import { AnnotatedStream } from "../annotate/annotated_stream.ts";
import { annotateFrame } from "../annotate/draw.ts";
import { copyRect, cropRect, encodeCrop, type RgbImage } from "../capture/crop.ts";
import {
  PLATE_SEARCH_MAX_PENDING,
  type PlateSearcher,
  sharedPlateSearch,
} from "../capture/plate_search.ts";
import type { PrivacyBoxLog } from "../capture/privacy_boxes.ts";
import { betterCapture, type CaptureRequest, type Pass } from "../judge/mod.ts";
import type { PassRecord, SampleRow } from "../persist/records.ts";
import { type DecodedFrame, FrameSource } from "../source/frame_source.ts";
import type { FrameMeta } from "../source/decode_protocol.ts";
import type { SourceSpec } from "../source/ffmpeg_args.ts";
import { streamClock } from "../source/stream_clock.ts";
import { resolveFilePath } from "../sources.ts";
import { FrameAnalysis, type FrameResult, LOW_SCORE } from "./frame_analysis.ts";
import type { FrameTracer, PassWrite } from "./frame_trace.ts";
import type { DetectResult, FrameDetector } from "./serial_detector.ts";
import { InferenceWorkerCrashed } from "../detector/inference_client.ts";
import { MotionDetector } from "./motion.ts";
import { type Shake, ShakeEstimator } from "./shake.ts";
import {
  approachBox,
  chooseRegions,
  cropRgb,
  DEFAULT_REGION_POLICY,
  fullFrameScale,
  fullFrameTracks,
  mergeSources,
  planRegions,
  type Region,
  regionNeeds,
  regionToFrame,
} from "./regions.ts";
import { passImageUri, type PipelineSink } from "./sink.ts";
import { markDoubtfulMotorcycles, withBicycles } from "./two_wheelers.ts";
import { StageTimings } from "./stage_timings.ts";
import { buildTick, type TickStats } from "./tick_builder.ts";

export interface PipelineStats {
  frames: number;
  fps: number;
  inferMs: number;
  lagMs: number;
  dropped: number;
  width: number;
  height: number;
  lastFrameAt: number;
  passes: number;
  /** Staleness chain after decode (its first links are the source's): when the detector last
   * returned and the last tick was handed to the publisher (ms since the epoch, 0 before). */
  lastInferAt: number;
  lastPublishAt: number;
  /** Share of the processed frames of the last 10 s the detector ran on (1 without gating). */
  detectedShare: number;
  /** Frames the detector ran on since the start. */
  detectedFrames: number;
  /** Region inferences (detect.regions: auto) since the start, besides the full frame's. */
  regionInferences: number;
  /** Inference ms summed over the full frame and the regions since the start. */
  inferMsTotal: number;
}

export interface PipelineDeps {
  detector: FrameDetector;
  sink: PipelineSink;
  /** Live camera (reconnect, latest-state) or offline file (lossless, ends). */
  live: boolean;
  /** Offline: wall-clock ms of PTS 0 (default 0). */
  anchorMs?: number;
  bucket?: string;
  /** Per-track state history rate (car_state_history), Hz. */
  sampleHz?: number;
  log?: (m: string) => void;
  /** OpenTelemetry spans per frame (only when OTLP export is configured). */
  tracer?: FrameTracer | null;
  /**
   * The plate search for `privacy.blur: [plate]` (default: the process's shared search worker,
   * model from `.data/models`; capture/plate_search.ts). Runs off the frame loop.
   */
  plates?: () => Promise<PlateSearcher>;
  /** This camera's plate searches queued or running at most (default PLATE_SEARCH_MAX_PENDING). */
  plateQueueMax?: number;
  /**
   * Where a camera with `annotated: true` publishes `<camera>_annotated` (an ffmpeg output URL),
   * or null: no annotated stream here (the offline CLI, no media server configured).
   */
  annotatedTarget?: (camera: string) => string | null;
  /** Side of the square detection regions: the model's input size (default 416, NanoDet). */
  regionSide_px?: number;
  /**
   * Where each detected frame's person and vehicle boxes are logged for clips blurred by
   * `privacy.clips` (capture/privacy_boxes.ts); absent: not logged.
   */
  privacyBoxes?: PrivacyBoxLog;
  /**
   * Offline probes of live timing (bench/irregular_frames.ts): each decoded frame's capture time
   * as a live camera under load would give it, or null for a frame the latest-state decoder
   * replaced while the detector was busy. Absent: every frame at its PTS.
   */
  liveTiming?: (meta: FrameMeta) => number | null;
}

/**
 * Does the frame captured at `captureTs` get processed at `fps`, the last processed one having been
 * captured at `lastProcessedTs`? detect.fps in capture time, with 10 % slack so a 15 fps stream at
 * 15 fps is not halved.
 */
export function dueAtFps(captureTs: number, lastProcessedTs: number, fps: number): boolean {
  return captureTs - lastProcessedTs >= (1000 / fps) * 0.9;
}

/** NanoDet-Plus m 416's input side, the bundled model. */
export const DEFAULT_REGION_SIDE_PX = 416;

export class CameraPipeline {
  readonly camera: string;
  readonly source: FrameSource;
  #cfg: CameraConfig;
  readonly #deps: PipelineDeps;
  readonly #analysis: FrameAnalysis;
  readonly #recent: number[] = [];
  /** Each open pass's best crop so far (its bytes pending while its plates are searched). */
  readonly #captures = new Map<string, _Capture>();
  /**
   * Plate searches, one at a time, off the frame loop (privacy.blur: [plate]): each encodes its
   * crop once its plates are known, so no unblurred crop exists even briefly.
   */
  #plateQueue: Promise<unknown> = Promise.resolve();
  /** Plate searches queued or running. */
  #searching = 0;
  /** Crops not searched because the queue was full (stored with the whole vehicle pixelated). */
  plateSearchesRefused = 0;
  /** Passes handed to the sink in order; a pass waits here (not in the loop) for its crop. */
  #passQueue: Promise<void> = Promise.resolve();
  /** A pass the sink could not take: the camera ends with it at the next frame, as before. */
  #passError: Error | null = null;
  /** Time spent in the frame loop per processed frame (frames skipped by detect.fps aside). */
  readonly loop = { frames: 0, totalMs: 0, maxMs: 0 };
  readonly #lastSample = new Map<number, number>();
  #running = false;
  /** The plate detector's last failure (logged once until it works again). */
  #plateError = "";
  #seq = 0;
  /** Frames lost with a crashed inference worker (counted as dropped). */
  #lost = 0;
  #lastProcessedTs = -Infinity;
  #done: Promise<void> | null = null;
  /** Live only: where each frame's time went, capture -> tick published. */
  readonly timings = new StageTimings();
  readonly stats: PipelineStats = {
    frames: 0,
    fps: 0,
    inferMs: 0,
    lagMs: 0,
    dropped: 0,
    width: 0,
    height: 0,
    lastFrameAt: 0,
    passes: 0,
    lastInferAt: 0,
    lastPublishAt: 0,
    detectedShare: 1,
    detectedFrames: 0,
    regionInferences: 0,
    inferMsTotal: 0,
  };
  /** Offline: the previous frame's arrival, where decoding of the next one began. */
  #prevArrivedAt = 0;
  /** `<camera>_annotated` while the config asks for it (live only). */
  #annotated: AnnotatedStream | null = null;
  /** Motion gating: the camera's motion detector and when the detector last ran (capture ms). */
  readonly #motion = new MotionDetector();
  #lastDetectTs = -Infinity;
  #lastOut: FrameResult | null = null;
  /** Tracks whose box was a region's at the detection that made #lastOut (regionNeeds). */
  #regionBoxed = new Set<number>();
  /** This frame's full-frame tracks, whose boxes stay the full frame's (mergeSources). */
  #keepFull: Box[] = [];
  /** Per processed frame of the last 10 s: 1 detected, 0 gated (oldest first). */
  readonly #detectedWindow: { ts: number; detected: 0 | 1 }[] = [];
  /** Detection regions for the current config and frame size (null: plan again). */
  #regions: { w: number; h: number; list: Region[] } | null = null;
  /** This frame's motion boxes (computed once per frame for gating and regions). */
  #moving: { ts: number; boxes: Box[] } | null = null;
  /** Camera shake: each detected frame's translation against the background (0 when unsure). */
  readonly #shake = new ShakeEstimator();

  constructor(camera: string, cfg: CameraConfig, spec: SourceSpec, deps: PipelineDeps) {
    this.camera = camera;
    this.#cfg = cfg;
    this.#deps = deps;
    this.#analysis = new FrameAnalysis(camera, cfg);
    this.#syncAnnotated();
    this.source = new FrameSource(spec, {
      reconnect: deps.live,
      lossless: !deps.live,
      anchorMs: deps.live ? undefined : deps.anchorMs ?? 0,
      // The relay's stream: the same capture timeline as the clip recorder's.
      clock: deps.live && spec.sharedTimeline ? streamClock(camera) : undefined,
      log: (m) => deps.log?.(`${camera}: ${m}`),
    });
  }

  get config(): CameraConfig {
    return this.#cfg;
  }

  /** Hot reload (zones, thresholds, classes, fps): applies from the next frame. */
  setConfig(cfg: CameraConfig): void {
    this.#cfg = cfg;
    this.#regions = null;
    this.#analysis.setConfig(cfg);
    this.#syncAnnotated();
  }

  /** The annotated stream (null when off): its drop counters, and its ffmpeg for tests. */
  get annotated(): AnnotatedStream | null {
    return this.#annotated;
  }

  #syncAnnotated(): void {
    const target = this.#cfg.annotated && this.#deps.live
      ? this.#deps.annotatedTarget?.(this.camera) ?? null
      : null;
    if (!target) {
      void this.#annotated?.close();
      this.#annotated = null;
      return;
    }
    if (this.#annotated) return;
    this.#annotated = new AnnotatedStream({
      camera: this.camera,
      target,
      fps: this.#cfg.detect.fps,
      log: this.#deps.log,
    });
  }

  /** The approach-path squares regions may use (none when off or without zones). */
  #plannedRegions(w: number, h: number): Region[] {
    if (this.#regions?.w === w && this.#regions.h === h) return this.#regions.list;
    const list = this.#cfg.detect.regions === "auto"
      ? planRegions(this.#cfg.zones, w, h, this.#deps.regionSide_px ?? DEFAULT_REGION_SIDE_PX)
      : [];
    this.#regions = { w, h, list };
    return list;
  }

  /** Resolves when the source ends (offline) or after `stop()`. */
  start(): Promise<void> {
    this.#running = true;
    this.source.start();
    this.#done = this.#loop();
    return this.#done;
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.source.stop();
    await this.#done;
    await this.#annotated?.close();
  }

  async #loop(): Promise<void> {
    while (this.#running) {
      const frame = await this.source.next();
      if (!frame) break;
      if (this.#deps.liveTiming) {
        const ts = this.#deps.liveTiming(frame.meta);
        if (ts === null) {
          this.source.release(frame);
          continue;
        }
        frame.meta.captureTs = ts;
      }
      if (!dueAtFps(frame.meta.captureTs, this.#lastProcessedTs, this.#cfg.detect.fps)) {
        this.source.release(frame);
        continue;
      }
      this.#lastProcessedTs = frame.meta.captureTs;
      const t0 = performance.now();
      await this.#process(frame);
      const ms = performance.now() - t0;
      this.loop.frames++;
      this.loop.totalMs += ms;
      if (ms > this.loop.maxMs) this.loop.maxMs = ms;
    }
    // A file ended (or we were stopped): judge what is still open, end the tracks still held.
    const last = this.#analysis.flush();
    for (const ev of last.events) this.#deps.sink.trackEvent(ev);
    for (const p of last.passes) await this.#queuePass(p);
    await this.#passQueue;
    if (this.#passError) throw this.#passError;
  }

  /**
   * Hands `p` to the sink after the passes before it. Resolves when it is written; a camera that
   * searches plates does not wait for that (its crop may still be searched), and a failure of
   * the sink then ends the camera at its next frame.
   */
  #queuePass(p: Pass): Promise<void> {
    const run = this.#passQueue.then(() => this.#emitPass(p));
    this.#passQueue = run.catch((e: Error) => {
      this.#passError ??= e;
    });
    return run;
  }

  /** Motion gating: does this frame need the detector? (Every frame without gating.) */
  #mustDetect(frame: DecodedFrame): boolean {
    const { meta } = frame;
    const cfg = this.#cfg.detect;
    if (!cfg.motion_gating) return true;
    const moving = this.#motionBoxes(frame);
    if (!this.#lastOut) return true;
    if (meta.captureTs - this.#lastDetectTs >= cfg.stationary_interval_s * 1000) return true;
    const stopSpeed_px_s = this.#cfg.stop?.stop_speed_px_s ?? 10;
    if (this.#lastOut.tracks.some((t) => t.id > 0 && t.speed_px_s > stopSpeed_px_s)) return true;
    const area = _approachArea(this.#cfg, meta.width, meta.height);
    return moving.some((b) =>
      b[0] < area[0] + area[2] && b[0] + b[2] > area[0] && b[1] < area[1] + area[3] &&
      b[1] + b[3] > area[1]
    );
  }

  /** The frame's motion boxes, once per frame (the detector learns its background from each). */
  #motionBoxes(frame: DecodedFrame): Box[] {
    const { meta } = frame;
    if (this.#moving?.ts === meta.captureTs) return this.#moving.boxes;
    const image = { width: meta.width, height: meta.height, data: frame.data };
    const boxes = this.#motion.update(image, this.#cfg.detect.low_light);
    this.#moving = { ts: meta.captureTs, boxes };
    return boxes;
  }

  /**
   * This frame's shake, measured on blocks away from the last tracks and this frame's motion
   * (when gating or regions computed it): a vehicle's own movement must not read as the camera's.
   */
  #shakeOf(frame: DecodedFrame): Shake {
    const { meta } = frame;
    const margin = 8;
    const exclude: Box[] = (this.#lastOut?.tracks ?? []).map((t) => [
      t.box[0] - margin,
      t.box[1] - margin,
      t.box[2] + 2 * margin,
      t.box[3] + 2 * margin,
    ]);
    if (this.#moving?.ts === meta.captureTs) exclude.push(...this.#moving.boxes);
    return this.#shake.update(
      { width: meta.width, height: meta.height, data: frame.data },
      exclude,
    );
  }

  /**
   * This frame's regions (issue #12 item 3): squares around small tracks on or near the approach
   * path and small motion near it, capped per frame; none when nothing small is there, so an
   * empty street costs the full frame's inference only.
   */
  #regionsFor(frame: DecodedFrame): Region[] {
    const { width: w, height: h } = frame.meta;
    const planned = this.#plannedRegions(w, h);
    const zones = this.#cfg.zones;
    if (planned.length === 0 || !zones) return [];
    const side_px = this.#deps.regionSide_px ?? DEFAULT_REGION_SIDE_PX;
    const policy = DEFAULT_REGION_POLICY;
    const last = this.#lastOut;
    const tracks = (last?.tracks ?? []).map((t) => ({
      box: t.box,
      speed_px_s: t.speed_px_s,
      phase: last?.phases.get(t.id)?.phase ?? null,
      regionBoxed: this.#regionBoxed.has(t.id),
    }));
    const scale = fullFrameScale(w, h, side_px);
    this.#keepFull = fullFrameTracks(tracks, scale, policy);
    const needs = regionNeeds(
      tracks,
      this.#motionBoxes(frame),
      approachBox(zones, w, h, policy.nearShare),
      scale,
      policy,
      this.#cfg.stop?.stop_speed_px_s ?? 10,
    );
    return chooseRegions(needs, planned, w, h, side_px, policy);
  }

  /**
   * A gated frame: no detection. The tick still goes out at this frame's time with the tracks
   * predicted forward by their Kalman filters (the overlay keeps moving, no box drops); the
   * tracker and the judge are not fed, so nothing is counted twice. A stopped vehicle's live
   * timer runs on (nothing moved near it, or the detector would have run).
   */
  #skip(frame: DecodedFrame, prev: FrameResult): void {
    const { meta } = frame;
    this.#noteDetected(meta.captureTs, 0);
    this.#updateStats(meta.captureTs, meta.width, meta.height, null);
    const s = this.stats;
    const since_s = Math.max(0, meta.captureTs - this.#lastDetectTs) / 1000;
    const phases = new Map(
      [...prev.phases].map(([id, p]) => [
        id,
        p.phase === "stopped" && p.stop_s != null ? { ...p, stop_s: p.stop_s + since_s } : p,
      ]),
    );
    const tracks = this.#analysis.predict(meta.captureTs);
    const tick = buildTick(
      this.camera,
      this.#seq++,
      meta.captureTs,
      { w: meta.width, h: meta.height },
      tracks,
      phases,
      this.#tickStats(),
      meta.streamPtsS * 1000,
    );
    this.#deps.sink.tick(this.camera, encodeTick(tick));
    s.lastPublishAt = Date.now();
    // The annotated stream keeps its frame rate too (offer copies the frame before release).
    this.#offerAnnotated({ width: meta.width, height: meta.height, data: frame.data }, {
      tracks,
      phases,
    });
    this.source.release(frame);
  }

  /** Draw the tracks on a copy for `<camera>_annotated`, only when ffmpeg can take the frame. */
  #offerAnnotated(
    pixels: RgbImage,
    out: Pick<FrameResult, "tracks" | "phases">,
  ): void {
    this.#annotated?.offer(pixels, (img) =>
      annotateFrame(img, {
        tracks: out.tracks.map((t) => ({
          id: t.id,
          box: t.box,
          phase: out.phases.get(t.id)?.phase ?? null,
          stop_s: out.phases.get(t.id)?.stop_s ?? null,
        })),
        stopZone: this.#cfg.zones?.stop_zone,
      }));
  }

  #tickStats(): TickStats {
    const s = this.stats;
    return {
      fps: s.fps,
      infer_ms: s.inferMs,
      lag_ms: s.lagMs,
      dropped: s.dropped,
      detected_share: s.detectedShare,
    };
  }

  #noteDetected(ts: number, detected: 0 | 1): void {
    const w = this.#detectedWindow;
    w.push({ ts, detected });
    while (w.length > 0 && ts - w[0].ts > 10_000) w.shift();
    this.stats.detectedShare = w.reduce((n, e) => n + e.detected, 0) / w.length;
  }

  async #process(frame: DecodedFrame): Promise<void> {
    if (this.#passError) throw this.#passError;
    const { meta } = frame;
    if (!this.#mustDetect(frame) && this.#lastOut) return this.#skip(frame, this.#lastOut);
    this.#lastDetectTs = meta.captureTs;
    this.#noteDetected(meta.captureTs, 1);
    this.stats.detectedFrames++;
    // Before the detector takes the frame's buffer: regions follow this frame's motion, and the
    // frame's shake is measured on its background.
    const regions = this.#regionsFor(frame);
    const shake = this.#shakeOf(frame);
    const takenAt = Date.now();
    // Privacy: people are detected for the blur even when they are not a tracked class.
    const blurPeople = this.#cfg.privacy?.blur.includes("person") ?? false;
    const tracked = this.#cfg.classes;
    const withPeople = blurPeople && !tracked.includes("person") ? [...tracked, "person"] : tracked;
    // Bicycles too when motorcycles are tracked: they tell cyclists from motorcycles.
    const classes = [...withBicycles(withPeople)];
    const detectOpts = {
      minConf: Math.min(LOW_SCORE, this.#cfg.detect.min_conf),
      classes,
      lowLight: this.#cfg.detect.low_light,
    };
    let result: DetectResult;
    let perRegion: DetectResult[] = [];
    try {
      result = await this.#deps.detector.detect(
        { width: meta.width, height: meta.height, data: frame.data },
        detectOpts,
      );
      // One inference per crop (copies: the detector transfers its input buffer to the worker).
      const full = new Uint8Array(result.buffer);
      perRegion = await Promise.all(
        regions.map((r) =>
          this.#deps.detector.detect(
            cropRgb({ width: meta.width, height: meta.height, data: full }, r),
            detectOpts,
          )
        ),
      );
    } catch (e) {
      // Its inference worker crashed with the frame in it (the pool restarts the worker): the
      // frame is dropped, its buffer gone with the worker. Any other failure ends the camera.
      if (!(e instanceof InferenceWorkerCrashed)) throw e;
      this.#lost++;
      this.#deps.log?.(`${this.camera}: frame dropped: ${e.message}`);
      return;
    }
    const pixels = { width: meta.width, height: meta.height, data: new Uint8Array(result.buffer) };
    let found = result.detections;
    let inferMs = result.inferMs;
    if (regions.length > 0) {
      this.stats.regionInferences += regions.length;
      inferMs += perRegion.reduce((sum, r) => sum + r.inferMs, 0);
      found = mergeSources(
        [
          found,
          ...perRegion.map((r, i) =>
            regionToFrame(r.detections, regions[i], meta.width, meta.height)
          ),
        ],
        this.#keepFull,
      );
    }
    const detectedAt = Date.now();
    this.stats.lastInferAt = detectedAt;
    this.stats.inferMsTotal += inferMs;
    const detections = markDoubtfulMotorcycles(found).filter((d) => tracked.includes(d.label));
    // Tracks and the judge see the boxes where a still camera would have them (issue #12: a
    // 2 px shake at 6.3 px/m moved the anchors 0.32 m a frame); crops go back to the frame's pixels.
    const stepped = _unshaken(detections, shake);
    const out = this.#analysis.step(stepped, meta.captureTs, meta.width, meta.height);
    this.#lastOut = out;
    // Which tracks took a region's box (the detection whose box their raw box copies).
    const regional = stepped.filter((d) => d.region);
    this.#regionBoxed = new Set(
      out.tracks.filter((t) =>
        t.lastTs === meta.captureTs &&
        regional.some((d) => d.box.every((v, k) => v === t.rawBox[k]))
      ).map((t) => t.id),
    );
    const people = blurPeople ? found.filter((d) => d.label === "person").map((d) => d.box) : [];
    this.#logPrivacyBoxes(meta.captureTs, people, detections);

    this.#updateStats(meta.captureTs, meta.width, meta.height, inferMs);
    const s = this.stats;
    const tick = buildTick(
      this.camera,
      this.#seq++,
      meta.captureTs,
      { w: meta.width, h: meta.height },
      out.tracks,
      out.phases,
      this.#tickStats(),
      meta.streamPtsS * 1000,
    );
    const sink = this.#deps.sink;
    const analyzedAt = Date.now();
    sink.tick(this.camera, encodeTick(tick));
    const times = {
      captureTs: meta.captureTs,
      arrivedAt: meta.arrivedAt,
      takenAt,
      detectedAt,
      inferMs,
      publishedAt: Date.now(),
    };
    s.lastPublishAt = times.publishedAt;
    if (this.#deps.live) this.timings.record(times);
    // Crops after the tick is out; a plate search (privacy) is queued, off the loop.
    this.#takeCrops(_shakenCaptures(out, shake), pixels, people);
    // Drawn on a copy, and only when ffmpeg can take the frame: it never holds the pipeline.
    this.#offerAnnotated(pixels, out);
    this.source.release({ meta, data: pixels.data });
    for (const ev of out.events) sink.trackEvent(ev);
    const rows = this.#samples(out, meta.captureTs, meta.width, meta.height);
    if (rows.length) sink.samples(rows);
    const tracer = this.#deps.tracer;
    const writes: PassWrite[] = [];
    for (const p of out.passes) {
      const startedAt = Date.now();
      const written = this.#queuePass(p);
      // While plates are searched, passes are written when their crops are ready, off the loop.
      if (this.#searching > 0) continue;
      await written;
      if (tracer) writes.push({ passId: p.id, verdict: p.verdict, startedAt, endedAt: Date.now() });
    }
    if (tracer) {
      // Live, capture time is wall time (the camera's clock via PTS); offline it is the file's
      // timeline, so decoding is taken to start when the previous frame had arrived.
      const decodeStartedAt = this.#deps.live
        ? meta.captureTs
        : Math.min(this.#prevArrivedAt || meta.arrivedAt, meta.arrivedAt);
      tracer.frame({
        ...times,
        camera: this.camera,
        seq: tick.seq,
        decodeStartedAt,
        analyzedAt,
        passes: writes,
      });
    }
    this.#prevArrivedAt = meta.arrivedAt;
  }

  /**
   * Encode a crop only when it beats the one already kept for that pass (people and plates
   * blurred). With privacy on, the original is encoded too only with `keep_originals`. With
   * plates blurred, the crop's pixels are copied and queued for the plate search (off the loop):
   * the crop is encoded, blurred, once its plates are known; a capture beaten before its search
   * starts is never searched.
   */
  #takeCrops(
    out: FrameResult,
    frame: { width: number; height: number; data: Uint8Array },
    people: Box[],
  ): void {
    for (const id of out.discarded) this.#supersede(id);
    const privacy = this.#cfg.privacy;
    const keepOriginal = !!privacy?.blur.length && privacy.keep_originals;
    for (const req of out.captures) {
      const prev = this.#captures.get(req.passId)?.req ?? null;
      if (prev && betterCapture(prev, req) === prev) continue;
      this.#supersede(req.passId);
      const plates = privacy?.blur.includes("plate") ?? false;
      const queueFull = plates &&
        this.#searching >= (this.#deps.plateQueueMax ?? PLATE_SEARCH_MAX_PENDING);
      if (queueFull) this.plateSearchesRefused++;
      if (!plates || queueFull) {
        // No plates to search, or no room to queue a search: the whole vehicle (fail closed).
        const blur = queueFull ? [...people, req.box] : people;
        const bytes = _encodeCapture(frame, req.box, blur, keepOriginal);
        this.#captures.set(req.passId, { req, bytes, superseded: false });
        continue;
      }
      // Only the crop's rectangle leaves the frame (whose buffer goes back to the decoder): the
      // plate search's region (the vehicle + 10%) lies inside it, and the crop of the moved box
      // in it is the same rectangle, so the bytes are those the whole frame would give.
      const rect = cropRect(req.box, frame.width, frame.height, 0.2);
      const image = copyRect(frame, rect);
      const shift = (b: Box): Box => [b[0] - rect[0], b[1] - rect[1], b[2], b[3]];
      const vehicle = shift(req.box);
      const peopleIn = people.map(shift);
      const capture: _Capture = { req, bytes: null, superseded: false };
      this.#searching++;
      const searched = this.#plateQueue.then(async () => {
        if (capture.superseded) return null;
        const blur = [...peopleIn, ...(await this.#plates(image, vehicle))];
        return _encodeCapture(image, vehicle, blur, keepOriginal);
      }).finally(() => this.#searching--);
      capture.bytes = searched;
      this.#plateQueue = searched.catch(() => {});
      this.#captures.set(req.passId, capture);
    }
  }

  /** The pass's kept capture is beaten or its pass discarded: a queued search of it is skipped. */
  #supersede(passId: string): void {
    const c = this.#captures.get(passId);
    if (c) c.superseded = true;
    this.#captures.delete(passId);
  }

  /**
   * Clips blurred by privacy.clips: this frame's people and vehicles (the tracked classes other
   * than person, at any confidence the detector returned) by capture time.
   */
  #logPrivacyBoxes(ts: number, people: Box[], detections: readonly { label: string; box: Box }[]) {
    const privacy = this.#cfg.privacy;
    if (!this.#deps.privacyBoxes || !privacy?.clips || !privacy.blur.length) return;
    const vehicles = privacy.blur.includes("plate")
      ? detections.filter((d) => d.label !== "person").map((d) => d.box)
      : [];
    this.#deps.privacyBoxes.add(this.camera, ts, people, vehicles);
  }

  /**
   * Text regions on the vehicle; when the search fails (the model cannot load, the worker crashed
   * or is stuck), the whole vehicle (fail closed).
   */
  async #plates(frame: RgbImage, vehicle: Box): Promise<Box[]> {
    try {
      const search = await (this.#deps.plates ??
        (() => sharedPlateSearch(resolveFilePath(".data/models"))))();
      const found = await search.detect(frame, vehicle);
      this.#plateError = "";
      return found;
    } catch (e) {
      const msg = (e as Error).message;
      if (msg !== this.#plateError) {
        this.#deps.log?.(
          `${this.camera}: plate detector unavailable (${msg}); blurring the whole vehicle`,
        );
      }
      this.#plateError = msg;
      return [vehicle];
    }
  }

  async #emitPass(p: Pass): Promise<void> {
    const capture = this.#captures.get(p.id);
    this.#captures.delete(p.id);
    // Never superseded once taken here: its search runs (or has run) and resolves, blurred. If
    // encoding failed, the pass goes without a crop (never with an unblurred one).
    const crop = capture
      ? await Promise.resolve(capture.bytes).catch((e: Error) => {
        this.#deps.log?.(`${this.camera}: crop of ${p.id} lost: ${e.message}`);
        return null;
      })
      : null;
    const bucket = this.#deps.bucket ?? "stopline";
    const record: PassRecord = {
      id: p.id,
      camera: p.camera,
      track_id: p.track_id,
      label: p.label,
      verdict: p.verdict,
      entered_at: p.entered_at,
      exited_at: p.exited_at,
      time_in_zone_s: round(p.time_in_zone_s, 3),
      stop_duration_s: round(p.stop_duration_s, 3),
      min_speed_px_s: round(p.min_speed_px_s, 2),
      entry_speed_px_s: round(p.entry_speed_px_s, 2),
      entry_speed_mps: p.entry_speed_mps,
      min_speed_mps: p.min_speed_mps,
      max_speed_mps: p.max_speed_mps,
      image: crop ? passImageUri(bucket, p.camera, p.id, p.exited_at) : null,
      quality: { ...p.quality, longest_stop_s: p.longest_stop_s },
      samples: p.samples,
    };
    this.stats.passes++;
    await this.#deps.sink.pass(record, crop?.jpeg ?? null, crop?.original ?? null);
  }

  /** Downsampled track states for car_state_history (sampleHz per track). */
  #samples(out: FrameResult, ts: number, w: number, h: number): SampleRow[] {
    const every = 1000 / (this.#deps.sampleHz ?? 4);
    const rows: SampleRow[] = [];
    for (const t of out.tracks) {
      const last = this.#lastSample.get(t.id) ?? -Infinity;
      if (ts - last < every * 0.95) continue;
      this.#lastSample.set(t.id, ts);
      rows.push({
        camera: this.camera,
        track_id: t.id,
        ts,
        cx: round(t.center[0], 1),
        cy: round(t.center[1], 1),
        speed_px_s: round(t.speed_px_s, 2),
        phase: out.phases.get(t.id)?.phase ?? null,
        bbox: normalizeBox(t.box, w, h),
      });
    }
    for (const ev of out.events) {
      if (ev.event === "end" && ev.before) this.#lastSample.delete(ev.before.id);
    }
    return rows;
  }

  /** `inferMs` null: the detector was skipped (motion gating), its smoothed time stays. */
  #updateStats(captureTs: number, w: number, h: number, inferMs: number | null): void {
    const now = Date.now();
    this.#recent.push(now);
    while (this.#recent.length > 0 && now - this.#recent[0] > 2000) this.#recent.shift();
    const s = this.stats;
    s.frames++;
    s.fps = this.#recent.length > 1
      ? ((this.#recent.length - 1) * 1000) / Math.max(1, now - this.#recent[0])
      : 0;
    if (inferMs !== null) {
      s.inferMs = s.detectedFrames <= 1 ? inferMs : s.inferMs + 0.1 * (inferMs - s.inferMs);
    }
    s.lagMs = this.#deps.live ? now - captureTs : 0;
    s.dropped = this.source.dropped + this.#lost;
    s.width = w;
    s.height = h;
    s.lastFrameAt = now;
  }
}

/** A pass's best crop so far: its bytes, or their promise while its plates are searched. */
interface _Capture {
  req: CaptureRequest;
  bytes: _CropBytes | Promise<_CropBytes | null> | null;
  /** Beaten by a better capture or its pass discarded: a queued search of it is skipped. */
  superseded: boolean;
}

interface _CropBytes {
  jpeg: Uint8Array;
  original?: Uint8Array;
}

/** The crop of `box` with `blur` pixelated, and its unblurred original when it is kept. */
function _encodeCapture(img: RgbImage, box: Box, blur: Box[], keepOriginal: boolean): _CropBytes {
  return {
    jpeg: encodeCrop(img, box, 85, 0.2, blur),
    original: keepOriginal ? encodeCrop(img, box, 85, 0.2) : undefined,
  };
}

/** Detections moved back by the frame's shake (the same array when there is none). */
function _unshaken<T extends { box: Box }>(dets: T[], shake: Shake): T[] {
  if (!shake.dx && !shake.dy) return dets;
  return dets.map((d) => ({
    ...d,
    box: [d.box[0] - shake.dx, d.box[1] - shake.dy, d.box[2], d.box[3]] as Box,
  }));
}

/** The frame's crop requests in its own pixels (the judge's boxes are unshaken). */
function _shakenCaptures(out: FrameResult, shake: Shake): FrameResult {
  if (!shake.dx && !shake.dy) return out;
  return {
    ...out,
    captures: out.captures.map((c) => ({
      ...c,
      box: [c.box[0] + shake.dx, c.box[1] + shake.dy, c.box[2], c.box[3]] as Box,
    })),
  };
}

/** The area whose motion wakes the detector: the approach path with margin, or the whole frame. */
function _approachArea(cfg: CameraConfig, w: number, h: number): Box {
  const z = cfg.zones;
  if (!z) return [0, 0, w, h];
  const pts = [...z.stop_zone, ...(z.pre_stop_line ?? []), ...(z.capture_line ?? [])];
  const m = 0.15; // a vehicle length or two before the line, normalized
  const x0 = Math.max(0, Math.min(...pts.map((p) => p[0])) - m) * w;
  const y0 = Math.max(0, Math.min(...pts.map((p) => p[1])) - m) * h;
  const x1 = Math.min(1, Math.max(...pts.map((p) => p[0])) + m) * w;
  const y1 = Math.min(1, Math.max(...pts.map((p) => p[1])) + m) * h;
  return [x0, y0, x1 - x0, y1 - y0];
}
