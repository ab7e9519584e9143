/**
 * Main-thread handle on the inference Web Worker (infer_worker.ts).
 *
 * Inference runs off the main thread so decoding, tracking and publishing
 * never wait on ONNX Runtime. Frame pixels are transferred (not copied) to the
 * worker and transferred back with the answer, so the caller can reuse one
 * buffer per frame slot.
 *
 * Models can be switched without a restart: `swap(path)` loads the new model
 * inside the same worker while the old one keeps answering, and replaces it
 * only once it loaded and warmed up; detects sent after swap() resolves use
 * the new model. A model that fails to load leaves the old one serving.
 */
import type { IsolateMemory } from "../health/isolate_memory.ts";
import type { Detection, DetectOptions, Frame } from "./detector.ts";
import type { LowLightMode } from "./low_light.ts";

/** What the worker reports about the model it serves. */
export interface ModelInfo {
  kind: string;
  inputSize: { width: number; height: number };
  labels: string[];
}

/** main -> worker */
export type InferRequest =
  | { type: "load"; loadId: number; modelPath: string; threads?: number }
  | {
    type: "detect";
    id: number;
    width: number;
    height: number;
    data: ArrayBuffer;
    minConf?: number;
    classes?: string[];
    lowLight?: LowLightMode;
  }
  /**
   * Throw an uncaught error inside the worker, which ends it: the crash path of a real fault (an
   * ONNX Runtime abort surfacing as an exception), for the pool's restart test.
   */
  | { type: "crash" };

/** worker -> main */
export type InferResponse =
  | ({ type: "ready"; loadId: number } & ModelInfo)
  | { type: "error"; message: string; id?: number; loadId?: number }
  /** The worker's own V8 heap, every few seconds. */
  | { type: "memory"; memory: IsolateMemory }
  | {
    type: "detections";
    id: number;
    detections: Detection[];
    inferMs: number;
    /** Stage split of inferMs (preprocess, ONNX run, decode + NMS). */
    timings?: { preMs: number; runMs: number; postMs: number };
    /** Adapter that produced these detections (changes after a swap). */
    kind?: string;
    data: ArrayBuffer;
  };

export interface DetectResult {
  detections: Detection[];
  /** Worker-side time for preprocess + inference + decode/NMS. */
  inferMs: number;
  /** The frame's pixel buffer, handed back for reuse. */
  buffer: ArrayBuffer;
  timings?: { preMs: number; runMs: number; postMs: number };
  /** Adapter that produced these detections. */
  kind?: string;
}

/**
 * The worker ended (an uncaught error or an unreadable message): the requests in it are lost with
 * their frame buffers. A pool restarts the worker; a camera counts the frame as dropped.
 */
export class InferenceWorkerCrashed extends Error {
  override name = "InferenceWorkerCrashed";
}

interface _Pending {
  resolve: (r: DetectResult) => void;
  reject: (e: Error) => void;
}

export class InferenceClient {
  private readonly _pending = new Map<number, _Pending>();
  private _nextId = 1;
  private _dead: Error | null = null;
  private _nextLoadId = 1;
  private readonly _loads = new Map<
    number,
    { resolve: (i: ModelInfo) => void; reject: (e: Error) => void }
  >();
  private _info: ModelInfo;
  /** The inference worker's V8 heap, as it last reported it. */
  workerMemory: IsolateMemory | null = null;
  /** Called once when the worker crashes (after its pending requests were rejected). */
  onCrash: ((err: InferenceWorkerCrashed) => void) | null = null;

  private constructor(private readonly _worker: Worker, info: ModelInfo) {
    this._info = info;
    _worker.onmessage = (e: MessageEvent<InferResponse>) => this._onMessage(e.data);
    _worker.onerror = (e: ErrorEvent) => {
      e.preventDefault(); // keep a worker crash from taking the analyzer down with it
      this._crash(`inference worker crashed: ${e.message}`);
    };
    _worker.onmessageerror = () => this._crash("inference worker sent an unreadable message");
  }

  private _crash(message: string): void {
    if (this._dead) return;
    const err = new InferenceWorkerCrashed(message);
    this._fail(err);
    this._worker.terminate();
    this.onCrash?.(err);
  }

  /** Test hook: make the worker throw an uncaught error (it ends; see `InferenceWorkerCrashed`). */
  crashForTest(): void {
    const msg: InferRequest = { type: "crash" };
    this._worker.postMessage(msg);
  }

