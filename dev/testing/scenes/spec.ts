/**
 * Scene specs (ARCHITECTURE §3, §5 "Sample footage"): a JSON-able object that places vehicle
 * sprites on a background plate and moves each one along a piecewise-linear path of keyframes
 * `{t, x, y}` (the vehicle's centre, in source pixels; linear motion between keyframes, a repeated
 * position = standing still), plus the checks and path arithmetic every other part uses.
 */
import type { Anchor } from "../../../shared/geometry.ts";
import type { Verdict } from "../../../shared/verdict.ts";

/** Repository root (dev/testing/scenes/../../..), used to resolve relative paths in specs. */
export const REPO_ROOT: string = new URL("../../..", import.meta.url).pathname.replace(/\/$/, "");
export const DEFAULT_SPRITE = "samples/sprites/van.png";
export const DEFAULT_BACKGROUND = "samples/sprites/background.png";

/** What a judge should say about a vehicle's pass ("parked": no pass at all). */
export type ExpectedVerdict = Verdict | "parked";

/** One point of a path: the vehicle's centre (x, y) in source pixels at time t (seconds). */
export interface Keyframe {
  t: number;
  x: number;
  y: number;
  /** Sprite scale at this keyframe (default 1; pinhole scenes scale by depth), linear between. */
  scale?: number;
  /** Pinhole scenes: the ground contact point on the road, metres [X, Y], linear between. */
  ground?: [number, number];
}

export interface VehicleSpec {
  id: string;
  /** PNG with alpha, path relative to the repo root (default samples/sprites/van.png). */
  sprite?: string;
  /** Mirror the sprite horizontally (a vehicle driving right to left). */
  flip?: boolean;
  /** COCO label a detector is expected to give (informational; default "truck"). */
  label?: string;
  /** At least two keyframes, strictly increasing t. Absent outside [first.t, last.t]. */
  path: Keyframe[];
  /** The verdict the scene was designed to produce; checked against the computed one in tests. */
  expect?: ExpectedVerdict | null;
}

/** A solid rectangle drawn over everything for from <= t < to. */
export interface OccluderSpec {
  x: number;
  y: number;
  w: number;
  h: number;
  from: number;
  to: number;
  /** RGB, default mid grey [128, 128, 128]. */
  color?: [number, number, number];
}

/** Normalized geometry, as in config/stopline.yaml (origin top-left, [0,1]). */
export interface SceneZones {
  stop_zone: [number, number][];
  pre_stop_line?: [[number, number], [number, number]];
  capture_line?: [[number, number], [number, number]];
}

export interface StopSettings {
  stop_speed_px_s: number;
  full_stop_min_s: number;
  rolling_speed_px_s: number;
  parked_after_s: number;
  /** Calibrated scenes: road speed thresholds, m/s (defaults 0.5 and 3.0 as in the config). */
  stop_speed_mps?: number;
  rolling_speed_mps?: number;
}

export interface SceneSpec {
  name: string;
  description?: string;
  width: number;
  height: number;
  fps: number;
  /** Seconds; the video has round(duration * fps) frames at t = i / fps. */
  duration: number;
  /** PNG path relative to the repo root (default samples/sprites/background.png), scaled to fit. */
  background?: string;
  vehicles: VehicleSpec[];
  occluders?: OccluderSpec[];
  zones?: SceneZones;
  /**
   * The box point the judge places on the road (the camera config's `anchor`, default
   * bottom_center: the sprite box's bottom centre); the expected pass is computed on it.
   */
  anchor?: Anchor;
  /** Thresholds used for the expected verdicts (defaults: ARCHITECTURE §4b). */
  stop?: Partial<StopSettings>;
  /**
   * The camera config's `calibration` (pinhole scenes: the true one). When set, the expected
   * verdicts use road speeds (keyframe `ground`) against `stop_speed_mps`/`rolling_speed_mps`.
   */
  calibration?: { image: [number, number][]; ground: [number, number][] };
  /** Frame effects: dusk (brightness factor < 1), sensor noise, camera shake, codec. */
  effects?: SceneEffects;
  /**
   * A pinhole camera over a flat road (dev/testing/scenes/pinhole.ts): the plate is the road
   * seen through it; vehicle keyframes carry `scale` and `ground` (built by `pinholeDrive`).
   */
  camera?: PinholeCamera;
}

/**
 * A camera `height_m` above the road, on the lane line X = 0 (or `offset_x_m` to its side),
 * looking along +Y (down the road) pitched down by `pitch_deg` and turned by `yaw_deg`, with
 * focal length `focal_px` and the principal point at the frame centre. Road coordinates: X metres
 * to the right, Y metres ahead (ground level).
 */
export interface PinholeCamera {
  height_m: number;
  pitch_deg: number;
  focal_px: number;
  /**
   * Where the camera stands across the road (m, + right of the lane line; default 0) and how far
   * it is turned toward +X from looking straight down the road (degrees; default 0): a roadside
   * camera at X = -6 m turned 25° sees the traffic cross its frame diagonally.
   */
  offset_x_m?: number;
  yaw_deg?: number;
  /** The road drawn on the plate: half width (m) and where its painted stop line is (Y, m). */
  road_half_width_m?: number;
  stop_line_y_m?: number;
}

export interface SceneEffects {
  /** Multiplies every pixel after compositing (dusk: ~0.35). */
  brightness?: number;
  /** Standard deviation of per-pixel Gaussian sensor noise, in 8-bit levels. */
  noise_sigma?: number;
  /** Whole-frame shake: integer offsets up to this many px, deterministic per frame. */
  shake_px?: number;
  /** Encoder (default h264; h265 = libx265). */
  codec?: "h264" | "h265";
}

