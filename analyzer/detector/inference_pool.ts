/**
 * Several inference Workers (one per core by default), cameras assigned to them.
 *
 * One shared worker made every camera wait for the others' frames: 25-59 ms at p95-p99 of
 * capture -> tick with two cameras (docs/PERFORMANCE.md, "capture to tick"). With a worker per
 * core, a camera waits only for the cameras on its own worker. A camera stays on one worker (the
 * least loaded when it starts), so its frames are answered in order by one FIFO queue.
 *
 * A worker that crashes takes only its in-flight frames with it (they reject with
 * `InferenceWorkerCrashed`; a camera counts them as dropped): it is restarted with the current
 * model and its cameras' next frames wait for it, while the other workers' cameras go on. A
 * worker that crashes `MAX_RESTARTS` times within `RESTART_WINDOW_MS`, or whose restart cannot
 * load the model, stays down: its cameras' requests reject with that error, which ends the
 * analyzer for its supervisor to restart, as a single worker's failure did before.
 *
 * The workers may still be loading when cameras are assigned (cameras start decoding during the
 * model load): requests wait for their worker.
 */
import type { IsolateMemory } from "../health/isolate_memory.ts";
import type { DetectOptions, Frame } from "./detector.ts";
import {
  type DetectResult,
  InferenceClient,
  type InferenceWorkerCrashed,
  type ModelInfo,
} from "./inference_client.ts";

/** Restarts allowed per worker within `RESTART_WINDOW_MS` before it is left down. */
export const MAX_RESTARTS = 3;
export const RESTART_WINDOW_MS = 60_000;

/** What a camera gets: detect on its worker. */
export interface CameraDetector {
  detect(frame: Frame, opts?: Omit<DetectOptions, "maxDetections">): Promise<DetectResult>;
}

export interface PoolOptions {
  /** Number of workers (>= 1). */
  workers: number;
  /** ONNX Runtime intra-op threads per worker. */
  threads?: number;
  log?: (m: string) => void;
  /** Restarts per worker within `RESTART_WINDOW_MS` before it is left down (MAX_RESTARTS). */
  maxRestarts?: number;
}

interface _Slot {
  index: number;
  client: Promise<InferenceClient>;
  cameras: Set<string>;
  /** Crash times within the restart window. */
  crashes: number[];
}

export class InferencePool {
  readonly #slots: _Slot[];
  readonly #byCamera = new Map<string, _Slot>();
  readonly #threads: number | undefined;
  readonly #log: (m: string) => void;
  readonly #maxRestarts: number;
  #modelPath: Promise<string>;
  #info: ModelInfo | null = null;
  #closed = false;
  /** Worker restarts after a crash, all workers, since the start. */
  restarts = 0;

