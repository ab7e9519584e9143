/**
 * bench/held_out_scenes.ts without rendering or the detector: the draws are deterministic and
 * inside their ranges, the config a grader would write parses with exactly issue #12's keys, and
 * an id that slides from one vehicle to another counts on both.
 */
import assert from "node:assert/strict";
import { parseConfigYaml } from "../shared/config.ts";
import type { SceneTruth } from "../dev/testing/scenes/mod.ts";
import { drawScenes, heldOutConfigYaml, SCENE_KINDS, tracksPerVehicle } from "./held_out_scenes.ts";

Deno.test("held-out scenes: a seed draws the same scenes, another seed others", () => {
  const a = drawScenes(7, 5), b = drawScenes(7, 5), c = drawScenes(8, 5);
  assert.deepEqual(a.map((s) => s.params), b.map((s) => s.params));
  assert.notDeepEqual(a.map((s) => s.params), c.map((s) => s.params));
  // Kinds in turn: five scenes are the five kinds.
  assert.deepEqual(new Set(a.map((s) => s.kind)), new Set(SCENE_KINDS));
});

Deno.test("held-out scenes: cameras, rates and zones inside the drawn ranges", () => {
  for (const s of drawScenes(3, 20)) {
    const cam = s.camera.camera;
    assert.ok(cam.height_m >= 3 && cam.height_m <= 10, s.params);
    assert.ok(s.camera.width >= 640 && s.camera.width <= 1280, s.params);
    assert.ok([15, 10, 5, 2.5].includes(s.proc_fps), s.params);
    assert.ok(s.spec.fps >= s.proc_fps, s.params);
    const zone = s.spec.zones!.stop_zone.flat();
    assert.ok(zone.every((v) => v >= 0 && v <= 1), `zone out of frame: ${s.params}`);
    // Every judged vehicle is expected to be judged; the away van is not.
    for (const v of s.spec.vehicles) assert.equal(v.expect === null, v.id === "away");
  }
});

Deno.test("held-out scenes: the grader's config has issue #12's keys and parses", () => {
  const s = drawScenes(1, 1)[0];
  const yaml = heldOutConfigYaml(s, "/tmp/x.mp4");
  const config = parseConfigYaml(yaml, () => undefined, { checkSources: false });
  const cam = config.cameras.heldout;
  assert.equal(config.units, "metric");
  assert.equal(cam.detect.fps, s.proc_fps);
  assert.deepEqual(cam.calibration, s.spec.calibration);
  assert.equal(cam.stop?.stop_speed_mps, 0.5);
  assert.equal(cam.stop?.rolling_speed_mps, 3.0);
  // Nothing tuned: only the keys, the zones and the rate are written.
  assert.doesNotMatch(yaml, /min_conf|regions|classes|px_s/);
});

Deno.test("held-out scenes: an id that slides onto another vehicle counts on both", () => {
  const frame = (t: number, bbox: [number, number, number, number]) => ({
    i: t * 10,
    t,
    x: 0,
    y: 0,
    bbox,
    vx: 0,
    vy: 0,
    speed_px_s: 0,
    visible: 1,
  });
  const truth = {
    width: 100,
    height: 100,
    fps: 10,
    vehicles: [
      { id: "first", frames: [frame(0, [10, 50, 20, 20]), frame(1, [10, 60, 20, 20])] },
      { id: "second", frames: [frame(0, [60, 10, 20, 20]), frame(1, [10, 30, 20, 20])] },
    ],
  } as unknown as SceneTruth;
  const ev = (event: "new" | "update", ts: number, id: number, bbox: number[]) => ({
    type: "track_event" as const,
    event,
    ts,
    after: { id, bbox: bbox as [number, number, number, number] },
  });
  const { perVehicle, unmatched } = tracksPerVehicle(truth, [
    ev("new", 0, 1, [0.1, 0.5, 0.2, 0.2]), // on first
    ev("update", 1000, 1, [0.1, 0.3, 0.2, 0.2]), // slid onto second
    ev("new", 1000, 2, [0.1, 0.6, 0.2, 0.2]), // first found again
    ev("new", 1000, 3, [0.8, 0.8, 0.1, 0.1]), // on nothing
  ]);
  assert.deepEqual(perVehicle.get("first"), [1, 2]);
  assert.deepEqual(perVehicle.get("second"), [1]);
  assert.deepEqual(unmatched, [3]);
});
