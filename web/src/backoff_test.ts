import assert from "node:assert/strict";
import { Backoff } from "./backoff.ts";

Deno.test("backoff doubles to the cap, with +-20% jitter, and resets", () => {
  const b = new Backoff(500, 3000, () => 0.5);
  assert.deepEqual([b.next(), b.next(), b.next(), b.next()], [500, 1000, 2000, 3000]);
  b.reset();
  assert.equal(b.next(), 500);
  const lo = new Backoff(1000, 1000, () => 0);
  assert.equal(lo.next(), 800);
  const hi = new Backoff(1000, 1000, () => 0.999999);
  assert.ok(Math.abs(hi.next() - 1200) < 0.01);
});
