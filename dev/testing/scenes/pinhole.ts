/**
 * A pinhole camera over a flat road (issue #12 "ground truth"): project road points (metres) to
 * the image, draw the road plate the camera sees, turn a drive scripted in metres and m/s into
 * image keyframes (the sprite scaled by depth, placed by its ground contact point: the box's
 * bottom centre), and give the true calibration (four road points, image and metres) and zones
 * drawn on the road. Pure arithmetic; the compositor and oracle read the keyframes it builds.
 */
import type { Keyframe, PinholeCamera, SceneSpec, SceneZones } from "./spec.ts";

function _r6(v: number): number {
  const r = Math.round(v * 1e6) / 1e6;
  return r === 0 ? 0 : r;
}

/** The camera of a pinhole scene, or null for a 2-D one. */
export function pinholeOf(spec: SceneSpec): PinholeCamera | null {
  return spec.camera ?? null;
}

/**
 * The camera's axes in road coordinates: right, down and forward unit vectors. Yaw turns the
 * camera about the vertical toward +X; pitch tilts it down. With no yaw they are the straight-
 * down-the-road camera's (1, 0, 0), (0, -sin, -cos), (0, cos, -sin), and every product below
 * reduces to the same floating-point operations as before yaw existed (the catalog's truth is
 * byte-for-byte unchanged).
 */
function _axes(cam: PinholeCamera) {
  const th = (cam.pitch_deg * Math.PI) / 180;
  const ps = ((cam.yaw_deg ?? 0) * Math.PI) / 180;
  const ct = Math.cos(th), st = Math.sin(th), cp = Math.cos(ps), sp = Math.sin(ps);
  return {
    right: [cp, -sp, 0],
    down: [-st * sp, -st * cp, -ct],
    fwd: [ct * sp, ct * cp, -st],
  } as const;
}

/**
 * Image position (px) of the road point (X, Y, Z) and its depth along the optical axis (m);
 * null behind the camera.
 */
export function project(
  cam: PinholeCamera,
  width: number,
  height: number,
  X: number,
  Y: number,
  Z = 0,
): { u: number; v: number; depth_m: number } | null {
  const { right, down, fwd } = _axes(cam);
  const dx = X - (cam.offset_x_m ?? 0), dz = Z - cam.height_m;
  const depth = dx * fwd[0] + Y * fwd[1] + dz * fwd[2];
  if (depth <= 0.1) return null;
  const across = dx * right[0] + Y * right[1];
  const below = dx * down[0] + Y * down[1] + dz * down[2];
  return {
    u: width / 2 + (cam.focal_px * across) / depth,
    v: height / 2 + (cam.focal_px * below) / depth,
    depth_m: depth,
  };
}

/** The road point (metres) seen at image pixel (u, v), or null above the horizon. */
export function backProject(
  cam: PinholeCamera,
  width: number,
  height: number,
  u: number,
  v: number,
): [number, number] | null {
  const { right, down, fwd } = _axes(cam);
  const xc = (u - width / 2) / cam.focal_px, yc = (v - height / 2) / cam.focal_px;
  // Ray = xc * right + yc * down + fwd, from the camera (offset_x_m, 0, height_m) to Z = 0.
  const dirZ = yc * down[2] + fwd[2];
  if (dirZ >= -1e-6) return null;
  const s = cam.height_m / -dirZ;
  const dirX = xc * right[0] + yc * down[0] + fwd[0];
  const dirY = xc * right[1] + yc * down[1] + fwd[1];
  return [(cam.offset_x_m ?? 0) + s * dirX, s * dirY];
}

/** Deterministic texture noise in [0, 1) for a road cell. */
function _hash(a: number, b: number): number {
  const s = Math.sin(a * 127.1 + b * 311.7) * 43758.5453;
  return s - Math.floor(s);
}

/**
 * The plate (RGB24): sky above the horizon, grass verges, asphalt with a dashed centre line,
 * edge lines and a painted stop line across the road; 2 x 2 supersampled.
 */
