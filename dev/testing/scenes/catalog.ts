/**
 * Named synthetic scene specs (render with scripts/scene.ts or encode.ts). All use the 768x576
 * vtest plate at 10 fps with the 3x van sprite on a horizontal "road" at y = 230 (the van's
 * centre; its wheels, the judged bottom-centre anchor, touch y = 317), and the same eastbound
 * zones: stop zone x 0.40-0.60 (307-461 px), y 0.30-0.70 (173-403 px, around the wheels),
 * pre-stop line x 0.22 (169 px), capture line x 0.70.
 * Speeds are in source px/s; verdict thresholds are the defaults of ARCHITECTURE §4b
 * (stop 10 px/s, full stop >= 0.5 s, rolling < 40 px/s, parked after 60 s).
 *
 * Only `full_stop` is committed as video (samples/scenes/); render the rest on demand, e.g.
 *   deno run -A scripts/scene.ts rolling_stop /tmp/rolling_stop.mp4
 */
import type { Keyframe, SceneSpec, SceneZones } from "./spec.ts";

/** One leg of a drive: constant speed, a linear speed ramp, or standing still. */
export type Leg =
  | { cruise: number; dur: number }
  | { ramp: [number, number]; dur: number }
  | { hold: number };

function _r6(v: number): number {
  const r = Math.round(v * 1e6) / 1e6;
  return r === 0 ? 0 : r;
}

/**
 * Keyframes for a drive along direction `dir` (unit vector, default +x) from `start`.
 * Speeds are >= 0 along `dir`. Ramps (constant acceleration) are sampled every `step` seconds,
 * so positions at those instants are exact and the speed between them is the mean speed.
 */
export function drive(
  start: Keyframe,
  legs: Leg[],
  opts: { dir?: [number, number]; step?: number } = {},
): Keyframe[] {
  const [dx, dy] = opts.dir ?? [1, 0];
  const step = opts.step ?? 0.1;
  const out: Keyframe[] = [{ ...start }];
  let t = start.t, s = 0;
  const push = (tt: number, ss: number) =>
    out.push({ t: _r6(tt), x: _r6(start.x + dx * ss), y: _r6(start.y + dy * ss) });
  for (const leg of legs) {
    if ("hold" in leg) {
      t += leg.hold;
      push(t, s);
    } else if ("cruise" in leg) {
      s += leg.cruise * leg.dur;
      t += leg.dur;
      push(t, s);
    } else {
      const [v0, v1] = leg.ramp;
      const n = Math.max(1, Math.round(leg.dur / step));
      const a = (v1 - v0) / leg.dur;
      for (let k = 1; k <= n; k++) {
        const u = (leg.dur * k) / n;
        push(t + u, s + v0 * u + 0.5 * a * u * u);
      }
      s += v0 * leg.dur + 0.5 * a * leg.dur * leg.dur;
      t += leg.dur;
    }
  }
  return out;
}

/** Mirror a path left-right in a frame of the given width. */
export function mirrorX(path: Keyframe[], width: number): Keyframe[] {
  return path.map((k) => ({ t: k.t, x: _r6(width - k.x), y: k.y }));
}

export const ROAD_Y = 230;
export const STOP_X = 384;
const W = 768, H = 576;

/** Eastbound zones shared by all scenes, drawn on the road where the wheels are. */
export const ZONES: SceneZones = {
  stop_zone: [[0.40, 0.30], [0.60, 0.30], [0.60, 0.70], [0.40, 0.70]],
  pre_stop_line: [[0.22, 0.30], [0.22, 0.70]],
  capture_line: [[0.70, 0.30], [0.70, 0.70]],
};

const _base = { width: W, height: H, fps: 10, zones: ZONES, anchor: "bottom_center" as const };

/** Approach at 150 px/s, brake to 0 over 2 s, stand 3.0 s at the centre, pull away to 180 px/s. */
const _fullStopPath = drive({ t: 0, x: -126, y: ROAD_Y }, [
  { cruise: 150, dur: 2.4 }, // x 234 at t 2.4
  { ramp: [150, 0], dur: 2 }, // x 384 at t 4.4
  { hold: 3 }, // stopped 4.4 .. 7.4
  { ramp: [0, 180], dur: 2 }, // x 564 at t 9.4
  { cruise: 180, dur: 2.6 }, // x 1032 at t 12 (off-screen from ~11.2 s)
]);

export const fullStop: SceneSpec = {
  ..._base,
  name: "full_stop",
  description: "van from the left brakes, stops 3.0 s at the frame centre, leaves to the right",
  duration: 12,
  vehicles: [{ id: "van1", path: _fullStopPath, expect: "full_stop" }],
};