  /**
   * Starts the worker and loads the model; rejects if the model cannot be loaded. The path may
   * still be on its way (a database lookup, a download): the worker boots and loads ONNX
   * Runtime meanwhile.
   */
  static async start(
    modelPath: string | Promise<string>,
    opts: { threads?: number } = {},
  ): Promise<InferenceClient> {
    const worker = new Worker(new URL("./infer_worker.ts", import.meta.url).href, {
      type: "module",
    });
    let info: ModelInfo;
    try {
      const path = await modelPath;
      info = await new Promise<ModelInfo>((resolve, reject) => {
        worker.onmessage = (e: MessageEvent<InferResponse>) => {
          const m = e.data;
          if (m.type === "ready") {
            resolve({ kind: m.kind, inputSize: m.inputSize, labels: m.labels });
          } else if (m.type === "error") reject(new Error(m.message));
        };
        worker.onerror = (e: ErrorEvent) => {
          e.preventDefault();
          reject(new Error(`inference worker failed to start: ${e.message}`));
        };
        const msg: InferRequest = {
          type: "load",
          loadId: 0,
          modelPath: path,
          threads: opts.threads,
        };
        worker.postMessage(msg);
      });
    } catch (e) {
      worker.terminate();
      throw e;
    }
    const client = new InferenceClient(worker, info);
    client._threads = opts.threads;
    return client;
  }

  private _threads: number | undefined;

  /** The model currently serving (updated when a swap completes). */
  get info(): ModelInfo {
    return this._info;
  }

  /**
   * Switches to another model without restarting the worker. Resolves once
   * the new model serves; rejects (old model still serving) if it cannot be
   * loaded. Detect calls made meanwhile are answered by the old model.
   */
  swap(modelPath: string, opts: { threads?: number } = {}): Promise<ModelInfo> {
    if (this._dead) return Promise.reject(this._dead);
    const loadId = this._nextLoadId++;
    const msg: InferRequest = {
      type: "load",
      loadId,
      modelPath,
      threads: opts.threads ?? this._threads,
    };
    return new Promise<ModelInfo>((resolve, reject) => {
      this._loads.set(loadId, { resolve, reject });
      this._worker.postMessage(msg);
    });
  }

  /**
   * Runs detection on a frame. The frame's bytes are moved to the worker:
   * `frame.data` is unusable until the returned `buffer` comes back.
   */
  detect(frame: Frame, opts: Omit<DetectOptions, "maxDetections"> = {}): Promise<DetectResult> {
    if (this._dead) return Promise.reject(this._dead);
    const id = this._nextId++;
    const d = frame.data;
    // Transfer needs a whole ArrayBuffer; a view into a larger buffer is copied instead.
    const data =
      d.byteOffset === 0 && d.byteLength === d.buffer.byteLength && d.buffer instanceof ArrayBuffer
        ? d.buffer
        : d.slice().buffer;
    const msg: InferRequest = {
      type: "detect",
      id,
      width: frame.width,
      height: frame.height,
      data,
      minConf: opts.minConf,
      classes: opts.classes,
      lowLight: opts.lowLight,
    };
    return new Promise<DetectResult>((resolve, reject) => {
      this._pending.set(id, { resolve, reject });
      this._worker.postMessage(msg, [data]);
    });
  }

  /** Stops the worker; pending requests reject. */
  close(): void {
    this._fail(new Error("inference client closed"));
    this._worker.terminate();
  }

  private _onMessage(m: InferResponse): void {
    if (m.type === "detections") {
      const p = this._pending.get(m.id);
      if (!p) return;
      this._pending.delete(m.id);
      p.resolve({
        detections: m.detections,
        inferMs: m.inferMs,
        buffer: m.data,
        timings: m.timings,
        kind: m.kind,
      });
    } else if (m.type === "memory") {
      this.workerMemory = m.memory;
    } else if (m.type === "ready") {
      const l = this._loads.get(m.loadId);
      this._loads.delete(m.loadId);
      this._info = { kind: m.kind, inputSize: m.inputSize, labels: m.labels };
      l?.resolve(this._info);
    } else if (m.type === "error") {
      if (m.loadId !== undefined) {
        const l = this._loads.get(m.loadId);
        this._loads.delete(m.loadId);
        l?.reject(new Error(m.message));
      } else if (m.id !== undefined) {
        const p = this._pending.get(m.id);
        this._pending.delete(m.id);
        p?.reject(new Error(m.message));
      } else {
        this._fail(new Error(m.message));
      }
    }
  }

  private _fail(err: Error): void {
    if (!this._dead) this._dead = err;
    for (const p of this._pending.values()) p.reject(err);
    this._pending.clear();
    for (const l of this._loads.values()) l.reject(err);
    this._loads.clear();
  }
}
