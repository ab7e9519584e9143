import assert from "node:assert/strict";
import { lazyImport } from "./lazy_import.ts";

Deno.test("lazy import: loads once, on first use, and shares the load", async () => {
  let loads = 0;
  const get = lazyImport(() => Promise.resolve({ n: ++loads }));
  assert.equal(loads, 0, "nothing loads before the first call");
  const [a, b] = await Promise.all([get(), get()]);
  assert.equal(loads, 1);
  assert.equal(a, b);
  assert.equal(await get(), a);
});

Deno.test("lazy import: a failed load is retried by the next call", async () => {
  let calls = 0;
  const get = lazyImport(() => {
    calls++;
    return calls === 1 ? Promise.reject(new Error("chunk fetch failed")) : Promise.resolve("ok");
  });
  await assert.rejects(get(), /chunk fetch failed/);
  assert.equal(await get(), "ok");
  assert.equal(await get(), "ok");
  assert.equal(calls, 2);
});
