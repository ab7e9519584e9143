import assert from "node:assert/strict";
import { SpoolPump } from "./spool_pump.ts";

Deno.test("spool pump: works now, retries while items are left, never overlaps, stops", async () => {
  let left = 3;
  let passes = 0;
  let inPass = 0;
  let overlapped = false;
  const pump = new SpoolPump({
    workAll: async () => {
      inPass++;
      if (inPass > 1) overlapped = true;
      passes++;
      await new Promise((r) => setTimeout(r, 5));
      left = Math.max(0, left - 1);
      inPass--;
    },
    pending: () => Promise.resolve(left),
    retryDelayMs: () => 10,
  });
  pump.schedule(0);
  pump.schedule(0); // replaces the first timer: one chain of passes
  const deadline = Date.now() + 5000;
  while (left > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  assert.equal(left, 0);
  assert.equal(passes, 3);
  left = 1;
  assert.equal(await pump.drain(), true);
  assert.equal(passes, 4);
  await pump.stop();
  left = 5;
  pump.schedule(0); // closed: no more passes
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(passes, 4);
  assert.equal(overlapped, false);
});
