import assert from "node:assert/strict";
import { lumaAt } from "./luma.ts";

Deno.test("lumaAt: BT.601 weights of the pixel at a byte offset", () => {
  const d = new Uint8Array([0, 0, 0, 255, 255, 255, 0, 255, 0, 10, 20, 30]);
  assert.equal(lumaAt(d, 0), 0);
  assert.ok(Math.abs(lumaAt(d, 3) - 255) < 1e-9);
  assert.ok(Math.abs(lumaAt(d, 6) - 0.587 * 255) < 1e-9);
  assert.ok(Math.abs(lumaAt(d, 9) - (2.99 + 11.74 + 3.42)) < 1e-9);
});
