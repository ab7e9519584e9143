/**
 * V8 heap of one isolate. The analyzer runs several (main, the inference worker, one decode
 * worker per camera) and `Deno.memoryUsage()` only sees the isolate it runs in, so each worker
 * reports its own periodically and the metrics endpoint lists them all: that tells a JavaScript
 * heap that grows apart from native growth (onnxruntime, malloc arenas) in the process RSS.
 */

import v8 from "node:v8";

export interface IsolateMemory {
  /** Bytes of live objects. */
  heapUsed: number;
  /** Bytes the heap has reserved (what the RSS sees). */
  heapTotal: number;
  /** Bytes held outside the heap by this isolate's objects (ArrayBuffer backing stores). */
  external: number;
}

export function isolateMemory(): IsolateMemory {
  const m = Deno.memoryUsage();
  return { heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external };
}

/** In a worker: send this isolate's memory now and then every `intervalMs`. Returns a stop. */
export function reportIsolateMemory(
  post: (memory: IsolateMemory) => void,
  intervalMs = 5_000,
): () => void {
  post(isolateMemory());
  const timer = setInterval(() => post(isolateMemory()), intervalMs);
  return () => clearInterval(timer);
}

/** This isolate's heap spaces that hold anything (new, old, code, large objects...), bytes. */
export function heapSpaces(): { space: string; size: number }[] {
  return v8.getHeapSpaceStatistics()
    .filter((s) => s.space_size > 0)
    .map((s) => ({ space: s.space_name, size: s.space_size }));
}
