import assert from "node:assert/strict";
import { niceScale } from "./svg.ts";

Deno.test("nice scale", () => {
  assert.deepEqual(niceScale(0), { max: 1, step: 1 });
  assert.deepEqual(niceScale(7), { max: 8, step: 2 });
  assert.deepEqual(niceScale(93), { max: 100, step: 50 });
  assert.deepEqual(niceScale(3.2), { max: 4, step: 1 });
});
