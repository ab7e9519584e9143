import assert from "node:assert/strict";
import type { Detection } from "../detector/detection.ts";
import { ByteTracker } from "../tracker/bytetrack.ts";
import { markDoubtfulMotorcycles, withBicycles } from "./two_wheelers.ts";

Deno.test("bicycles are detected alongside tracked motorcycles, and only then", () => {
  assert.deepEqual(withBicycles(["car", "motorcycle"]), ["car", "motorcycle", "bicycle"]);
  assert.deepEqual(withBicycles(["car", "truck"]), ["car", "truck"]);
});

Deno.test("a motorcycle the detector also calls a bicycle is doubtful and starts no track", () => {
  // carpark_bikes' second cyclist (2026-11-30): motorcycle 0.41-0.46 with bicycle 0.25-0.46 on
  // the same box, 12 fps.
  const pairs: [number, number, number][] = [[611, 0.41, 0.46], [646, 0.41, 0.25], [
    652,
    0.46,
    0.33,
  ]];
  const tr = new ByteTracker({ highThresh: 0.4, newTrackThresh: 0.4 });
  pairs.forEach(([x, moto, bike], k) => {
    const found: Detection[] = [
      { label: "motorcycle", conf: moto, box: [x, 45, 80, 60] },
      { label: "bicycle", conf: bike, box: [x + 1, 46, 80, 58] },
    ];
    const dets = markDoubtfulMotorcycles(found);
    assert.equal(dets[0].doubtful, true);
    const out = tr.update(dets.filter((d) => d.label !== "bicycle"), k * 83, { w: 768, h: 432 });
    assert.equal(out.started.length, 0, "no vehicle track for the cyclist");
  });

  // A motorcycle with a weak or distant bicycle score stays a vehicle; it is confirmed as before.
  const solid = new ByteTracker({ highThresh: 0.4, newTrackThresh: 0.4 });
  const started = [0, 1].map((k) => {
    const dets = markDoubtfulMotorcycles([
      { label: "motorcycle", conf: 0.6, box: [300 + 5 * k, 200, 60, 50] },
      { label: "bicycle", conf: 0.2, box: [300 + 5 * k, 200, 60, 50] },
      { label: "bicycle", conf: 0.9, box: [500, 200, 60, 50] },
    ]);
    assert.equal(dets[0].doubtful, undefined);
    return solid.update(dets.slice(0, 1), k * 100).started.length;
  });
  assert.deepEqual(started, [0, 1]);
});

Deno.test("a doubtful detection keeps a confirmed motorcycle track alive", () => {
  const tr = new ByteTracker({ highThresh: 0.4, newTrackThresh: 0.4 });
  for (let k = 0; k < 2; k++) {
    tr.update([{ label: "motorcycle", conf: 0.7, box: [300 + 5 * k, 200, 60, 50] }], k * 100);
  }
  const out = tr.update(
    [{ label: "motorcycle", conf: 0.7, box: [310, 200, 60, 50], doubtful: true }],
    200,
  );
  assert.deepEqual(out.tracks.map((t) => t.id), [1]);
});
