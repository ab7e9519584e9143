import assert from "node:assert/strict";
import { applyHomography, homographyFromPoints } from "../../../shared/homography.ts";
import { groundTruth } from "./oracle.ts";
import { PERSPECTIVE_CAMERA, PERSPECTIVE_SCENES } from "./perspective_catalog.ts";
import { backProject, pinholeCalibration, pinholeDrive, project, worldDrive } from "./pinhole.ts";

const W = 768, H = 576;

Deno.test("pinhole: project and backProject are inverse on the road; depth shrinks the van", () => {
  for (const [X, Y] of [[-1.75, 12], [2, 30], [0, 8]]) {
    const p = project(PERSPECTIVE_CAMERA, W, H, X, Y)!;
    const g = backProject(PERSPECTIVE_CAMERA, W, H, p.u, p.v)!;
    assert.ok(Math.hypot(g[0] - X, g[1] - Y) < 1e-9, `${X},${Y} -> ${g}`);
  }
  // The horizon (pitch 12°, f 600): 600 tan 12° = 127.5 px above the centre; above it, sky.
  assert.equal(backProject(PERSPECTIVE_CAMERA, W, H, 384, 288 - 130), null);
  assert.notEqual(backProject(PERSPECTIVE_CAMERA, W, H, 384, 288 - 125), null);
  assert.equal(project(PERSPECTIVE_CAMERA, W, H, 0, -20), null, "behind the camera");
});

Deno.test("pinhole: drive keyframes put the box's bottom centre on the ground point, 2 m wide", () => {
  const world = worldDrive({ t: 0, X: -1.75, Y: 28 }, [{ cruise_mps: 10, dur: 1 }, { hold: 1 }]);
  assert.deepEqual(world.map((k) => [k.t, k.Y]), [[0, 28], [1, 18], [2, 18]]);
  const sprite = { w: 221, h: 174 };
  const keys = pinholeDrive(PERSPECTIVE_CAMERA, { width: W, height: H, fps: 10 }, world, sprite);
  assert.equal(keys.length, 21, "one per frame");
  for (const k of keys) {
    const p = project(PERSPECTIVE_CAMERA, W, H, k.ground![0], k.ground![1])!;
    const bottom = k.y + (sprite.h * k.scale!) / 2;
    // Keyframes are rounded to 1e-6 (x, y, scale): a thousandth of a pixel at most.
    assert.ok(Math.abs(k.x - p.u) < 1e-3 && Math.abs(bottom - p.v) < 1e-3);
    const width_px = sprite.w * k.scale!;
    assert.ok(Math.abs(width_px - (600 * 2) / p.depth_m) < 1e-3, `${width_px}`);
  }
  // 18 m ahead (the pre-stop line): ~64 px wide.
  assert.ok(Math.abs(sprite.w * keys.at(-1)!.scale! - 64.3) < 0.5);
});

Deno.test("pinhole: the true calibration maps the truth's ground contact points to metres", () => {
  const cal = pinholeCalibration(PERSPECTIVE_CAMERA, W, H, {
    half_width_m: 3.5,
    y0_m: 10,
    y1_m: 25,
  });
  const h = homographyFromPoints(cal.image, cal.ground);
  const truth = groundTruth(PERSPECTIVE_SCENES.persp_no_stop);
  for (const f of truth.vehicles[0].frames) {
    const [x, y, w, hh] = f.bbox;
    const g = applyHomography(h, [(x + w / 2) / W, (y + hh) / H]);
    // Calibration image points are rounded to 1e-6 of the frame: well under a centimetre.
    assert.ok(Math.hypot(g[0] - f.ground![0], g[1] - f.ground![1]) < 0.01, `${f.t}: ${g}`);
  }
  assert.equal(truth.vehicles[0].expected.verdict, "no_stop");
  assert.equal(truth.vehicles[0].expected.entry_speed_mps, 10);
});

