/**
 * The ground-truth oracle: `groundTruth` is pure arithmetic on a spec — per vehicle and per frame
 * the exact centre, bbox, velocity and speed (px/s), the stop intervals (speed 0), and, when the
 * spec has zones, the expected pass verdict under the stop settings of ARCHITECTURE §4b, judged
 * on the box's anchor point (`anchor`, default bottom_center) as the analyzer does — plus the
 * truth file's name and layout (`x.mp4` -> `x.truth.json`).
 */
import { type Anchor, anchorPoint } from "../../../shared/geometry.ts";
import { pngSize } from "./png.ts";
import { StopSchema } from "../../../shared/config.ts";
import {
  activeOccluders,
  DEFAULT_BACKGROUND,
  DEFAULT_SPRITE,
  DEFAULT_STOP,
  EPS,
  type ExpectedVerdict,
  frameCount,
  type Keyframe,
  type OccluderSpec,
  pathAt,
  pathDepthAt,
  resolvePath,
  type SceneSpec,
  type SceneZones,
  shakeAt,
  type StopSettings,
  validateSpec,
  type VehicleSpec,
} from "./spec.ts";

export interface FrameTruth {
  i: number;
  t: number;
  /** Exact centre. */
  x: number;
  y: number;
  /** Exact unclipped box [x, y, w, h] in source pixels. */
  bbox: [number, number, number, number];
  vx: number;
  vy: number;
  /** px/s; the velocity of the path segment that starts at or contains t. */
  speed_px_s: number;
  /** Fraction of the bbox that is inside the frame and not under an occluder. */
  visible: number;
  /** Pinhole scenes: the ground contact point (m) and the segment's road speed (m/s). */
  ground?: [number, number];
  speed_mps?: number;
}

export interface StopTruth {
  start: number;
  end: number;
  duration: number;
  x: number;
  y: number;
  /** Frame indices at the first and last frame of the stop (same position in all of them). */
  frames: [number, number];
  /** Whether the stop position lies in the stop zone (null when the scene has no zones). */
  in_zone: boolean | null;
}

export interface PassTruth {
  verdict: ExpectedVerdict | null;
  /** Why there is no pass when verdict is null. */
  reason?: string;
  /** Frame time of the first frame with the centre inside the stop zone. */
  entered_at: number | null;
  /** Frame time of the first frame after that with the centre outside (null: never left). */
  exited_at: number | null;
  time_in_zone_s: number | null;
  stop_duration_s: number;
  min_speed_px_s: number | null;
  entry_speed_px_s: number | null;
  /**
   * Calibrated scenes: true road speeds (m/s): at the instant the anchor crosses into the zone
   * (the scripted drive's speed then), the minimum over the zone frames' segments, and the
   * maximum of the drive's speed at the entry, at each zone frame's time and at the instant the
   * anchor leaves the zone (as the judge's `max_speed_mps`).
   */
  entry_speed_mps?: number | null;
  min_speed_mps?: number | null;
  max_speed_mps?: number | null;
  crossed_pre_stop_line: boolean | null;
}

export interface VehicleTruth {
  id: string;
  label: string;
  sprite: { path: string; w: number; h: number; flip: boolean };
  present: [number, number];
  stops: StopTruth[];
  /** Sum of the stops in the stop zone (all stops when the scene has no zones). */
  stop_duration_s: number;
  expected: PassTruth;
  frames: FrameTruth[];
}

export interface SceneTruth {
  v: 1;
  scene: string;
  description?: string;
  width: number;
  height: number;
  fps: number;
  duration: number;
  frames: number;
  background: string;
  zones: SceneZones | null;
  calibration?: { image: [number, number][]; ground: [number, number][] };
  anchor: Anchor;
  stop: StopSettings;
  occluders: OccluderSpec[];
  vehicles: VehicleTruth[];
}

/** A truth box (frame px) as ticks carry boxes: normalized to the frame (not clamped). */
export function truthBoxNormalized(
  bbox: readonly number[],
  width: number,
  height: number,
): [number, number, number, number] {
  return [bbox[0] / width, bbox[1] / height, bbox[2] / width, bbox[3] / height];
}