/**
 * The whole-frame offset of frame i of a shaking camera (integer px, deterministic: a hash of
 * i), applied to the plate and every vehicle alike; [0, 0] without shake.
 */
export function shakeAt(spec: SceneSpec, i: number): [number, number] {
  const a = spec.effects?.shake_px ?? 0;
  if (!a) return [0, 0];
  const h = (k: number) => {
    const s = Math.sin(i * 12.9898 + k * 78.233) * 43758.5453;
    return s - Math.floor(s);
  };
  return [Math.round((h(1) * 2 - 1) * a), Math.round((h(2) * 2 - 1) * a)];
}

export const DEFAULT_STOP: StopSettings = {
  stop_speed_px_s: 10,
  full_stop_min_s: 0.5,
  rolling_speed_px_s: 40,
  parked_after_s: 60,
};

/** Time tolerance, s: keyframe and frame times are sums of decimals. */
export const EPS = 1e-9;

/** Resolve a spec path: absolute stays, relative is taken from the repo root. */
export function resolvePath(p: string): string {
  return p.startsWith("/") ? p : `${REPO_ROOT}/${p}`;
}

/** Check a spec; throws with every problem found. */
export function validateSpec(spec: SceneSpec): void {
  const errs: string[] = [];
  if (!spec.name || !/^[A-Za-z0-9_-]+$/.test(spec.name)) errs.push("name: [A-Za-z0-9_-]+");
  for (const k of ["width", "height"] as const) {
    if (!Number.isInteger(spec[k]) || spec[k] <= 0 || spec[k] % 2) errs.push(`${k}: even > 0`);
  }
  if (!(spec.fps > 0 && spec.fps <= 120)) errs.push("fps: (0, 120]");
  if (!(spec.duration > 0)) errs.push("duration: > 0");
  if (!spec.vehicles?.length) errs.push("vehicles: at least one");
  const ids = new Set<string>();
  for (const v of spec.vehicles ?? []) {
    if (ids.has(v.id)) errs.push(`vehicle ${v.id}: duplicate id`);
    ids.add(v.id);
    if (!v.path || v.path.length < 2) errs.push(`vehicle ${v.id}: path needs >= 2 keyframes`);
    for (let k = 0; k < (v.path?.length ?? 0); k++) {
      const p = v.path[k];
      if (![p.t, p.x, p.y].every(Number.isFinite)) errs.push(`vehicle ${v.id}: keyframe ${k}`);
      if (k > 0 && !(p.t > v.path[k - 1].t + EPS)) {
        errs.push(`vehicle ${v.id}: keyframe ${k} t must increase`);
      }
    }
  }
  for (const [k, o] of (spec.occluders ?? []).entries()) {
    if (!(o.w > 0 && o.h > 0 && o.to > o.from)) errs.push(`occluder ${k}: w, h > 0, to > from`);
  }
  if (errs.length) throw new Error(`scene ${spec.name}: ${errs.join("; ")}`);
}

/** Frame count of a spec. */
export function frameCount(spec: SceneSpec): number {
  return Math.round(spec.duration * spec.fps);
}

/** Position and velocity on a path at time t, or null outside [first.t, last.t]. */
export function pathAt(
  path: Keyframe[],
  t: number,
): { x: number; y: number; vx: number; vy: number } | null {
  const n = path.length;
  if (t < path[0].t - EPS || t > path[n - 1].t + EPS) return null;
  // Segment k = [t_k, t_k+1): the one that starts at or contains t; the last one at t = t_last.
  let k = 0;
  while (k < n - 2 && t >= path[k + 1].t - EPS) k++;
  const a = path[k], b = path[k + 1];
  const dt = b.t - a.t;
  const vx = (b.x - a.x) / dt, vy = (b.y - a.y) / dt;
  let x: number, y: number;
  if (Math.abs(t - a.t) <= EPS) [x, y] = [a.x, a.y];
  else if (Math.abs(t - b.t) <= EPS) [x, y] = [b.x, b.y];
  else [x, y] = [a.x + vx * (t - a.t), a.y + vy * (t - a.t)];
  return { x, y, vx, vy };
}

/**
 * The depth extras of a path at time t (null outside it): sprite scale and ground point
 * (linear between keyframes) and the segment's road speed in m/s (null without `ground`).
 */
export function pathDepthAt(
  path: Keyframe[],
  t: number,
): { scale: number; ground: [number, number] | null; speed_mps: number | null } | null {
  const n = path.length;
  if (t < path[0].t - EPS || t > path[n - 1].t + EPS) return null;
  let k = 0;
  while (k < n - 2 && t >= path[k + 1].t - EPS) k++;
  const a = path[k], b = path[k + 1];
  const dt = b.t - a.t;
  const u = Math.min(1, Math.max(0, (t - a.t) / dt));
  const scale = (a.scale ?? 1) + ((b.scale ?? 1) - (a.scale ?? 1)) * u;
  const ground: [number, number] | null = a.ground && b.ground
    ? [a.ground[0] + (b.ground[0] - a.ground[0]) * u, a.ground[1] + (b.ground[1] - a.ground[1]) * u]
    : null;
  const speed_mps = a.ground && b.ground
    ? Math.hypot(b.ground[0] - a.ground[0], b.ground[1] - a.ground[1]) / dt
    : null;
  return { scale, ground, speed_mps };
}

/** Occluders drawn at time t. */
export function activeOccluders(spec: SceneSpec, t: number): OccluderSpec[] {
  return (spec.occluders ?? []).filter((o) => t >= o.from - EPS && t < o.to - EPS);
}
