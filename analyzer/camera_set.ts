/**
 * The running cameras of one analyzer process. A config reload applies in place: changed
 * zones, thresholds, classes or fps go to the live pipeline (tracks kept); a changed source
 * restarts that camera; added and removed cameras start and stop.
 */
import { type CameraConfig, type Config, redactSource } from "../shared/config.ts";
import { CameraPipeline, type PipelineDeps } from "./pipeline/camera_pipeline.ts";
import { type MediaAccess, resolveSource } from "./sources.ts";

export class CameraSet {
  readonly #pipelines = new Map<string, CameraPipeline>();
  readonly #deps: Omit<PipelineDeps, "live">;
  readonly #media: MediaAccess;
  readonly #log: (m: string) => void;

  constructor(
    deps: Omit<PipelineDeps, "live">,
    media: MediaAccess,
    log: (m: string) => void,
  ) {
    this.#deps = deps;
    this.#media = media;
    this.#log = log;
  }

  get pipelines(): CameraPipeline[] {
    return [...this.#pipelines.values()];
  }

  apply(config: Config): void {
    for (const [camera, p] of this.#pipelines) {
      if (!(camera in config.cameras)) {
        this.#log(`${camera}: removed from config; stopping`);
        this.#pipelines.delete(camera);
        p.stop();
      }
    }
    for (const [camera, cfg] of Object.entries(config.cameras)) {
      const running = this.#pipelines.get(camera);
      if (running && _sameSource(running.config, cfg)) {
        running.setConfig(cfg);
        continue;
      }
      if (running) {
        this.#log(`${camera}: source changed; restarting`);
        running.stop();
      }
      this.#start(camera, cfg);
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.pipelines.map((p) => p.stop()));
    this.#pipelines.clear();
  }

  #start(camera: string, cfg: CameraConfig): void {
    const { spec, live } = resolveSource(camera, cfg, this.#media);
    this.#log(`${camera}: source ${redactSource(spec.source)}`);
    const p = new CameraPipeline(camera, cfg, spec, { ...this.#deps, live });
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
