import assert from "node:assert/strict";
import { pathAt, validateSpec } from "./spec.ts";
import { shortTest } from "./catalog.ts";

Deno.test("pathAt and validateSpec", () => {
  const path = [{ t: 0, x: 0, y: 0 }, { t: 1, x: 10, y: 0 }, { t: 2, x: 10, y: 0 }, {
    t: 4,
    x: 10,
    y: 20,
  }];
  assert.deepEqual(pathAt(path, 0.5), { x: 5, y: 0, vx: 10, vy: 0 });
  assert.deepEqual(pathAt(path, 1), { x: 10, y: 0, vx: 0, vy: 0 }); // the segment starting at t
  assert.deepEqual(pathAt(path, 3), { x: 10, y: 10, vx: 0, vy: 10 });
  assert.deepEqual(pathAt(path, 4), { x: 10, y: 20, vx: 0, vy: 10 });
  assert.equal(pathAt(path, 4.1), null);
  assert.equal(pathAt(path, -0.1), null);
  assert.throws(
    () => validateSpec({ ...shortTest, vehicles: [{ id: "v", path: [path[1], path[0]] }] }),
    /t must increase/,
  );
  assert.throws(() => validateSpec({ ...shortTest, width: 767 }), /width/);
});