export function roadPlate(cam: PinholeCamera, width: number, height: number): Uint8Array {
  const half = cam.road_half_width_m ?? 3.5;
  const stopY = cam.stop_line_y_m;
  const out = new Uint8Array(width * height * 3);
  const colour = (u: number, v: number): [number, number, number] => {
    const g = backProject(cam, width, height, u, v);
    if (!g || g[1] > 400) {
      const k = Math.max(0, Math.min(1, v / height));
      return [150 + 40 * k, 175 + 30 * k, 200 + 20 * k];
    }
    const [X, Y] = g;
    const n = _hash(Math.floor(X * 4), Math.floor(Y * 4));
    if (Math.abs(X) > half + 0.3) return [70 + 30 * n, 110 + 30 * n, 55 + 20 * n];
    if (Math.abs(X) > half) return [150, 150, 145]; // kerb
    const white: [number, number, number] = [225, 225, 220];
    if (Math.abs(X) > half - 0.15) return white;
    if (Math.abs(X) < 0.075 && ((Y % 6) + 6) % 6 < 3) return white;
    if (stopY !== undefined && X < 0 && Y >= stopY - 0.4 && Y <= stopY) return white;
    const a = 85 + 20 * n;
    return [a, a, a + 4];
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let r = 0, g = 0, b = 0;
      for (const [dx, dy] of [[0.25, 0.25], [0.75, 0.25], [0.25, 0.75], [0.75, 0.75]]) {
        const c = colour(x + dx, y + dy);
        r += c[0];
        g += c[1];
        b += c[2];
      }
      const o = (y * width + x) * 3;
      out[o] = Math.round(r / 4);
      out[o + 1] = Math.round(g / 4);
      out[o + 2] = Math.round(b / 4);
    }
  }
  return out;
}

/** A point of a drive on the road: time (s) and position (m). */
export interface WorldKeyframe {
  t: number;
  X: number;
  Y: number;
}

/**
 * Image keyframes for a drive scripted on the road (`world`: piecewise linear in metres, so
 * segment speeds are exact m/s). Sampled at every frame time and every world keyframe time
 * (exact positions there; a perspective path is not linear in the image between), each with
 * the sprite `scale` that makes the vehicle `width_m` wide at its depth, `ground` = the road
 * point, and the box centre placed so its bottom centre is the projected ground point.
 */
export function pinholeDrive(
  cam: PinholeCamera,
  spec: { width: number; height: number; fps: number },
  world: WorldKeyframe[],
  sprite: { w: number; h: number },
  width_m = 2,
): Keyframe[] {
  const t0 = world[0].t, t1 = world[world.length - 1].t;
  const times = new Set<number>(world.map((k) => _r6(k.t)));
  for (let i = Math.ceil(t0 * spec.fps - 1e-6); i / spec.fps <= t1 + 1e-9; i++) {
    times.add(_r6(i / spec.fps));
  }
  const out: Keyframe[] = [];
  for (const t of [...times].sort((a, b) => a - b)) {
    let k = 0;
    while (k < world.length - 2 && t >= world[k + 1].t - 1e-9) k++;
    const a = world[k], b = world[k + 1];
    const u = Math.min(1, Math.max(0, (t - a.t) / (b.t - a.t)));
    const X = a.X + (b.X - a.X) * u, Y = a.Y + (b.Y - a.Y) * u;
    const p = project(cam, spec.width, spec.height, X, Y);
    if (!p) throw new Error(`pinholeDrive: (${X}, ${Y}) is behind the camera`);
    const scale = (cam.focal_px * width_m) / p.depth_m / sprite.w;
    out.push({
      t,
      x: _r6(p.u),
      y: _r6(p.v - (sprite.h * scale) / 2),
      scale: _r6(scale),
      ground: [_r6(X), _r6(Y)],
    });
  }
  return out;
}

