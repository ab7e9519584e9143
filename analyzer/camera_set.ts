/**
 * The running cameras of one analyzer process. A config reload applies in place: changed
 * zones, thresholds, classes or fps go to the live pipeline (tracks kept); a changed source
 * restarts that camera; added and removed cameras start and stop.
 *
 * Runtime control (issue #15 §5): a paused camera has no pipeline at all — its decode Worker and
 * ffmpeg are stopped and nothing is inferred — while its config is kept, so resuming starts a
 * fresh pipeline. The video plane (MediaMTX, the relays) never depends on the analyzer.
 *
 * Fleet mode (issue #16 §3): only the cameras this process holds a lease on run (`setHeld`); the
 * others stay configured and idle, like paused ones, but are not reported as paused.
 */
import { type CameraConfig, type Config, redactSource } from "../shared/config.ts";
import { CameraPipeline, type PipelineDeps } from "./pipeline/camera_pipeline.ts";
import type { FrameDetector } from "./pipeline/serial_detector.ts";
import { type MediaAccess, resolveSource } from "./sources.ts";

/**
 * A detector per camera (the inference pool: each camera on one worker), handed back when the
 * camera's pipeline stops.
 */
export interface CameraDetectors {
  forCamera(camera: string): FrameDetector;
  release(camera: string): void;
}

/** The pipelines' shared dependencies; `detector` is one for all cameras or one per camera. */
export type CameraSetDeps = Omit<PipelineDeps, "live" | "detector"> & {
  detector: FrameDetector | CameraDetectors;
};

export class CameraSet {
  readonly #pipelines = new Map<string, CameraPipeline>();
  /** Every configured camera, running or paused. */
  readonly #configs = new Map<string, CameraConfig>();
  #paused = new Set<string>();
  /** Fleet mode: the cameras whose lease this process holds (null: not in fleet mode, all). */
  #held: ReadonlySet<string> | null = null;
  readonly #deps: CameraSetDeps;
  readonly #media: MediaAccess;
  readonly #log: (m: string) => void;

  constructor(
    deps: CameraSetDeps,
    media: MediaAccess,
    log: (m: string) => void,
  ) {
    this.#deps = deps;
    this.#media = media;
    this.#log = log;
  }

  /** The running pipelines (paused cameras have none). */
  get pipelines(): CameraPipeline[] {
    return [...this.#pipelines.values()];
  }

  /** Every configured camera id, paused ones included. */
  get cameraIds(): string[] {
    return [...this.#configs.keys()];
  }

  /** Configured cameras whose analysis is paused. */
  get pausedIds(): string[] {
    return this.cameraIds.filter((id) => this.#paused.has(id));
  }

  isPaused(camera: string): boolean {
    return this.#paused.has(camera);
  }

  /**
   * Pause exactly the cameras in `paused` (ids not configured are remembered for when they are):
   * a newly paused camera's pipeline is stopped, a resumed one started afresh.
   */
  setPaused(paused: ReadonlySet<string>): void {
    this.#paused = new Set(paused);
    this.#reconcile("analysis paused", "analysis resumed");
  }

  /**
   * Fleet mode: run exactly the held cameras (that are configured and not paused). Resolves when
   * the pipelines of the cameras no longer held have stopped (their last passes handed to the
   * sink), so a lease is released only after that.
   */
  async setHeld(held: ReadonlySet<string>): Promise<void> {
    this.#held = new Set(held);
    await this.#reconcile("lease not held", "lease held");
  }

  #runs(camera: string): boolean {
    return !this.#paused.has(camera) && (this.#held === null || this.#held.has(camera));
  }

  #reconcile(stopWhy: string, startWhy: string): Promise<unknown> {
    const stopping: Promise<void>[] = [];
    for (const [camera, cfg] of this.#configs) {
      const running = this.#pipelines.get(camera);
      if (!this.#runs(camera) && running) {
        this.#log(`${camera}: ${stopWhy}; decoding and inference stopped`);
        this.#pipelines.delete(camera);
        stopping.push(this.#stop(running));
      } else if (this.#runs(camera) && !running) {
        this.#log(`${camera}: ${startWhy}`);
        this.#start(camera, cfg);
      }
    }
    return Promise.all(stopping);
  }

  apply(config: Config): void {
    for (const [camera, p] of this.#pipelines) {
      if (!(camera in config.cameras)) {
        this.#log(`${camera}: removed from config; stopping`);
        this.#pipelines.delete(camera);
        this.#stop(p);
      }
    }
    this.#configs.clear();
    for (const [camera, cfg] of Object.entries(config.cameras)) {
      this.#configs.set(camera, cfg);
      if (!this.#runs(camera)) continue;
      const running = this.#pipelines.get(camera);
      if (running && _sameSource(running.config, cfg)) {
        running.setConfig(cfg);
        continue;
      }
      if (running) {
        this.#log(`${camera}: source changed; restarting`);
        this.#stop(running);
      }
      this.#start(camera, cfg);
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.pipelines.map((p) => this.#stop(p)));
    this.#pipelines.clear();
  }

  /** Stop a pipeline; its camera's detector is handed back at once (a restart may get another). */
  #stop(p: CameraPipeline): Promise<void> {
    const d = this.#deps.detector;
    if ("forCamera" in d) d.release(p.camera);
    return p.stop();
  }

  #detectorFor(camera: string): FrameDetector {
    const d = this.#deps.detector;
    return "forCamera" in d ? d.forCamera(camera) : d;
  }

  #start(camera: string, cfg: CameraConfig): void {
    const { spec, live } = resolveSource(camera, cfg, this.#media);
    this.#log(`${camera}: source ${redactSource(spec.source)}`);
    const p = new CameraPipeline(camera, cfg, spec, {
      ...this.#deps,
      detector: this.#detectorFor(camera),
      live,
    });
    this.#pipelines.set(camera, p);
    p.start().catch((e) => {
      console.error(`analyzer: ${camera} failed: ${(e as Error).message}`);
      Deno.exit(1);
    });
  }
}

function _sameSource(a: CameraConfig, b: CameraConfig): boolean {
  return a.source === b.source && a.loop === b.loop;
}
