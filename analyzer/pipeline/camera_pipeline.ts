/**
 * One camera: frames from the decode Worker -> detector -> tracker -> tick -> publisher.
 * Pulls the newest frame only when the previous one is done (latest-state), limits work to
 * `detect.fps` by capture time, and never waits on the publisher.
 */
import type { CameraConfig } from "../../shared/config.ts";
import { encodeTick } from "../../shared/tick.ts";
import { type DecodedFrame, FrameSource } from "../source/frame_source.ts";
import type { SourceSpec } from "../source/ffmpeg_args.ts";
import { IouTracker } from "../tracker/iou_tracker.ts";
import type { FrameDetector } from "./serial_detector.ts";
import { buildTick } from "./tick_builder.ts";

export interface TickSink {
  publish(camera: string, text: string): void;
}

export interface PipelineStats {
  frames: number;
  fps: number;
  inferMs: number;
  lagMs: number;
  dropped: number;
  width: number;
  height: number;
  lastFrameAt: number;
}

export class CameraPipeline {
  readonly camera: string;
  readonly source: FrameSource;
  readonly #cfg: CameraConfig;
  readonly #detector: FrameDetector;
  readonly #sink: TickSink;
  readonly #tracker = new IouTracker();
  readonly #recent: number[] = [];
  #running = false;
  #seq = 0;
  #lastProcessedTs = -Infinity;
  #done: Promise<void> | null = null;
  readonly stats: PipelineStats = {
    frames: 0,
    fps: 0,
    inferMs: 0,
    lagMs: 0,
    dropped: 0,
    width: 0,
    height: 0,
    lastFrameAt: 0,
  };

  constructor(
    camera: string,
    cfg: CameraConfig,
    spec: SourceSpec,
    deps: { detector: FrameDetector; sink: TickSink; live: boolean; log?: (m: string) => void },
  ) {
    this.camera = camera;
    this.#cfg = cfg;
    this.#detector = deps.detector;
    this.#sink = deps.sink;
    this.source = new FrameSource(spec, {
      reconnect: deps.live,
      log: (m) => deps.log?.(`${camera}: ${m}`),
    });
  }

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
  }

  async #loop(): Promise<void> {
    const minIntervalMs = 1000 / this.#cfg.detect.fps;
    while (this.#running) {
      const frame = await this.source.next();
      if (!frame) break;
      // Respect detect.fps in capture time (10% slack so a 15 fps stream at 15 fps is not halved).
      if (frame.meta.captureTs - this.#lastProcessedTs < minIntervalMs * 0.9) {
        this.source.release(frame);
        continue;
      }
      this.#lastProcessedTs = frame.meta.captureTs;
      await this.#process(frame);
    }
  }

  async #process(frame: DecodedFrame): Promise<void> {
    const { meta } = frame;
    const result = await this.#detector.detect(
      { width: meta.width, height: meta.height, data: frame.data },
      { minConf: this.#cfg.detect.min_conf, classes: this.#cfg.classes },
    );
    this.source.release({ meta, data: new Uint8Array(result.buffer) });
    const tracks = this.#tracker.update(result.detections, meta.captureTs);
    const now = Date.now();
    this.#recent.push(now);
    while (this.#recent.length > 0 && now - this.#recent[0] > 2000) this.#recent.shift();
    const s = this.stats;
    s.frames++;
    s.fps = this.#recent.length > 1
      ? ((this.#recent.length - 1) * 1000) / Math.max(1, now - this.#recent[0])
      : 0;
    s.inferMs = s.frames === 1 ? result.inferMs : s.inferMs + 0.1 * (result.inferMs - s.inferMs);
    s.lagMs = now - meta.captureTs;
    s.dropped = this.source.dropped;
    s.width = meta.width;
    s.height = meta.height;
    s.lastFrameAt = now;
    const tick = buildTick(
      this.camera,
      this.#seq++,
      meta.captureTs,
      {
        w: meta.width,
        h: meta.height,
      },
      tracks,
      { fps: s.fps, infer_ms: s.inferMs, lag_ms: s.lagMs, dropped: s.dropped },
    );
    this.#sink.publish(this.camera, encodeTick(tick));
  }
}
