/**
 * Synthetic scenes with exact ground truth (ARCHITECTURE §3, §5 "Sample footage").
 *
 * A scene spec (a JSON-able object) places vehicle sprites on a background plate and moves each
 * one along a piecewise-linear path of keyframes `{t, x, y}` (the vehicle's centre, in source
 * pixels; linear motion between keyframes, a repeated position = standing still).
 * `renderScene` composites every frame in TypeScript (sub-pixel, alpha-blended) and pipes raw
 * RGB to ffmpeg, which encodes H.264 with the settings of `samples/vtest.mp4` (libx264 main,
 * crf 29, preset slow, GOP = fps, no B-frames, yuv420p, faststart). Frame-by-frame compositing
 * was chosen over ffmpeg's `overlay` filter: overlay truncates x/y to integers and, for yuv420,
 * to even pixels, which would make the truth 1-2 px off; here the drawn position is exact, and
 * only the encoder runs in ffmpeg, so the static npm ffmpeg 4.1 and Debian ffmpeg 5.1 both work.
 *
 * `groundTruth` is pure arithmetic on the spec: per vehicle and per frame the exact centre,
 * bbox, velocity and speed (px/s), the stop intervals (speed 0), and, when the spec has zones,
 * the expected pass verdict under the stop settings of ARCHITECTURE §4b.
 *
 * CLI:
 *   deno run -A scripts/scene.ts --list
 *   deno run -A scripts/scene.ts <scene name | spec.json> <out.mp4> [--preset slow] [--ffmpeg PATH]
 *   deno run -A scripts/scene.ts <scene name | spec.json> --truth            (truth JSON to stdout)
 * The truth is written beside the video: `x.mp4` -> `x.truth.json`.
 */
import { ffmpegPath } from "../shared/ffmpeg_path.ts";

/** Repository root (scripts/..), used to resolve relative paths in specs. */
export const REPO_ROOT: string = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
export const DEFAULT_SPRITE = "samples/sprites/van.png";
export const DEFAULT_BACKGROUND = "samples/sprites/background.png";

/** One point of a path: the vehicle's centre (x, y) in source pixels at time t (seconds). */
export interface Keyframe {
  t: number;
  x: number;
  y: number;
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
  expect?: Verdict | null;
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
  /** Thresholds used for the expected verdicts (defaults: ARCHITECTURE §4b). */
  stop?: Partial<StopSettings>;
}

export type Verdict = "full_stop" | "rolling_stop" | "no_stop" | "parked";

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
  verdict: Verdict | null;
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
  stop: StopSettings;
  occluders: OccluderSpec[];
  vehicles: VehicleTruth[];
}

export const DEFAULT_STOP: StopSettings = {
  stop_speed_px_s: 10,
  full_stop_min_s: 0.5,
  rolling_speed_px_s: 40,
  parked_after_s: 60,
};

const _EPS = 1e-9;

function _r6(v: number): number {
  const r = Math.round(v * 1e6) / 1e6;
  return r === 0 ? 0 : r; // no -0 in JSON
}

/** Resolve a spec path: absolute stays, relative is taken from the repo root. */
export function resolvePath(p: string): string {
  return p.startsWith("/") ? p : `${REPO_ROOT}/${p}`;
}