/** Legs of a drive in m/s, as catalog.ts's `drive` (cruise, linear ramp sampled every `step` s, hold). */
export type WorldLeg =
  | { cruise_mps: number; dur: number }
  | { ramp_mps: [number, number]; dur: number }
  | { hold: number };

/** World keyframes for a drive along `dir` (unit vector on the road, default toward the camera: -Y). */
export function worldDrive(
  start: WorldKeyframe,
  legs: WorldLeg[],
  opts: { dir?: [number, number]; step?: number } = {},
): WorldKeyframe[] {
  const [dx, dy] = opts.dir ?? [0, -1];
  const step = opts.step ?? 0.1;
  const out: WorldKeyframe[] = [{ ...start }];
  let t = start.t, s = 0;
  const push = (tt: number, ss: number) =>
    out.push({ t: _r6(tt), X: _r6(start.X + dx * ss), Y: _r6(start.Y + dy * ss) });
  for (const leg of legs) {
    if ("hold" in leg) {
      t += leg.hold;
      push(t, s);
    } else if ("cruise_mps" in leg) {
      s += leg.cruise_mps * leg.dur;
      t += leg.dur;
      push(t, s);
    } else {
      const [v0, v1] = leg.ramp_mps;
      const n = Math.max(1, Math.round(leg.dur / step));
      const acc = (v1 - v0) / leg.dur;
      for (let k = 1; k <= n; k++) {
        const u = (leg.dur * k) / n;
        push(t + u, s + v0 * u + 0.5 * acc * u * u);
      }
      s += v0 * leg.dur + 0.5 * acc * leg.dur * leg.dur;
      t += leg.dur;
    }
  }
  return out;
}

/** Normalized image point of a road point (for zones and calibration). */
function _norm(cam: PinholeCamera, W: number, H: number, X: number, Y: number): [number, number] {
  const p = project(cam, W, H, X, Y);
  if (!p) throw new Error(`(${X}, ${Y}) is behind the camera`);
  return [_r6(p.u / W), _r6(p.v / H)];
}

/**
 * The true calibration: the road rectangle X in [centre - half, centre + half] (`centre_x_m`,
 * default 0), Y in [y0, y1] (metres) and where its corners are in the image (normalized), in the
 * order near-left, near-right, far-right, far-left.
 */
export function pinholeCalibration(
  cam: PinholeCamera,
  W: number,
  H: number,
  rect: { half_width_m: number; y0_m: number; y1_m: number; centre_x_m?: number },
): { image: [number, number][]; ground: [number, number][] } {
  const { half_width_m: h, y0_m: a, y1_m: b, centre_x_m: c = 0 } = rect;
  const ground: [number, number][] = [[c - h, a], [c + h, a], [c + h, b], [c - h, b]];
  return { image: ground.map(([X, Y]) => _norm(cam, W, H, X, Y)), ground };
}

/**
 * Zones drawn on the road: the stop zone X in [x0, x1], Y in [zone_y0, zone_y1], a pre-stop line
 * across it at `pre_stop_y_m` (farther from the camera: traffic approaches toward -Y) and an
 * optional capture line at `capture_y_m`.
 */
export function pinholeZones(
  cam: PinholeCamera,
  W: number,
  H: number,
  z: {
    x_m: [number, number];
    zone_y_m: [number, number];
    pre_stop_y_m: number;
    capture_y_m?: number;
  },
): SceneZones {
  const [x0, x1] = z.x_m, [y0, y1] = z.zone_y_m;
  const p = (X: number, Y: number) => _norm(cam, W, H, X, Y);
  return {
    stop_zone: [p(x0, y1), p(x1, y1), p(x1, y0), p(x0, y0)],
    pre_stop_line: [p(x0, z.pre_stop_y_m), p(x1, z.pre_stop_y_m)],
    ...(z.capture_y_m !== undefined
      ? {
        capture_line: [p(x0, z.capture_y_m), p(x1, z.capture_y_m)] as [
          [number, number],
          [number, number],
        ],
      }
      : {}),
  };
}
