/**
 * The plate search for crops (`privacy.blur: [plate]`) off the camera's frame loop: the text
 * detector (plate_text_detector.ts) runs in its own Web Worker (plate_search_worker.ts), one per
 * process, shared by every camera that blurs plates. A search costs ~0.7 s of CPU per vehicle
 * (docs/PERFORMANCE.md "Pass clips"); inside the frame loop it made a live camera skip frames for
 * that long. The caller sends the crop's pixels only (a copy: the frame's buffer goes back to the
 * decoder at once) and awaits the text regions while its loop goes on.
 *
 * A search that fails (the worker crashed, the model is unreadable) or takes longer than
 * `timeoutMs` rejects: the caller pixelates the whole vehicle (fail closed). A crashed worker is
 * started again on the next search.
 */
import type { Box } from "../../shared/geometry.ts";
import type { RgbImage } from "./crop.ts";
import { ensureTextDetOnnx } from "../model/text_det_model.ts";

/** What the pipeline needs of a plate search (PlateTextDetector, in process, has it too). */
export interface PlateSearcher {
  /** Text regions (image px) on the vehicle at `vehicle` (image px) of an RGB24 image. */
  detect(image: RgbImage, vehicle: Box): Promise<Box[]>;
}

/** main -> worker */
export type PlateSearchRequest =
  | { type: "open"; modelPath: string }
  | { type: "detect"; id: number; width: number; height: number; data: ArrayBuffer; vehicle: Box };

/** worker -> main */
export type PlateSearchResponse =
  | { type: "ready" }
  | { type: "plates"; id: number; boxes: Box[]; ms: number }
  | { type: "error"; id?: number; message: string };

/**
 * A search slower than this is given up (fail closed: the whole vehicle pixelated): 718 ms per
 * vehicle at load 22 and 3215 ms at load 28 (docs/PERFORMANCE.md), so 30 s is a stuck worker.
 */
export const PLATE_SEARCH_TIMEOUT_MS = 30_000;

/**
 * A camera's plate searches queued or running at most (camera_pipeline.ts queues them, one at a
 * time); a crop beyond it is not searched but stored with the whole vehicle pixelated (fail
 * closed). Each queued search holds a copy of its crop (~100 KB for a van in a 768x576 frame), so
 * this bounds the queue's memory to a few MB when crops come faster than searches finish (225-262
 * ms CPU per vehicle quiet, 3.2 s at load 28: PERFORMANCE.md); 32 is ~8-100 s of backlog.
 */
export const PLATE_SEARCH_MAX_PENDING = 32;

export class PlateSearchWorker implements PlateSearcher {
  readonly #modelPath: string;
  readonly #timeoutMs: number;
  #worker: Worker | null = null;
  #ready: Promise<void> | null = null;
  #nextId = 1;
  readonly #pending = new Map<
    number,
    {
      resolve: (b: Box[]) => void;
      reject: (e: Error) => void;
      timer: ReturnType<typeof setTimeout>;
    }
  >();
  /** Searches answered, and the worker-side ms they took (preprocess + run + post-process). */
  searches = 0;
  searchMsTotal = 0;
  /** Searches that failed (worker error, crash, timeout, close): each pixelated a whole vehicle. */
  failed = 0;

  constructor(modelPath: string, opts: { timeoutMs?: number } = {}) {
    this.#modelPath = modelPath;
    this.#timeoutMs = opts.timeoutMs ?? PLATE_SEARCH_TIMEOUT_MS;
  }

  /** Starts the worker and opens the model (rejects when it cannot). */
  start(): Promise<void> {
    if (this.#ready) return this.#ready;
    const worker = new Worker(new URL("./plate_search_worker.ts", import.meta.url).href, {
      type: "module",
    });
    this.#worker = worker;
    this.#ready = new Promise<void>((resolve, reject) => {
      worker.onmessage = (e: MessageEvent<PlateSearchResponse>) => {
        const m = e.data;
        if (m.type === "ready") return resolve();
        if (m.type === "error" && m.id === undefined) {
          reject(new Error(m.message));
          return this.#end(new Error(m.message));
        }
        const p = m.id !== undefined ? this.#pending.get(m.id) : undefined;
        if (!p) return;
        this.#pending.delete(m.id!);
        clearTimeout(p.timer);
        if (m.type === "plates") {
          this.searches++;
          this.searchMsTotal += m.ms;
          p.resolve(m.boxes);
        } else {
          this.failed++;
          p.reject(new Error(m.message));
        }
      };
      worker.onerror = (e: ErrorEvent) => {
        e.preventDefault(); // a crashed search worker must not take the analyzer down
        const err = new Error(`plate search worker crashed: ${e.message}`);
        reject(err);
        this.#end(err);
      };
      const open: PlateSearchRequest = { type: "open", modelPath: this.#modelPath };
      worker.postMessage(open);
    });
    this.#ready.catch(() => {});
    return this.#ready;
  }

  async detect(image: RgbImage, vehicle: Box): Promise<Box[]> {
    try {
      await this.start();
    } catch (e) {
      this.failed++;
      throw e;
    }
    const worker = this.#worker!;
    const id = this.#nextId++;
    // A copy of exactly the image's pixels, transferred (the caller's buffer stays its own).
    const data = image.data.slice().buffer;
    return await new Promise<Box[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        this.failed++;
        reject(new Error(`plate search took over ${this.#timeoutMs} ms`));
        // A stuck worker serves nobody: the next search starts a new one.
        this.#end(new Error("plate search worker restarted after a timeout"));
      }, this.#timeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
      const msg: PlateSearchRequest = {
        type: "detect",
        id,
        width: image.width,
        height: image.height,
        data,
        vehicle,
      };
      worker.postMessage(msg, [data]);
    });
  }

  /** Ends the worker; pending searches reject with `err`; the next search starts a new one. */
  #end(err: Error): void {
    this.#worker?.terminate();
    this.#worker = null;
    this.#ready = null;
    for (const [id, p] of this.#pending) {
      clearTimeout(p.timer);
      this.#pending.delete(id);
      this.failed++;
      p.reject(err);
    }
  }

  close(): void {
    this.#end(new Error("plate search closed"));
  }
}

const _shared = new Map<string, Promise<PlateSearchWorker>>();
/** The shared workers that started, for the process's metrics. */
const _started: PlateSearchWorker[] = [];

/** The process's plate search counters, summed over its shared workers (for /metrics). */
export function plateSearchCounters(): {
  searches: number;
  searchMsTotal: number;
  failed: number;
} {
  const sum = (f: (w: PlateSearchWorker) => number) => _started.reduce((a, w) => a + f(w), 0);
  return {
    searches: sum((w) => w.searches),
    searchMsTotal: sum((w) => w.searchMsTotal),
    failed: sum((w) => w.failed),
  };
}

/**
 * The process's one plate search worker for `modelsDir` (the model fetched on first use, opened
 * once): every camera that blurs plates shares it, one search at a time.
 */
export function sharedPlateSearch(
  modelsDir: string,
  log: (l: string) => void = () => {},
): Promise<PlateSearchWorker> {
  let p = _shared.get(modelsDir);
  if (!p) {
    p = ensureTextDetOnnx(modelsDir, log).then(async (path) => {
      const w = new PlateSearchWorker(path);
      await w.start();
      _started.push(w);
      return w;
    });
    p.catch(() => _shared.delete(modelsDir)); // a failed fetch or open is tried again next time
    _shared.set(modelsDir, p);
  }
  return p;
}