Deno.test("pinhole truth: entry speed at the instant the anchor enters, min and max in the zone", () => {
  // Braking from 8 m/s at 4.375 m/s^2 from t = 1 s, the ground point reaches the zone's far edge
  // (Y = 15 m) exactly on the 1.8 s frame: 8 - 4.375 * 0.8 = 4.5 m/s then (the mean over the
  // frame before, 1.7-1.8 s, is 4.72: a frame's worth of braking too high).
  for (const name of ["persp_full_stop", "persp_5fps"]) {
    const e = groundTruth(PERSPECTIVE_SCENES[name]).vehicles[0].expected;
    assert.equal(e.entered_at, 1.8, name);
    // Within 1e-5: the keyframes' image positions are rounded to 1e-6 px (_r6) and the entry
    // instant is read back through them (4.500003 with the 216x167 sprite, 4.5 to 1e-6 before).
    assert.ok(Math.abs(e.entry_speed_mps! - 4.5) < 1e-5, `${name}: ${e.entry_speed_mps}`);
    assert.equal(e.min_speed_mps, 0);
    // The fastest in the zone is the entry: it leaves at under 3 m/s after the stop.
    assert.equal(e.max_speed_mps, e.entry_speed_mps, `${name}: max ${e.max_speed_mps}`);
  }
  // Entering while cruising at 1.5 m/s, after the brake ended: 1.5.
  const rolling = groundTruth(PERSPECTIVE_SCENES.persp_rolling_stop).vehicles[0].expected;
  assert.ok(Math.abs(rolling.entry_speed_mps! - 1.5) < 1e-6, `${rolling.entry_speed_mps}`);
  assert.ok(Math.abs(rolling.min_speed_mps! - 1.5) < 1e-6);
  // It leaves the zone (4.2 s) before it speeds up again (4.5 s): 1.5 throughout.
  assert.ok(Math.abs(rolling.max_speed_mps! - 1.5) < 1e-6, `${rolling.max_speed_mps}`);
});

Deno.test("pinhole: a yawed roadside camera: project and backProject round trip, road crosses the frame", () => {
  // 6 m left of the lane line, turned 25° toward the road, 5 m up, pitch 12°.
  const cam = { ...PERSPECTIVE_CAMERA, offset_x_m: -6, yaw_deg: 25 };
  for (const [X, Y] of [[-1.75, 12], [1.75, 30], [0, 8], [-3.5, 20], [3.5, 5]]) {
    const p = project(cam, W, H, X, Y)!;
    const g = backProject(cam, W, H, p.u, p.v)!;
    assert.ok(Math.hypot(g[0] - X, g[1] - Y) < 1e-9, `${X},${Y} -> ${g}`);
  }
  // The camera's own axis hits the road at (offset + d sin 25°, d cos 25°), d = 5 / tan 12°.
  const d = 5 / Math.tan((12 * Math.PI) / 180);
  const c = project(
    cam,
    W,
    H,
    -6 + d * Math.sin((25 * Math.PI) / 180),
    d * Math.cos((25 * Math.PI) / 180),
  )!;
  assert.ok(Math.abs(c.u - W / 2) < 1e-9 && Math.abs(c.v - H / 2) < 1e-9, `${c.u},${c.v}`);
  assert.ok(Math.abs(c.depth_m - Math.hypot(d, 5)) < 1e-9);
  // The lane runs diagonally across the frame: 40 m ahead it is 19° left of the axis (the
  // camera looks 25° right, the lane is 6° right of the road's direction there), 8 m ahead
  // 3° right of it and lower; straight down the road (no yaw, no offset) it keeps the left half.
  const far = project(cam, W, H, -1.75, 40)!, near = project(cam, W, H, -1.75, 8)!;
  assert.ok(far.u < W / 2 && near.u > W / 2 && near.u > far.u + 150, `${far.u} ${near.u}`);
  assert.ok(near.v > far.v);
  for (const Y of [8, 40]) assert.ok(project(PERSPECTIVE_CAMERA, W, H, -1.75, Y)!.u < W / 2);
  // Points beside the camera, outside its view cone toward -X, are behind it.
  assert.equal(project(cam, W, H, -30, 0), null);
});
