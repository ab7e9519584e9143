import assert from "node:assert/strict";
import { ensureNanodetOnnx } from "../model/nanodet_model.ts";
import type { Detection, Frame } from "./detector.ts";
import { InferenceClient, InferenceWorkerCrashed } from "./inference_client.ts";
import { InferencePool, inferenceSizing, whenReady } from "./inference_pool.ts";
import { vtestFrame } from "./testing_vtest.ts";

const OPTS = { minConf: 0.35 };
/** Different frames (people elsewhere in each), so a mixed-up answer shows. */
const SECONDS = [4, 12, 20, 28, 36];

const _copy = (f: Frame): Frame => ({ ...f, data: f.data.slice() });
const _boxes = (d: Detection[]) => d.map((x) => `${x.label} ${x.box.map(Math.round).join(",")}`);

/** The frames, and what one plain worker (1 thread, like each pool worker) answers for each. */
async function _reference(): Promise<{ frames: Frame[]; expected: string[][] }> {
  const frames = await Promise.all(SECONDS.map((s) => vtestFrame(s)));
  const client = await InferenceClient.start(await ensureNanodetOnnx(), { threads: 1 });
  try {
    const expected: string[][] = [];
    for (const f of frames) expected.push(_boxes((await client.detect(_copy(f), OPTS)).detections));
    // The frames really differ: an answer given to the wrong frame would not pass.
    assert.equal(new Set(expected.map((e) => e.join(";"))).size, frames.length);
    return { frames, expected };
  } finally {
    client.close();
  }
}

const TEST = { sanitizeResources: false, sanitizeOps: false };

Deno.test("inference sizing: one worker per core, threads so workers x threads fits", () => {
  const env = (vars: Record<string, string>) => (n: string) => vars[n];
  assert.deepEqual(inferenceSizing(env({}), 2), { workers: 2, threads: 1 });
  assert.deepEqual(inferenceSizing(env({}), 8), { workers: 8, threads: 1 });
  assert.deepEqual(inferenceSizing(env({}), 0), { workers: 1, threads: 1 });
  assert.deepEqual(inferenceSizing(env({ INFER_WORKERS: "1" }), 2), { workers: 1, threads: 2 });
  assert.deepEqual(inferenceSizing(env({ INFER_WORKERS: "2" }), 8), { workers: 2, threads: 4 });
  assert.deepEqual(inferenceSizing(env({ INFER_WORKERS: "4" }), 2), { workers: 4, threads: 1 });
  assert.deepEqual(inferenceSizing(env({ INFER_THREADS: "2" }), 2), { workers: 2, threads: 2 });
  assert.throws(() => inferenceSizing(env({ INFER_WORKERS: "0" }), 2), /INFER_WORKERS: .*"0"/);
  assert.throws(() => inferenceSizing(env({ INFER_THREADS: "1.5" }), 2), /INFER_THREADS/);
  assert.throws(() => inferenceSizing(env({ INFER_WORKERS: "two" }), 2), /INFER_WORKERS/);
});

Deno.test({
  ...TEST,
  name: "inference pool: 2 workers, 3 cameras, real inference; each camera's answers in order",
  async fn() {
    const { frames, expected } = await _reference();
    const pool = new InferencePool(ensureNanodetOnnx(), { workers: 2, threads: 1 });
    try {
      const cams = ["a", "b", "c"];
      const detectors = cams.map((c) => pool.forCamera(c));
      // Least loaded, lowest index on a tie; a camera keeps its worker.
      assert.deepEqual(cams.map((c) => pool.workerOf(c)), [0, 1, 0]);
      assert.deepEqual(pool.load, [2, 1]);
      assert.equal(pool.forCamera("a") !== undefined && pool.workerOf("a"), 0);
      assert.equal((await pool.ready()).kind, "nanodet");
      // Every camera sends all its frames at once (each camera starts at another frame).
      const done: Record<string, number[]> = { a: [], b: [], c: [] };
      const answers = await Promise.all(cams.flatMap((c, ci) =>
        frames.map((_, k) => {
          const i = (k + ci) % frames.length;
          return detectors[ci].detect(_copy(frames[i]), OPTS).then((r) => {
            done[c].push(i);
            return { i, boxes: _boxes(r.detections), buffer: r.buffer };
          });
        })
      ));
      for (const [ci, c] of cams.entries()) {
        const sent = frames.map((_, k) => (k + ci) % frames.length);
        assert.deepEqual(done[c], sent, `camera ${c}: answers in the order sent`);
      }
      for (const a of answers) {
        assert.deepEqual(a.boxes, expected[a.i], `frame at ${SECONDS[a.i]} s`);
        assert.deepEqual(new Uint8Array(a.buffer), frames[a.i].data, "the buffer comes back");
      }
      pool.release("a");
      assert.deepEqual(pool.load, [1, 1]);
      assert.equal(pool.workerOf("a"), undefined);
      pool.forCamera("d");
      assert.equal(pool.workerOf("d"), 0);
      assert.deepEqual(pool.workerMemory().map((m) => m.isolate), ["inference_0", "inference_1"]);
    } finally {
      pool.close();
    }
  },
});