/** Width and height from a PNG's IHDR chunk. */
export function pngSize(path: string): { w: number; h: number } {
  const f = Deno.openSync(path, { read: true });
  try {
    const head = new Uint8Array(24);
    let n = 0;
    while (n < 24) {
      const r = f.readSync(head.subarray(n));
      if (r === null) break;
      n += r;
    }
    const sig = [137, 80, 78, 71, 13, 10, 26, 10];
    if (n < 24 || sig.some((b, i) => head[i] !== b)) throw new Error(`${path}: not a PNG file`);
    const dv = new DataView(head.buffer);
    return { w: dv.getUint32(16), h: dv.getUint32(20) };
  } finally {
    f.close();
  }
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
      if (k > 0 && !(p.t > v.path[k - 1].t + _EPS)) {
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
  if (t < path[0].t - _EPS || t > path[n - 1].t + _EPS) return null;
  // Segment k = [t_k, t_k+1): the one that starts at or contains t; the last one at t = t_last.
  let k = 0;
  while (k < n - 2 && t >= path[k + 1].t - _EPS) k++;
  const a = path[k], b = path[k + 1];
  const dt = b.t - a.t;
  const vx = (b.x - a.x) / dt, vy = (b.y - a.y) / dt;
  let x: number, y: number;
  if (Math.abs(t - a.t) <= _EPS) [x, y] = [a.x, a.y];
  else if (Math.abs(t - b.t) <= _EPS) [x, y] = [b.x, b.y];
  else [x, y] = [a.x + vx * (t - a.t), a.y + vy * (t - a.t)];
  return { x, y, vx, vy };
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

function _activeOccluders(spec: SceneSpec, t: number): OccluderSpec[] {
  return (spec.occluders ?? []).filter((o) => t >= o.from - _EPS && t < o.to - _EPS);
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

  const vehicles: VehicleTruth[] = spec.vehicles.map((v) => {
    const spritePath = v.sprite ?? DEFAULT_SPRITE;
    const { w, h } = opts.spriteSize?.(v) ?? pngSize(resolvePath(spritePath));
    const frames: FrameTruth[] = [];
    for (let i = 0; i < n; i++) {
      const t = i / fps;
      const p = pathAt(v.path, t);
      if (!p) continue;
      const bbox: [number, number, number, number] = [p.x - w / 2, p.y - h / 2, w, h];
      frames.push({
        i,
        t: _r6(t),
        x: _r6(p.x),
        y: _r6(p.y),
        bbox: bbox.map(_r6) as [number, number, number, number],
        vx: _r6(p.vx),
        vy: _r6(p.vy),
        speed_px_s: _r6(Math.hypot(p.vx, p.vy)),
        visible: _r6(_visible(bbox, W, H, _activeOccluders(spec, t))),
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
        in_zone: zonePoly ? inZone(path[k].x, path[k].y) : null,
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
      expected: _expectedPass(frames, stops, zonePoly ? inZone : null, preLine, stop, fps),
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
    stop,
    occluders: spec.occluders ?? [],
    vehicles,
  };
}

/** The pass a correct judge should report, from frame-sampled truth (reference point: centre). */
function _expectedPass(
  frames: FrameTruth[],
  stops: StopTruth[],
  inZone: ((x: number, y: number) => boolean) | null,
  preLine: [[number, number], [number, number]] | undefined,
  stop: StopSettings,
  fps: number,
): PassTruth {
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
  if (!inZone) return none("scene has no zones");
  const first = frames.findIndex((f) => inZone(f.x, f.y));
  if (first < 0) return none("never in the stop zone");
  let last = first;
  while (last + 1 < frames.length && inZone(frames[last + 1].x, frames[last + 1].y)) last++;
  const entered = frames[first];
  const exited = last + 1 < frames.length ? frames[last + 1] : null;
  let crossed: boolean | null = null;
  if (preLine) {
    const s0 = _side([frames[0].x, frames[0].y], preLine);
    crossed = frames.slice(0, first + 1).some((f) => _side([f.x, f.y], preLine) !== s0);
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
  const longestStop = Math.max(
    0,
    ...stops.filter((s) => s.in_zone).map((s) => s.duration),
    _slowTime(inside, stop.stop_speed_px_s, fps),
  );
  let verdict: Verdict | null;
  let reason: string | undefined;
  if (crossed === false) {
    verdict = null;
    reason = "did not cross the pre-stop line (wrong direction)";
  } else if (timeInZone > stop.parked_after_s) {
    verdict = "parked";
    reason = `in the stop zone longer than parked_after_s (${stop.parked_after_s} s): no pass`;
  } else if (longestStop >= stop.full_stop_min_s - _EPS) verdict = "full_stop";
  else if (minSpeedPxS <= stop.rolling_speed_px_s) verdict = "rolling_stop";
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
    crossed_pre_stop_line: crossed,
  };
}

/** Longest run of consecutive frames at or below `speedPxS`, in seconds. */
function _slowTime(frames: FrameTruth[], speedPxS: number, fps: number): number {
  let best = 0, run = 0;
  for (const f of frames) {
    run = f.speed_px_s <= speedPxS ? run + 1 : 0;
    best = Math.max(best, run);
  }
  return Math.max(0, best - 1) / fps;
}

// ---------------------------------------------------------------------------------------------
// Images (PNG in and out through ffmpeg, so no image library is needed)

export interface RawImage {
  width: number;
  height: number;
  /** 3 (rgb24) or 4 (rgba, straight alpha). */
  channels: 3 | 4;
  data: Uint8Array;
}

/** Run a tool, feeding `input` on stdin; its stdout, or an error with its stderr tail. */
export async function runTool(
  bin: string,
  args: string[],
  input?: Uint8Array,
): Promise<Uint8Array> {
  const child = new Deno.Command(bin, {
    args,
    stdin: input ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const out = new Response(child.stdout).arrayBuffer();
  const err = new Response(child.stderr).text();
  if (input) {
    const w = child.stdin.getWriter();
    await w.write(input);
    await w.close();
  }
  const [status, o, e] = await Promise.all([child.status, out, err]);
  if (!status.success) {
    throw new Error(`${bin} ${args.join(" ")} failed (${status.code}): ${e.trim().slice(-800)}`);
  }
  return new Uint8Array(o);
}

/** Decode an image or video frame with ffmpeg, optionally scaled to width x height. */
export async function readImage(
  path: string,
  channels: 3 | 4,
  opts: { ffmpeg?: string; width?: number; height?: number } = {},
): Promise<RawImage> {
  const ff = opts.ffmpeg ?? await ffmpegPath();
  let { w, h } = pngSize(path);
  const vf: string[] = [];
  if (opts.width && opts.height && (opts.width !== w || opts.height !== h)) {
    vf.push(`scale=${opts.width}:${opts.height}:flags=bicubic`);
    [w, h] = [opts.width, opts.height];
  }
  const data = await runTool(ff, [
    "-v",
    "error",
    "-i",
    path,
    ...(vf.length ? ["-vf", vf.join(",")] : []),
    "-frames:v",
    "1",
    "-f",
    "rawvideo",
    "-pix_fmt",
    channels === 4 ? "rgba" : "rgb24",
    "-",
  ]);
  if (data.length !== w * h * channels) throw new Error(`${path}: decoded ${data.length} bytes`);
  return { width: w, height: h, channels, data };
}

/** Encode a raw image to PNG with ffmpeg. */
export async function writePng(
  path: string,
  img: RawImage,
  opts: { ffmpeg?: string } = {},
): Promise<void> {
  const ff = opts.ffmpeg ?? await ffmpegPath();
  await runTool(ff, [
    "-v",
    "error",
    "-y",
    "-f",
    "rawvideo",
    "-pix_fmt",
    img.channels === 4 ? "rgba" : "rgb24",
    "-s",
    `${img.width}x${img.height}`,
    "-i",
    "-",
    "-frames:v",
    "1",
    "-f",
    "image2",
    "-c:v",
    "png",
    "-pix_fmt",
    img.channels === 4 ? "rgba" : "rgb24",
    path,
  ], img.data);
}

/** Sprite prepared for sub-pixel blitting: premultiplied float RGBA with a 1 px clear border. */
export interface PreparedSprite {
  w: number;
  h: number;
  pw: number;
  pm: Float32Array;
}

function _prepareSprite(img: RawImage, flip: boolean): PreparedSprite {
  if (img.channels !== 4) throw new Error("sprite must be RGBA");
  const w = img.width, h = img.height, pw = w + 2;
  const pm = new Float32Array(pw * (h + 2) * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const s = (y * w + (flip ? w - 1 - x : x)) * 4;
      const d = ((y + 1) * pw + x + 1) * 4;
      const a = img.data[s + 3] / 255;
      pm[d] = img.data[s] * a;
      pm[d + 1] = img.data[s + 1] * a;
      pm[d + 2] = img.data[s + 2] * a;
      pm[d + 3] = a;
    }
  }
  return { w, h, pw, pm };
}

/**
 * Draw a sprite with its top-left corner at the real-valued (left, top), bilinear-resampled so
 * the drawn position is exact to sub-pixel; at integer positions the sprite is copied unchanged.
 */
function _blit(
  frame: Uint8Array,
  W: number,
  H: number,
  sp: PreparedSprite,
  left: number,
  top: number,
) {
  const x0 = Math.max(0, Math.floor(left)), x1 = Math.min(W, Math.ceil(left + sp.w));
  const y0 = Math.max(0, Math.floor(top)), y1 = Math.min(H, Math.ceil(top + sp.h));
  const pm = sp.pm, pw = sp.pw;
  for (let Y = y0; Y < y1; Y++) {
    const sy = Y - top, iy = Math.floor(sy), fy = sy - iy;
    const r0 = (iy + 1) * pw, r1 = (iy + 2) * pw;
    for (let X = x0; X < x1; X++) {
      const sx = X - left, ix = Math.floor(sx), fx = sx - ix;
      const a00 = (1 - fx) * (1 - fy), a01 = fx * (1 - fy), a10 = (1 - fx) * fy, a11 = fx * fy;
      const p00 = (r0 + ix + 1) * 4, p01 = p00 + 4, p10 = (r1 + ix + 1) * 4, p11 = p10 + 4;
      const a = a00 * pm[p00 + 3] + a01 * pm[p01 + 3] + a10 * pm[p10 + 3] + a11 * pm[p11 + 3];
      if (a <= 0) continue;
      const o = (Y * W + X) * 3, k = 1 - a;
      for (let c = 0; c < 3; c++) {
        const v = a00 * pm[p00 + c] + a01 * pm[p01 + c] + a10 * pm[p10 + c] + a11 * pm[p11 + c] +
          k * frame[o + c];
        frame[o + c] = v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
      }
    }
  }
}

function _fill(frame: Uint8Array, W: number, H: number, o: OccluderSpec) {
  const [r, g, b] = o.color ?? [128, 128, 128];
  const x0 = Math.max(0, Math.round(o.x)), x1 = Math.min(W, Math.round(o.x + o.w));
  const y0 = Math.max(0, Math.round(o.y)), y1 = Math.min(H, Math.round(o.y + o.h));
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const p = (y * W + x) * 3;
      frame[p] = r;
      frame[p + 1] = g;
      frame[p + 2] = b;
    }
  }
}

export interface RenderOptions {
  /** ffmpeg binary (default: shared/ffmpeg_path.ts resolution). */
  ffmpeg?: string;
  /** x264 preset (default "slow", as vtest.mp4; tests may use "veryfast"). */
  preset?: string;
  /** x264 crf (default 29). */
  crf?: number;
  /** Where to write the truth JSON; default beside the video (`x.mp4` -> `x.truth.json`); false: don't. */
  truthPath?: string | false;
}

export interface RenderResult {
  video: string;
  truthPath: string | null;
  truth: SceneTruth;
  frames: number;
}

/** `x.mp4` -> `x.truth.json`. */
export function truthPathFor(videoPath: string): string {
  return videoPath.replace(/\.[^./]+$/, "") + ".truth.json";
}

/** Composite one frame (RGB24, width*height*3) of a scene at frame index i. */
export function composeFrame(
  spec: SceneSpec,
  assets: SceneAssets,
  i: number,
  frame: Uint8Array = new Uint8Array(spec.width * spec.height * 3),
): Uint8Array {
  const W = spec.width, H = spec.height, t = i / spec.fps;
  frame.set(assets.background.data);
  spec.vehicles.forEach((v, k) => {
    const p = pathAt(v.path, t);
    if (!p) return;
    const sp = assets.sprites[k];
    _blit(frame, W, H, sp, p.x - sp.w / 2, p.y - sp.h / 2);
  });
  for (const o of _activeOccluders(spec, t)) _fill(frame, W, H, o);
  return frame;
}

/** Decoded background and sprites of a scene. */
export interface SceneAssets {
  background: RawImage;
  sprites: PreparedSprite[];
}

/** Load the background (scaled to the scene size) and the sprites of a spec. */
export async function loadAssets(spec: SceneSpec, ffmpeg?: string): Promise<SceneAssets> {
  const background = await readImage(resolvePath(spec.background ?? DEFAULT_BACKGROUND), 3, {
    ffmpeg,
    width: spec.width,
    height: spec.height,
  });
  const cache = new Map<string, RawImage>();
  const sprites: PreparedSprite[] = [];
  for (const v of spec.vehicles) {
    const p = resolvePath(v.sprite ?? DEFAULT_SPRITE);
    if (!cache.has(p)) cache.set(p, await readImage(p, 4, { ffmpeg }));
    sprites.push(_prepareSprite(cache.get(p)!, v.flip ?? false));
  }
  return { background, sprites };
}

/** The x264 arguments shared with samples/vtest.mp4 (GOP = fps, no B-frames, yuv420p). */
export function encodeArgs(fps: number, opts: { preset?: string; crf?: number } = {}): string[] {
  const gop = String(Math.max(1, Math.round(fps)));
  return [
    "-an",
    "-c:v",
    "libx264",
    "-profile:v",
    "main",
    "-preset",
    opts.preset ?? "slow",
    "-crf",
    String(opts.crf ?? 29),
    "-g",
    gop,
    "-keyint_min",
    gop,
    "-bf",
    "0",
    "-sc_threshold",
    "0",
    "-pix_fmt",
    "yuv420p",
    "-movflags",
    "+faststart",
  ];
}

/** Render a scene to an H.264 mp4 and write its ground truth beside it. */
export async function renderScene(
  spec: SceneSpec,
  outPath: string,
  opts: RenderOptions = {},
): Promise<RenderResult> {
  const truth = groundTruth(spec);
  const ff = opts.ffmpeg ?? await ffmpegPath();
  const assets = await loadAssets(spec, ff);
  const W = spec.width, H = spec.height, n = truth.frames;
  const child = new Deno.Command(ff, {
    args: [
      "-v",
      "error",
      "-y",
      "-f",
      "rawvideo",
      "-pix_fmt",
      "rgb24",
      "-s",
      `${W}x${H}`,
      "-framerate",
      String(spec.fps),
      "-i",
      "-",
      ...encodeArgs(spec.fps, opts),
      "-f",
      "mp4",
      outPath,
    ],
    stdin: "piped",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const err = new Response(child.stderr).text();
  const w = child.stdin.getWriter();
  let writeErr: unknown;
  try {
    const frame = new Uint8Array(W * H * 3);
    for (let i = 0; i < n; i++) await w.write(composeFrame(spec, assets, i, frame));
    await w.close();
  } catch (e) {
    writeErr = e;
  }
  const [status, text] = await Promise.all([child.status, err]);
  if (!status.success || writeErr) {
    throw new Error(
      `ffmpeg (${ff}) failed rendering ${spec.name} (${status.code}): ${
        text.trim().slice(-800) || String(writeErr)
      }`,
    );
  }
  const truthPath = opts.truthPath === false ? null : (opts.truthPath ?? truthPathFor(outPath));
  if (truthPath) await Deno.writeTextFile(truthPath, formatTruth(truth));
  return { video: outPath, truthPath, truth, frames: n };
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

// ---------------------------------------------------------------------------------------------
// CLI

async function _main(args: string[]) {
  const { SCENES } = await import("./scenes.ts");
  const flag = (name: string) => {
    const i = args.indexOf(name);
    if (i < 0) return undefined;
    const v = args[i + 1];
    args.splice(i, 2);
    return v;
  };
  if (args.includes("--list")) {
    for (const s of Object.values(SCENES)) {
      console.log(`${s.name.padEnd(18)} ${s.duration}s  ${s.description ?? ""}`);
    }
    return;
  }
  const truthOnly = args.includes("--truth");
  args = args.filter((a) => a !== "--truth");
  const preset = flag("--preset");
  const ffmpeg = flag("--ffmpeg");
  const [which, out] = args;
  if (!which || (!out && !truthOnly)) {
    console.error(
      "usage: scene.ts --list | <scene|spec.json> <out.mp4> [--preset P] [--ffmpeg BIN] | <scene|spec.json> --truth",
    );
    Deno.exit(2);
  }
  const spec: SceneSpec | undefined = which.endsWith(".json")
    ? JSON.parse(await Deno.readTextFile(which))
    : Object.values(SCENES).find((s) => s.name === which);
  if (!spec) {
    console.error(`unknown scene ${which}; try --list`);
    Deno.exit(2);
  }
  if (truthOnly) {
    console.log(formatTruth(groundTruth(spec)));
    return;
  }
  const t0 = performance.now();
  const r = await renderScene(spec, out, { preset, ffmpeg });
  console.log(
    `${r.video}: ${r.frames} frames, ${
      ((performance.now() - t0) / 1000).toFixed(1)
    } s; truth ${r.truthPath}`,
  );
}

if (import.meta.main) {
  try {
    await _main([...Deno.args]);
  } catch (e) {
    console.error((e as Error).message);
    Deno.exit(1);
  }
}
