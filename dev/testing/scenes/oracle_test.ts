import assert from "node:assert/strict";
import { groundTruth } from "./oracle.ts";
import { backToBack, briefOcclusion, drive, fullStop, otherDirection, SCENES } from "./catalog.ts";
import type { SceneSpec } from "./spec.ts";

Deno.test("groundTruth: full_stop stops exactly 3.0 s at the frame centre", () => {
  const t = groundTruth(fullStop);
  assert.equal(t.frames, 120);
  assert.equal(t.duration, 12);
  const v = t.vehicles[0];
  assert.equal(v.stops.length, 1);
  assert.deepEqual(
    { start: v.stops[0].start, end: v.stops[0].end, duration: v.stops[0].duration },
    { start: 4.4, end: 7.4, duration: 3 },
  );
  assert.equal(v.stop_duration_s, 3.0);
  assert.equal(v.expected.stop_duration_s, 3.0);
  assert.equal(v.expected.verdict, "full_stop");
  assert.deepEqual(v.stops[0].frames, [44, 74]);
  assert.deepEqual([v.stops[0].x, v.stops[0].y], [384, 230]);
  for (const f of v.frames) {
    if (f.i >= 44 && f.i <= 74) assert.deepEqual([f.x, f.y], [384, 230]);
    if (f.i >= 44 && f.i < 74) assert.equal(f.speed_px_s, 0);
  }
  assert.ok(v.frames[43].x < 384 && v.frames[75].x > 384);
  // Decelerating before the stop, accelerating after it.
  assert.ok(v.frames[30].speed_px_s > v.frames[40].speed_px_s && v.frames[40].speed_px_s > 0);
  assert.ok(v.frames[76].speed_px_s < v.frames[90].speed_px_s);
});

Deno.test("groundTruth: every named scene produces the verdict it was designed for", () => {
  for (const spec of Object.values(SCENES)) {
    const t = groundTruth(spec);
    assert.equal(t.frames, Math.round(spec.duration * spec.fps), spec.name);
    spec.vehicles.forEach((v, k) => {
      assert.equal(t.vehicles[k].expected.verdict, v.expect ?? null, `${spec.name}/${v.id}`);
      assert.ok(t.vehicles[k].frames.length > 0);
    });
  }
  const rolling = groundTruth(SCENES.rollingStop).vehicles[0];
  assert.equal(rolling.stops.length, 0);
  assert.equal(rolling.expected.min_speed_px_s, 25);
  const none = groundTruth(SCENES.noStop).vehicles[0];
  assert.ok(none.frames.every((f) => f.speed_px_s === 150));
  const parked = groundTruth(SCENES.parked);
  assert.equal(parked.duration, 75);
  assert.ok(parked.vehicles[0].stops[0].duration >= 70);
  const other = groundTruth(otherDirection).vehicles[0];
  assert.equal(other.sprite.flip, true);
  assert.equal(other.stop_duration_s, 3);
  assert.ok(other.frames[10].vx < 0);
  const b2b = groundTruth(backToBack).vehicles;
  assert.deepEqual(b2b.map((v) => v.stop_duration_s), [3, 2]);
  assert.deepEqual(b2b[1].stops.map((s) => s.in_zone), [false, true]);
});

Deno.test("groundTruth: back_to_back vans never overlap, occluder hides the van for 0.4 s", () => {
  const [a, b] = groundTruth(backToBack).vehicles;
  for (const fb of b.frames) {
    const fa = a.frames.find((f) => f.i === fb.i);
    if (!fa) continue;
    assert.ok(fb.bbox[0] + fb.bbox[2] <= fa.bbox[0], `frame ${fb.i}: van2 runs into van1`);
  }
  const occ = groundTruth(briefOcclusion).vehicles[0].frames;
  assert.deepEqual(occ.filter((f) => f.visible === 0 && f.x > 0 && f.x < 768).map((f) => f.i), [
    20,
    21,
    22,
    23,
  ]);
  assert.ok(occ[19].visible > 0.9 && occ[24].visible > 0.9);
});