export const rollingStop: SceneSpec = {
  ..._base,
  name: "rolling_stop",
  description: "van slows to 25 px/s through the stop zone, never stops",
  duration: 11,
  vehicles: [{
    id: "van1",
    path: drive({ t: 0, x: -116, y: ROAD_Y }, [
      { cruise: 150, dur: 2 }, // x 184 at t 2
      { ramp: [150, 25], dur: 2 }, // x 359 at t 4
      { cruise: 25, dur: 2 }, // x 409 at t 6
      { ramp: [25, 180], dur: 2 }, // x 614 at t 8
      { cruise: 180, dur: 3 }, // x 1154 at t 11
    ]),
    expect: "rolling_stop",
  }],
};

export const noStop: SceneSpec = {
  ..._base,
  name: "no_stop",
  description: "van crosses at a constant 150 px/s",
  duration: 8,
  vehicles: [{
    id: "van1",
    path: drive({ t: 0, x: -126, y: ROAD_Y }, [{ cruise: 150, dur: 8 }]),
    expect: "no_stop",
  }],
};

export const backToBack: SceneSpec = {
  ..._base,
  name: "back_to_back",
  description:
    "van1 stops 3.0 s at the line; van2 queues behind it (outside the zone), then moves up and stops 2.0 s",
  duration: 17,
  vehicles: [
    { id: "van1", path: _fullStopPath.filter((k) => k.t <= 12), expect: "full_stop" },
    {
      id: "van2",
      path: drive({ t: 3, x: -126, y: ROAD_Y }, [
        { cruise: 150, dur: 0.8 }, // x -6 at t 3.8
        { ramp: [150, 0], dur: 2 }, // x 144 at t 5.8: queued, 12 px behind van1
        { hold: 2.6 }, // queued 5.8 .. 8.4 (van1 leaves at 7.4)
        { ramp: [0, 240], dur: 1 }, // x 264 at t 9.4
        { ramp: [240, 0], dur: 1 }, // x 384 at t 10.4
        { hold: 2 }, // stopped at the line 10.4 .. 12.4
        { ramp: [0, 180], dur: 2 }, // x 564 at t 14.4
        { cruise: 180, dur: 2.6 }, // x 1032 at t 17
      ]),
      expect: "full_stop",
    },
  ],
};

export const parked: SceneSpec = {
  ..._base,
  name: "parked",
  description: "van drives in and stays in the stop zone for 70.6 s (parked: no pass)",
  duration: 75,
  vehicles: [{
    id: "van1",
    path: drive({ t: 0, x: -126, y: ROAD_Y }, [
      { cruise: 150, dur: 2.4 },
      { ramp: [150, 0], dur: 2 },
      { hold: 70.6 }, // 4.4 .. 75
    ]),
    expect: "parked",
  }],
};

export const otherDirection: SceneSpec = {
  ..._base,
  name: "other_direction",
  description:
    "full_stop mirrored: the van comes from the right (sprite flipped), so the eastbound pre-stop line filters it out",
  duration: 12,
  vehicles: [{ id: "van1", flip: true, path: mirrorX(_fullStopPath, W), expect: null }],
};

export const briefOcclusion: SceneSpec = {
  ..._base,
  name: "brief_occlusion",
  description: "full_stop with a grey box hiding the approaching van for 0.4 s (t 2.0-2.4)",
  duration: 12,
  vehicles: [{ id: "van1", path: _fullStopPath, expect: "full_stop" }],
  occluders: [{ x: 40, y: 120, w: 330, h: 220, from: 2.0, to: 2.4, color: [128, 128, 128] }],
};

export const lateDetection: SceneSpec = {
  ..._base,
  name: "late_detection",
  description:
    "full_stop with the approach behind a wall (x < 200 until 3.5 s): the van is first seen past the pre-stop line, so its direction is inferred",
  duration: 12,
  vehicles: [{ id: "van1", path: _fullStopPath, expect: "full_stop" }],
  occluders: [{ x: 0, y: 100, w: 200, h: 260, from: 0, to: 3.5, color: [128, 128, 128] }],
};

/** Every named scene. */
export const SCENES: Record<string, SceneSpec> = {
  fullStop,
  rollingStop,
  noStop,
  backToBack,
  parked,
  otherDirection,
  briefOcclusion,
  lateDetection,
};

/** Scenes whose video is committed under samples/scenes/. */
export const COMMITTED_SCENES: string[] = ["full_stop"];

/** The library's own 4 s test scene (not in SCENES): diagonal motion at fractional positions, a 1 s stop, a corner occluder. */
export const shortTest: SceneSpec = {
  name: "short_test",
  width: 768,
  height: 576,
  fps: 10,
  duration: 4,
  vehicles: [{
    id: "v",
    path: drive({ t: 0, x: 200, y: 250 }, [
      { cruise: 62.5, dur: 1.2 },
      { hold: 1 },
      { ramp: [0, 90], dur: 1 },
      { cruise: 90, dur: 0.8 },
    ], { dir: [0.8, 0.6] }),
  }],
  occluders: [{ x: 700, y: 500, w: 60, h: 60, from: 3, to: 3.4, color: [128, 128, 128] }],
};
