/**
 * Main-thread handle on the inference Web Worker (infer_worker.ts).
 *
 * Inference runs off the main thread so decoding, tracking and publishing
 * never wait on ONNX Runtime. Frame pixels are transferred (not copied) to the
 * worker and transferred back with the answer, so the caller can reuse one
 * buffer per frame slot.
 */
import type { Detection, DetectOptions, Frame } from "./nanodet.ts";

/** main -> worker */
export type InferRequest =
  | { type: "load"; modelPath: string; threads?: number }
  | {
    type: "detect";
    id: number;
    width: number;
    height: number;
    data: ArrayBuffer;
    minConf?: number;
    classes?: string[];
  };

/** worker -> main */
export type InferResponse =
  | { type: "ready" }
  | { type: "error"; message: string; id?: number }
  | {
    type: "detections";
    id: number;
    detections: Detection[];
    inferMs: number;
    /** Stage split of inferMs (preprocess, ONNX run, decode + NMS). */
    timings?: { preMs: number; runMs: number; postMs: number };
    data: ArrayBuffer;
  };

export interface DetectResult {
  detections: Detection[];
  /** Worker-side time for preprocess + inference + decode/NMS. */
  inferMs: number;
  /** The frame's pixel buffer, handed back for reuse. */
  buffer: ArrayBuffer;
  timings?: { preMs: number; runMs: number; postMs: number };
}

interface _Pending {
  resolve: (r: DetectResult) => void;
  reject: (e: Error) => void;
}

export class InferenceClient {
  private readonly _pending = new Map<number, _Pending>();
  private _nextId = 1;
  private _dead: Error | null = null;

  private constructor(private readonly _worker: Worker) {
    _worker.onmessage = (e: MessageEvent<InferResponse>) => this._onMessage(e.data);
    _worker.onerror = (e: ErrorEvent) => {
      e.preventDefault(); // keep a worker crash from taking the analyzer down with it
      this._fail(new Error(`inference worker crashed: ${e.message}`));
    };
    _worker.onmessageerror = () =>
      this._fail(new Error("inference worker sent an unreadable message"));
  }

  /** Starts the worker and loads the model; rejects if the model cannot be loaded. */
  static async start(modelPath: string, opts: { threads?: number } = {}): Promise<InferenceClient> {
    const worker = new Worker(new URL("./infer_worker.ts", import.meta.url).href, {
      type: "module",
    });
    try {
      await new Promise<void>((resolve, reject) => {
        worker.onmessage = (e: MessageEvent<InferResponse>) => {
          if (e.data.type === "ready") resolve();
          else if (e.data.type === "error") reject(new Error(e.data.message));
        };
        worker.onerror = (e: ErrorEvent) => {
          e.preventDefault();
          reject(new Error(`inference worker failed to start: ${e.message}`));
        };
        const msg: InferRequest = { type: "load", modelPath, threads: opts.threads };
        worker.postMessage(msg);
      });
    } catch (e) {
      worker.terminate();
      throw e;
    }
    return new InferenceClient(worker);
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
      });
    } else if (m.type === "error") {
      if (m.id !== undefined) {
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
  }
}