Deno.test({
  ...TEST,
  name: "inference pool: a crashed worker loses only its in-flight frames and is restarted; " +
    "the other worker's camera is answered throughout",
  async fn() {
    const { frames, expected } = await _reference();
    const logs: string[] = [];
    const pool = new InferencePool(ensureNanodetOnnx(), {
      workers: 2,
      threads: 1,
      log: (m) => logs.push(m),
    });
    try {
      const a = pool.forCamera("a"); // worker 0
      const b = pool.forCamera("b"); // worker 1
      await pool.ready();
      // b keeps sending frames, one after the other, while a's worker crashes and restarts.
      let stop = false;
      const bAnswers: string[][] = [];
      const bLoop = (async () => {
        for (let k = 0; !stop || k < 3; k++) {
          const i = k % frames.length;
          const r = await b.detect(_copy(frames[i]), OPTS);
          assert.deepEqual(_boxes(r.detections), expected[i]);
          bAnswers.push(_boxes(r.detections));
        }
      })();
      await pool.crashForTest(0);
      const lost = a.detect(_copy(frames[0]), OPTS);
      await assert.rejects(lost, (e) => e instanceof InferenceWorkerCrashed);
      const before = bAnswers.length;
      // a's next frames wait for the restarted worker and are answered right, in order.
      const order: number[] = [];
      const again = await Promise.all(
        [1, 2].map((i) =>
          a.detect(_copy(frames[i]), OPTS).then((r) => (order.push(i), _boxes(r.detections)))
        ),
      );
      assert.deepEqual(again, [expected[1], expected[2]]);
      assert.deepEqual(order, [1, 2]);
      assert.equal(pool.restarts, 1);
      assert.equal(pool.workerOf("a"), 0, "a stays on its worker");
      stop = true;
      await bLoop;
      assert.ok(
        bAnswers.length > before,
        `b answered during a's restart (${before} before, ${bAnswers.length} after)`,
      );
      assert.ok(
        logs.some((l) => /inference worker 0 \(a\): .*crash.*; restarting/.test(l)),
        logs.join("\n"),
      );
    } finally {
      pool.close();
    }
  },
});

Deno.test({
  ...TEST,
  name: "inference pool: a worker crashing too often is left down (its camera's requests " +
    "reject, ending the analyzer as before); the other worker serves",
  async fn() {
    const frame = await vtestFrame(20);
    const logs: string[] = [];
    const pool = new InferencePool(ensureNanodetOnnx(), {
      workers: 2,
      threads: 1,
      maxRestarts: 1,
      log: (m) => logs.push(m),
    });
    try {
      const a = pool.forCamera("a");
      const b = pool.forCamera("b");
      await pool.ready();
      await pool.crashForTest(0);
      await assert.rejects(a.detect(_copy(frame), OPTS), InferenceWorkerCrashed);
      assert.ok((await a.detect(_copy(frame), OPTS)).detections.length > 0, "restarted once");
      await pool.crashForTest(0);
      await assert.rejects(a.detect(_copy(frame), OPTS), InferenceWorkerCrashed);
      const down = await a.detect(_copy(frame), OPTS).then(() => null, (e: Error) => e);
      assert.ok(down && !(down instanceof InferenceWorkerCrashed), "not a droppable crash");
      assert.match(down.message, /inference worker 0 is down/);
      assert.ok((await b.detect(_copy(frame), OPTS)).detections.length > 0);
      assert.ok(
        logs.some((l) => /crashed 2 times within 60 s, left down/.test(l)),
        logs.join("\n"),
      );
    } finally {
      pool.close();
    }
  },
});

Deno.test({
  ...TEST,
  name: "inference pool: requests before the load wait for it; a bad swap keeps every worker " +
    "serving; a failed load rejects each request",
  async fn() {
    const frame = await vtestFrame(20);
    let path!: (p: string) => void;
    const pool = new InferencePool(new Promise<string>((r) => (path = r)), {
      workers: 2,
      threads: 1,
    });
    const cams = whenReady(Promise.resolve(pool));
    try {
      const early = cams.forCamera("x").detect(_copy(frame), OPTS);
      path(await ensureNanodetOnnx());
      assert.ok((await early).detections.length > 0);
      await assert.rejects(pool.swap("/nonexistent/model.onnx"), /cannot load model/);
      for (const c of ["p", "q"]) {
        assert.ok((await pool.forCamera(c).detect(_copy(frame), OPTS)).detections.length > 0);
      }
      assert.deepEqual(pool.load, [2, 1]);
      cams.release("x");
      await Promise.resolve();
      assert.deepEqual(pool.load, [1, 1]);
    } finally {
      pool.close();
    }
    const bad = new InferencePool("/nonexistent/model.onnx", { workers: 2, threads: 1 });
    const badCams = whenReady(bad.ready().then(() => bad));
    await assert.rejects(badCams.forCamera("a").detect(_copy(frame), OPTS), /cannot load model/);
    await assert.rejects(badCams.forCamera("b").detect(_copy(frame), OPTS), /cannot load model/);
    bad.close();
  },
});