function _r6(v: number): number {
  const r = Math.round(v * 1e6) / 1e6;
  return r === 0 ? 0 : r; // no -0 in JSON
}

function _pointInPolygon(px: number, py: number, poly: [number, number][]): boolean {
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i], [xj, yj] = poly[j];
    if ((yi > py) !== (yj > py) && px < ((xj - xi) * (py - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function _side(p: [number, number], l: [[number, number], [number, number]]): number {
  const [[ax, ay], [bx, by]] = l;
  return Math.sign((bx - ax) * (p[1] - ay) - (by - ay) * (p[0] - ax));
}

function _visible(
  box: [number, number, number, number],
  W: number,
  H: number,
  occ: OccluderSpec[],
): number {
  const area = box[2] * box[3];
  const inter = (a: number[], b: number[]) =>
    Math.max(0, Math.min(a[0] + a[2], b[0] + b[2]) - Math.max(a[0], b[0])) *
    Math.max(0, Math.min(a[1] + a[3], b[1] + b[3]) - Math.max(a[1], b[1]));
  const frame = [0, 0, W, H];
  let vis = inter(box, frame);
  for (const o of occ) {
    const clipped = [Math.max(0, o.x), Math.max(0, o.y), 0, 0];
    clipped[2] = Math.min(W, o.x + o.w) - clipped[0];
    clipped[3] = Math.min(H, o.y + o.h) - clipped[1];
    if (clipped[2] > 0 && clipped[3] > 0) vis -= inter(box, clipped);
  }
  return Math.max(0, vis / area);
}

/**
 * Exact ground truth of a scene. `spriteSize` overrides reading the sprite PNG (pure use).
 */
export function groundTruth(
  spec: SceneSpec,
  opts: { spriteSize?: (v: VehicleSpec) => { w: number; h: number } } = {},
): SceneTruth {
  validateSpec(spec);
  const W = spec.width, H = spec.height, fps = spec.fps, n = frameCount(spec);
  const stop: StopSettings = { ...DEFAULT_STOP, ...spec.stop };
  const zones = spec.zones ?? null;
  const zonePoly = zones?.stop_zone.map(([x, y]) => [x * W, y * H] as [number, number]);
  const preLine = zones?.pre_stop_line?.map(([x, y]) => [x * W, y * H]) as
    | [[number, number], [number, number]]
    | undefined;
  const inZone = (x: number, y: number) => zonePoly ? _pointInPolygon(x, y, zonePoly) : false;
  const anchor = spec.anchor ?? "bottom_center";

  const vehicles: VehicleTruth[] = spec.vehicles.map((v) => {
    const spritePath = v.sprite ?? DEFAULT_SPRITE;
    const { w, h } = opts.spriteSize?.(v) ?? pngSize(resolvePath(spritePath));
    const frames: FrameTruth[] = [];
    for (let i = 0; i < n; i++) {
      const t = i / fps;
      const p = pathAt(v.path, t);
      const d = pathDepthAt(v.path, t);
      if (!p || !d) continue;
      const [ox, oy] = shakeAt(spec, i);
      const sw = w * d.scale, sh = h * d.scale;
      const bbox: [number, number, number, number] = [p.x + ox - sw / 2, p.y + oy - sh / 2, sw, sh];
      frames.push({
        i,
        t: _r6(t),
        x: _r6(p.x),
        y: _r6(p.y),
        bbox: bbox.map(_r6) as [number, number, number, number],
        vx: _r6(p.vx),
        vy: _r6(p.vy),
        speed_px_s: _r6(Math.hypot(p.vx, p.vy)),
        visible: _r6(_visible(bbox, W, H, activeOccluders(spec, t))),
        ...(d.ground
          ? {
            ground: d.ground.map(_r6) as [number, number],
            speed_mps: _r6(d.speed_mps ?? 0),
          }
          : {}),
      });
    }

    // Stops: maximal runs of zero-displacement segments.
    const stops: StopTruth[] = [];
    const path = v.path;
    for (let k = 0; k < path.length - 1; k++) {
      if (path[k].x !== path[k + 1].x || path[k].y !== path[k + 1].y) continue;
      let e = k + 1;
      while (e < path.length - 1 && path[e + 1].x === path[k].x && path[e + 1].y === path[k].y) e++;
      const start = path[k].t, end = path[e].t;
      const f0 = Math.ceil(start * fps - 1e-6), f1 = Math.floor(end * fps + 1e-6);
      stops.push({
        start: _r6(start),
        end: _r6(end),
        duration: _r6(end - start),
        x: path[k].x,
        y: path[k].y,
        frames: [f0, Math.min(f1, n - 1)],
        // The stop position judged is the anchor of the box centred on the keyframe.
        in_zone: zonePoly ? inZone(...anchorPoint(_boxAt(path[k], w, h), anchor)) : null,
      });
      k = e - 1;
    }
    const counted = stops.filter((s) => s.in_zone !== false);
    const stopDuration = _r6(counted.reduce((a, s) => a + s.duration, 0));

    return {
      id: v.id,
      label: v.label ?? "truck",
      sprite: { path: spritePath, w, h, flip: v.flip ?? false },
      present: [_r6(path[0].t), _r6(path[path.length - 1].t)],
      stops,
      stop_duration_s: stopDuration,
      expected: _expectedPass(
        frames,
        stops,
        zonePoly ? inZone : null,
        preLine,
        stop,
        fps,
        anchor,
        spec.calibration ? (t) => _roadSpeedAt(path, t) : null,
      ),
      frames,
    };
  });

  return {
    v: 1,
    scene: spec.name,
    ...(spec.description ? { description: spec.description } : {}),
    width: W,
    height: H,
    fps,
    duration: _r6(n / fps),
    frames: n,
    background: spec.background ?? DEFAULT_BACKGROUND,
    zones,
    ...(spec.calibration ? { calibration: spec.calibration } : {}),
    anchor,
    stop,
    occluders: spec.occluders ?? [],
    vehicles,
  };
}

/** The judge's default exit debounce (`stop.exit_debounce_s`): a shorter run outside keeps the visit. */
const EXIT_DEBOUNCE_S = StopSchema.parse({}).exit_debounce_s;

/**
 * The pass a correct judge should report, from frame-sampled truth. The reference point is the
 * anchor of the vehicle's box (bottom centre or centre), as the judge's.
 */
function _expectedPass(
  frames: FrameTruth[],
  stops: StopTruth[],
  inZoneAt: ((x: number, y: number) => boolean) | null,
  preLine: [[number, number], [number, number]] | undefined,
  stop: StopSettings,
  fps: number,
  anchor: Anchor,
  roadSpeedAt: ((t: number) => number) | null,
): PassTruth {
  const calibrated = roadSpeedAt !== null;
  const none = (reason: string): PassTruth => ({
    verdict: null,
    reason,
    entered_at: null,
    exited_at: null,
    time_in_zone_s: null,
    stop_duration_s: 0,
    min_speed_px_s: null,
    entry_speed_px_s: null,
    crossed_pre_stop_line: null,
  });
  if (!inZoneAt) return none("scene has no zones");
  // The anchor without the camera's shake (f.x, f.y: the path's centre): the zone and the line lie
  // on the road, and the pipeline moves shaken boxes back (analyzer/pipeline/shake.ts), as the
  // stops' in_zone below already placed them. With the shaken box, held-out s39_5 (2 px shake,
  // 6.7 px/m, braking at 3.3 m/s^2) entered one frame early on a +1 px frame and its entry speed
  // was that instant's, 2.46 m/s for 2.0 at the road's crossing.
  const at = (f: FrameTruth) => anchorPoint(_boxAt(f, f.bbox[2], f.bbox[3]), anchor);
  const inZone = (f: FrameTruth) => inZoneAt(...at(f));
  const first = frames.findIndex(inZone);
  if (first < 0) return none("never in the stop zone");
  let last = first;
  while (last + 1 < frames.length && inZone(frames[last + 1])) last++;
  // One visit, as the judge debounces it: a run outside shorter than the exit debounce does not
  // end it. Seed 34's scene 10, whose anchor was then taken from the shaken box, stepped out for
  // one frame 0.07 s after entering, and the first run alone held one frame, so its min and max
  // speeds were one frame's; a path that grazes the zone's edge does the same unshaken.
  for (;;) {
    let back = last + 1;
    while (back < frames.length && !inZone(frames[back])) back++;
    if (back >= frames.length || frames[back - 1].t - frames[last + 1].t >= EXIT_DEBOUNCE_S - EPS) {
      break;
    }
    last = back;
    while (last + 1 < frames.length && inZone(frames[last + 1])) last++;
  }
  const entered = frames[first];
  const exited = last + 1 < frames.length ? frames[last + 1] : null;
  let crossed: boolean | null = null;
  if (preLine) {
    const s0 = _side(at(frames[0]), preLine);
    crossed = frames.slice(0, first + 1).some((f) => _side(at(f), preLine) !== s0);
  }
  const timeInZone = _r6((exited ? exited.t : frames[last].t + 1 / fps) - entered.t);
  // Stopped time in the zone: the analytic stop intervals whose position is in the zone.
  const stopDuration = _r6(
    stops.filter((s) => s.in_zone).reduce((a, s) => a + s.duration, 0),
  );
  const inside = frames.slice(first, last + 1);
  const minSpeedPxS = Math.min(...inside.map((f) => f.speed_px_s));
  // Entry speed: the speed of the segment that carried the vehicle into the zone.
  const entrySpeedPxS = first > 0 ? frames[first - 1].speed_px_s : entered.speed_px_s;
  // Calibrated: the judge compares road speeds (m/s) with the m/s thresholds instead.
  const speedOf = (f: FrameTruth) => calibrated ? f.speed_mps ?? 0 : f.speed_px_s;
  const stopSpeed = calibrated ? stop.stop_speed_mps ?? 0.5 : stop.stop_speed_px_s;
  const rollingSpeed = calibrated ? stop.rolling_speed_mps ?? 3.0 : stop.rolling_speed_px_s;
  const minSpeed = Math.min(...inside.map(speedOf));
  const longestStop = Math.max(
    0,
    ...stops.filter((s) => s.in_zone).map((s) => s.duration),
    _slowTime(inside.map(speedOf), stopSpeed, fps),
  );
  const _calibratedSpeeds = () => {
    const entry = first > 0
      ? roadSpeedAt!(_crossingTime(frames[first - 1], entered, at, inZoneAt))
      : entered.speed_mps ?? 0;
    // The exit as well: a vehicle pulling away is fastest where it leaves.
    const exit = exited ? [roadSpeedAt!(_crossingTime(exited, frames[last], at, inZoneAt))] : [];
    const max = Math.max(entry, ...inside.map((f) => roadSpeedAt!(f.t)), ...exit);
    return { entry_speed_mps: _r6(entry), min_speed_mps: _r6(minSpeed), max_speed_mps: _r6(max) };
  };
  let verdict: ExpectedVerdict | null;
  let reason: string | undefined;
  if (crossed === false) {
    verdict = null;
    reason = "did not cross the pre-stop line (wrong direction)";
  } else if (timeInZone > stop.parked_after_s) {
    verdict = "parked";
    reason = `in the stop zone longer than parked_after_s (${stop.parked_after_s} s): no pass`;
  } else if (longestStop >= stop.full_stop_min_s - EPS) verdict = "full_stop";
  else if (minSpeed <= rollingSpeed) verdict = "rolling_stop";
  else verdict = "no_stop";
  return {
    verdict,
    ...(reason ? { reason } : {}),
    entered_at: entered.t,
    exited_at: exited ? exited.t : null,
    time_in_zone_s: timeInZone,
    stop_duration_s: stopDuration,
    min_speed_px_s: _r6(minSpeedPxS),
    entry_speed_px_s: _r6(entrySpeedPxS),
    ...(calibrated ? _calibratedSpeeds() : {}),
    crossed_pre_stop_line: crossed,
  };
}

/**
 * When the anchor crosses the zone's edge between frame `a` (outside) and frame `b` (inside; the
 * frame before `a` for an exit): the anchor moved linearly in the image between them, bisected
 * to 1 µs of capture time.
 */
function _crossingTime(
  a: FrameTruth,
  b: FrameTruth,
  at: (f: FrameTruth) => [number, number],
  inZoneAt: (x: number, y: number) => boolean,
): number {
  const [pa, pb] = [at(a), at(b)];
  let lo = 0, hi = 1;
  while ((hi - lo) * Math.abs(b.t - a.t) > 1e-6) {
    const m = (lo + hi) / 2;
    if (inZoneAt(pa[0] + m * (pb[0] - pa[0]), pa[1] + m * (pb[1] - pa[1]))) hi = m;
    else lo = m;
  }
  return a.t + hi * (b.t - a.t);
}

/**
 * The scripted road speed (m/s) at time t of a pinhole path: each keyframe segment's speed
 * (constant within it) placed at the segment's midpoint, linear between midpoints. Exact for
 * the constant-acceleration ramps and cruises pinhole drives are made of (a segment's mean speed
 * is the speed at its midpoint), so a vehicle entering the zone exactly on a keyframe during a
 * brake gets the speed of that instant, not the mean over the frame before it (which reads
 * a dt/2 high: 0.2 m/s at 4.4 m/s^2 and 10 fps).
 */
function _roadSpeedAt(path: readonly Keyframe[], t: number): number {
  const seg = (k: number) => {
    const a = path[k], b = path[k + 1];
    if (!a.ground || !b.ground || !(b.t > a.t)) return 0;
    return Math.hypot(b.ground[0] - a.ground[0], b.ground[1] - a.ground[1]) / (b.t - a.t);
  };
  if (path.length < 2) return 0;
  let k = 0;
  while (k < path.length - 2 && t >= path[k + 1].t - EPS) k++;
  const mid = (j: number) => (path[j].t + path[j + 1].t) / 2;
  const j = t < mid(k) ? k - 1 : k + 1;
  if (j < 0 || j > path.length - 2) return seg(k);
  const u = (t - mid(k)) / (mid(j) - mid(k));
  return seg(k) + u * (seg(j) - seg(k));
}

/** The sprite box (scaled) centred on a keyframe. */
function _boxAt(
  k: { x: number; y: number; scale?: number },
  w: number,
  h: number,
): [number, number, number, number] {
  const s = k.scale ?? 1;
  return [k.x - (w * s) / 2, k.y - (h * s) / 2, w * s, h * s];
}

/** Longest run of consecutive frames at or below `speed` (px/s or m/s as given), in seconds. */
function _slowTime(speeds: number[], speed: number, fps: number): number {
  let best = 0, run = 0;
  for (const v of speeds) {
    run = v <= speed ? run + 1 : 0;
    best = Math.max(best, run);
  }
  return Math.max(0, best - 1) / fps;
}

/** `x.mp4` -> `x.truth.json`. */
export function truthPathFor(videoPath: string): string {
  return videoPath.replace(/\.[^./]+$/, "") + ".truth.json";
}

/** Truth JSON, indented, with every short object or array (a frame, a box) on one line. */
export function formatTruth(truth: SceneTruth): string {
  return _pretty(truth, "") + "\n";
}

function _pretty(v: unknown, indent: string): string {
  const flat = JSON.stringify(v);
  if (v === null || typeof v !== "object" || flat.length <= 120) return flat;
  const inner = indent + "  ";
  if (Array.isArray(v)) {
    return `[\n${v.map((x) => inner + _pretty(x, inner)).join(",\n")}\n${indent}]`;
  }
  const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
  return `{\n${
    entries.map(([k, x]) => `${inner}${JSON.stringify(k)}: ${_pretty(x, inner)}`).join(",\n")
  }\n${indent}}`;
}
