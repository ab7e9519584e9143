import assert from "node:assert/strict";
import type { Box } from "../../shared/geometry.ts";
import { type Detection, IouTracker } from "./iou_tracker.ts";

function _det(label: string, x: number, y: number, w = 40, h = 30, conf = 0.8): Detection {
  return { label, conf, box: [x, y, w, h] as Box };
}

Deno.test("two objects moving at known speeds keep their ids and get their speeds", () => {
  const tr = new IouTracker({ minHits: 2 });
  let out = tr.update([_det("car", 0, 100), _det("person", 300, 50, 20, 50)], 0);
  assert.equal(out.length, 0, "tentative tracks are not reported");
  // car: 50 px/s to the right at 10 fps; person: 20 px/s down.
  for (let i = 1; i <= 20; i++) {
    out = tr.update([_det("car", 5 * i, 100), _det("person", 300, 50 + 2 * i, 20, 50)], i * 100);
  }
  assert.equal(out.length, 2);
  const car = out.find((t) => t.label === "car")!;
  const person = out.find((t) => t.label === "person")!;
  assert.deepEqual([car.id, person.id].sort(), [1, 2]);
  assert.ok(Math.abs(car.speed - 50) < 0.5, `car speed ${car.speed}`);
  assert.ok(Math.abs(person.speed - 20) < 0.5, `person speed ${person.speed}`);
});

Deno.test("a vehicle relabelled car->truck and missed for a frame keeps its id", () => {
  const tr = new IouTracker({ minHits: 2, maxAgeMs: 500 });
  tr.update([_det("car", 0, 0)], 0);
  const a = tr.update([_det("car", 2, 0)], 100);
  tr.update([], 200); // detector flicker
  const b = tr.update([_det("truck", 6, 0)], 300);
  assert.equal(a[0].id, b[0].id);
  assert.equal(b[0].label, "truck");
});

Deno.test("tracks time out in capture time; single-frame false positives never get an id", () => {
  const tr = new IouTracker({ minHits: 2, maxAgeMs: 500 });
  tr.update([_det("car", 0, 0)], 0);
  tr.update([_det("car", 0, 0), _det("dog", 500, 500)], 100);
  tr.update([], 400);
  assert.equal(tr.size, 1);
  assert.equal(tr.update([], 700).length, 0);
  assert.equal(tr.size, 0);
  const next = tr.update([_det("car", 100, 100)], 800);
  assert.equal(next.length, 0);
  assert.equal(tr.update([_det("car", 100, 100)], 900)[0].id, 2);
});
