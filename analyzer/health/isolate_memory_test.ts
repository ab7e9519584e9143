import assert from "node:assert/strict";
import { heapSpaces, type IsolateMemory, reportIsolateMemory } from "./isolate_memory.ts";

/** The third report of a worker that keeps `keepMiB` of live arrays. */
async function _workerReport(keepMiB: number): Promise<IsolateMemory> {
  const url = URL.createObjectURL(
    new Blob([
      `import { reportIsolateMemory } from "${new URL("./isolate_memory.ts", import.meta.url)}";
       globalThis.keep = Array.from({ length: ${keepMiB} }, () => new Array(131072).fill(1.5));
       reportIsolateMemory((m) => self.postMessage(m), 30);`,
    ], { type: "text/javascript" }),
  );
  const worker = new Worker(url, { type: "module" });
  try {
    const reports: IsolateMemory[] = [];
    await new Promise<void>((resolve) => {
      worker.onmessage = (e) => {
        reports.push(e.data);
        if (reports.length === 3) resolve();
      };
    });
    return reports[2];
  } finally {
    worker.terminate();
    URL.revokeObjectURL(url);
  }
}

Deno.test("isolate memory: each worker reports its own heap", async () => {
  const big = await _workerReport(40); // 40 arrays of 1 MiB of doubles
  const small = await _workerReport(0);
  assert.ok(big.heapUsed > 40 * 2 ** 20, `worker keeping 40 MiB: ${big.heapUsed}`);
  assert.ok(big.heapTotal >= big.heapUsed);
  assert.ok(small.heapUsed < 20 * 2 ** 20, `worker keeping nothing: ${small.heapUsed}`);
});

Deno.test("isolate memory: the reporter sends at once, then on its interval until stopped", async () => {
  const seen: number[] = [];
  const stop = reportIsolateMemory((m) => seen.push(m.heapUsed), 20);
  assert.equal(seen.length, 1);
  await new Promise((r) => setTimeout(r, 75));
  stop();
  const n = seen.length;
  assert.ok(n >= 3, `${n} reports`);
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(seen.length, n);
});

Deno.test("isolate memory: heap spaces name new and old space and add up to the heap", () => {
  const spaces = heapSpaces();
  const names = spaces.map((s) => s.space);
  assert.ok(names.includes("new_space") && names.includes("old_space"), names.join(","));
  const sum = spaces.reduce((a, s) => a + s.size, 0);
  assert.ok(Math.abs(sum - Deno.memoryUsage().heapTotal) < 8 * 2 ** 20, `${sum}`);
});