Deno.test("groundTruth: the expected pass is judged on the anchor (bottom centre by default)", () => {
  // A van (174 px tall: the sprite size given below) whose centre runs along y 60, above the zone (y 173-403), while its
  // wheels (y 147) are above it too; at y 100 the wheels (187) are inside and the centre is not.
  const spec = (y: number, anchor?: "center" | "bottom_center"): SceneSpec => ({
    ...fullStop,
    name: "anchor_probe",
    ...(anchor ? { anchor } : {}),
    vehicles: [{ id: "van1", path: drive({ t: 0, x: -126, y }, [{ cruise: 150, dur: 12 }]) }],
  });
  const size = { spriteSize: () => ({ w: 221, h: 174 }) };
  assert.equal(groundTruth(spec(100), size).anchor, "bottom_center");
  assert.equal(groundTruth(spec(100), size).vehicles[0].expected.verdict, "no_stop");
  assert.equal(groundTruth(spec(100, "center"), size).vehicles[0].expected.verdict, null);
  assert.equal(groundTruth(spec(60), size).vehicles[0].expected.verdict, null);
  assert.equal(groundTruth(spec(230, "center"), size).vehicles[0].expected.verdict, "no_stop");
});

Deno.test("groundTruth: a run outside the zone shorter than the exit debounce keeps one visit", () => {
  // The centre enters the zone (x 307.2-460.8) at 1.36 s, steps back out for one 10 fps frame
  // (1.6 s: as a shaking camera moves a vehicle at the zone's edge) and drives on through it.
  const spec = (outFor: number): SceneSpec => ({
    ...fullStop,
    name: "edge_flicker",
    anchor: "center",
    vehicles: [{
      id: "van1",
      path: [
        { t: 0, x: 200, y: 300 },
        { t: 1.5, x: 320, y: 300 },
        { t: 1.55, x: 300, y: 300 },
        { t: 1.55 + outFor, x: 300, y: 300 },
        { t: 1.6 + outFor, x: 330, y: 300 },
        { t: 6, x: 800, y: 300 },
      ],
    }],
  });
  const size = { spriteSize: () => ({ w: 221, h: 174 }) };
  const flicker = groundTruth(spec(0.05), size).vehicles[0].expected;
  assert.equal(flicker.entered_at, 1.4);
  assert.ok(flicker.exited_at! > 2.8, `one visit to the far side: exited ${flicker.exited_at}`);
  // Out for 0.5 s (longer than stop.exit_debounce_s, 0.3 s): the first visit ends there.
  const away = groundTruth(spec(0.5), size).vehicles[0].expected;
  assert.equal(away.entered_at, 1.4);
  assert.equal(away.exited_at, 1.6);
});

Deno.test("groundTruth: the expected pass is the road's, whatever the camera's shake", () => {
  // The zone lies on the road and the pipeline moves shaken boxes back (shake.ts): a shaking
  // camera's truth is the still camera's. A van creeping at 20 px/s (2 px a frame) over the zone's
  // edge: with the shaken box a frame's offset of up to 3 px moved its entry by frames.
  const creep: SceneSpec = {
    ...fullStop,
    name: "shaken_creep",
    anchor: "center",
    vehicles: [{ id: "van1", path: [{ t: 0, x: 250, y: 300 }, { t: 10, x: 450, y: 300 }] }],
  };
  const size = { spriteSize: () => ({ w: 221, h: 174 }) };
  const still = groundTruth(creep, size).vehicles[0];
  for (const shake_px of [1, 3]) {
    const shaken = groundTruth({ ...creep, effects: { shake_px } }, size).vehicles[0];
    assert.notDeepEqual(shaken.frames.map((f) => f.bbox), still.frames.map((f) => f.bbox));
    assert.deepEqual(shaken.expected, still.expected, `shake ${shake_px} px`);
  }
});