  /**
   * Starts the workers (each loads the model; a path still on its way is awaited by each). Use
   * `ready` to wait for them all; `forCamera` works at once.
   */
  constructor(modelPath: string | Promise<string>, opts: PoolOptions) {
    if (!Number.isInteger(opts.workers) || opts.workers < 1) {
      throw new Error(`inference pool: workers must be an integer >= 1, got ${opts.workers}`);
    }
    this.#modelPath = Promise.resolve(modelPath);
    this.#threads = opts.threads;
    this.#log = opts.log ?? (() => {});
    this.#maxRestarts = opts.maxRestarts ?? MAX_RESTARTS;
    this.#slots = Array.from({ length: opts.workers }, (_, index) => {
      const slot: _Slot = { index, client: null!, cameras: new Set(), crashes: [] };
      slot.client = this.#start(slot, this.#modelPath);
      return slot;
    });
  }

  /** Resolves with the model info once every worker serves; rejects if one cannot load it. */
  async ready(): Promise<ModelInfo> {
    const clients = await Promise.all(this.#slots.map((s) => s.client));
    this.#info = clients[0].info;
    return this.#info;
  }

  /** The model currently serving (after `ready`). */
  get info(): ModelInfo {
    if (!this.#info) throw new Error("inference pool: not ready");
    return this.#info;
  }

  get size(): number {
    return this.#slots.length;
  }

  /** The worker a camera is on (undefined: not assigned). */
  workerOf(camera: string): number | undefined {
    return this.#byCamera.get(camera)?.index;
  }

  /** Cameras per worker, in worker order. */
  get load(): number[] {
    return this.#slots.map((s) => s.cameras.size);
  }

  /**
   * The camera's detector: on the worker it is already on, else on the one with the fewest
   * cameras (the lowest index on a tie).
   */
  forCamera(camera: string): CameraDetector {
    let slot = this.#byCamera.get(camera);
    if (!slot) {
      slot = this.#slots.reduce((a, b) => (b.cameras.size < a.cameras.size ? b : a));
      slot.cameras.add(camera);
      this.#byCamera.set(camera, slot);
    }
    const s = slot;
    // A request made before a crash or restart resolves its client first: FIFO per camera holds.
    return { detect: async (frame, opts) => (await s.client).detect(frame, opts) };
  }

  /** The camera stopped: its worker counts one camera less for the next assignment. */
  release(camera: string): void {
    this.#byCamera.get(camera)?.cameras.delete(camera);
    this.#byCamera.delete(camera);
  }

  /**
   * Switches every worker to another model. Rejects, the old model still serving everywhere, if
   * the first worker cannot load it; the others then load it concurrently (a worker that still
   * fails is restarted with it).
   */
  async swap(modelPath: string): Promise<ModelInfo> {
    const [first, ...rest] = this.#slots;
    const info = await (await first.client).swap(modelPath, { threads: this.#threads });
    this.#modelPath = Promise.resolve(modelPath);
    this.#info = info;
    await Promise.all(rest.map(async (s) => {
      try {
        await (await s.client).swap(modelPath, { threads: this.#threads });
      } catch (e) {
        this.#log(`inference worker ${s.index}: swap failed (${(e as Error).message}); restarting`);
        const old = s.client;
        s.client = this.#start(s, this.#modelPath);
        old.then((c) => c.close(), () => {});
      }
    }));
    return info;
  }

  /** Each worker's V8 heap, as last reported (`inference_<i>`). */
  workerMemory(): { isolate: string; memory: IsolateMemory | null }[] {
    return this.#slots.map((s) => ({
      isolate: `inference_${s.index}`,
      memory: this.#settled.get(s.index)?.workerMemory ?? null,
    }));
  }

  /** Test hook: crash worker `index` (see `InferenceClient.crashForTest`). */
  async crashForTest(index: number): Promise<void> {
    (await this.#slots[index].client).crashForTest();
  }

  close(): void {
    this.#closed = true;
    for (const s of this.#slots) s.client.then((c) => c.close(), () => {});
  }

  /** The loaded client per worker (for synchronous reads such as memory). */
  readonly #settled = new Map<number, InferenceClient>();

  #start(slot: _Slot, modelPath: Promise<string>): Promise<InferenceClient> {
    const p = InferenceClient.start(modelPath, { threads: this.#threads }).then((c) => {
      if (this.#closed) c.close();
      this.#settled.set(slot.index, c);
      c.onCrash = (err) => this.#crashed(slot, c, err);
      return c;
    });
    p.catch(() => {}); // each request on this worker rejects with the error instead
    return p;
  }

  #crashed(slot: _Slot, client: InferenceClient, err: InferenceWorkerCrashed): void {
    if (this.#closed || this.#settled.get(slot.index) !== client) return;
    this.#settled.delete(slot.index);
    const now = Date.now();
    slot.crashes = [...slot.crashes.filter((t) => now - t < RESTART_WINDOW_MS), now];
    const cams = [...slot.cameras].join(", ") || "no cameras";
    if (slot.crashes.length > this.#maxRestarts) {
      this.#log(
        `inference worker ${slot.index} (${cams}): ${err.message}; crashed ${slot.crashes.length}` +
          ` times within ${RESTART_WINDOW_MS / 1000} s, left down`,
      );
      const down = Promise.reject(
        new Error(`inference worker ${slot.index} is down: ${err.message}`),
      );
      down.catch(() => {});
      slot.client = down;
      return;
    }
    this.#log(`inference worker ${slot.index} (${cams}): ${err.message}; restarting`);
    this.restarts++;
    slot.client = this.#start(slot, this.#modelPath);
  }
}

/**
 * The pool's cameras before it is ready (cameras start decoding during the model load): each
 * camera is assigned at its first request; a pool that failed to load rejects every request.
 */
export function whenReady(pool: Promise<InferencePool>): {
  forCamera(camera: string): CameraDetector;
  release(camera: string): void;
} {
  pool.catch(() => {}); // a failed load rejects each request, not the process
  return {
    forCamera: (camera) => ({
      detect: async (frame, opts) => (await pool).forCamera(camera).detect(frame, opts),
    }),
    release: (camera) => void pool.then((p) => p.release(camera), () => {}),
  };
}

/**
 * Workers and threads per worker from `INFER_WORKERS` and `INFER_THREADS`: by default one worker
 * per core with `floor(cores / workers)` threads each (at least 1), so workers x threads does not
 * exceed the cores (docs/PERFORMANCE.md, "cameras per box": oversubscribing measured slower).
 * Throws, naming the variable, on a value that is not an integer >= 1.
 */
export function inferenceSizing(
  env: (name: string) => string | undefined,
  cores: number = navigator.hardwareConcurrency || 1,
): { workers: number; threads: number } {
  const int = (name: string, fallback: number): number => {
    const raw = env(name);
    if (raw === undefined || raw.trim() === "") return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) {
      throw new Error(`${name}: expected an integer >= 1, got ${JSON.stringify(raw)}`);
    }
    return n;
  };
  const workers = int("INFER_WORKERS", Math.max(1, cores));
  const threads = int("INFER_THREADS", Math.max(1, Math.floor(cores / workers)));
  return { workers, threads };
}
