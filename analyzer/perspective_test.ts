/**
 * Ground truth through a pinhole camera (issue #12): each scene of
 * dev/testing/scenes/perspective_catalog.ts (a van driving on a road seen from 5 m up, paths in
 * m/s, the true `calibration` in the camera config) is rendered and analyzed by the offline
 * pipeline with the real detector. Each judged vehicle gives exactly one pass with the right
 * verdict and a stop within ±0.25 s of truth (±0.5 s at 2.5 processed fps), a vehicle driving
 * away gives none, and every vehicle keeps one track id while fully visible; at the scene's rate,
 * at half and at a quarter of it, down to 2.5 processed fps (but SLOWEST_RATE_MISSES).
 *
 * Calibrated speeds: each pass's `entry_speed_mps`, `max_speed_mps` and (when the vehicle does
 * not stop) `min_speed_mps` are within 10 % of the true m/s (issue #12), at every rate. The judge
 * fits them on road positions (analyzer/judge/road_speed.ts); the truth is the scripted drive's
 * speed at the instant the anchor enters the zone, the least segment speed in it, and the
 * greatest of the entry and the drive's speed at each zone frame (oracle.ts). The results table
 * prints truth and judged m/s for every pass (docs/PERFORMANCE.md "Perspective ground truth");
 * `PERSPECTIVE_SPEED_TOL` changes the tolerance.
 */
import assert from "node:assert/strict";
import { CAMERAS, cameraScenes } from "../dev/testing/scenes/camera_catalog.ts";
import {
  LANE_TOWARD_X_M,
  PERSPECTIVE_SCENES,
  perspectiveScene,
  perspectiveVehicle,
  renderScene,
  type SceneSpec,
  type SceneTruth,
  truthBoxNormalized,
} from "../dev/testing/scenes/mod.ts";
import { iou } from "../shared/geometry.ts";
import type { Tick } from "../shared/tick.ts";
import { ensureNanodetOnnx } from "./model/nanodet_model.ts";
import { resolveFilePath } from "./sources.ts";
import { analyzeScene } from "./testing_scenes.ts";

const tmp = await Deno.makeTempDir({ prefix: "stopline-persp-" });
const modelPath = await ensureNanodetOnnx(resolveFilePath(".data/models"));
const rows: string[] = [];
/** Relative tolerance of the m/s checks (issue #12: 10 %). */
const SPEED_TOL = Number(Deno.env.get("PERSPECTIVE_SPEED_TOL") ?? "0.1");

/** Distinct track ids whose box matches the vehicle's true box (IoU ≥ 0.3) while fully visible. */
function _idsFor(truth: SceneTruth, v: number, ticks: Tick[]): Set<number> {
  const ids = new Set<number>();
  for (const t of ticks) {
    const f = truth.vehicles[v].frames.find((fr) => Math.abs(fr.t * 1000 - t.ts) < 1);
    if (!f || f.visible < 0.9) continue;
    const tb = truthBoxNormalized(f.bbox, truth.width, truth.height);
    for (const tr of t.tracks) if (iou(tr.bbox, tb) >= 0.3) ids.add(tr.id);
  }
  return ids;
}

/** persp_skip_zone's van: 55 km/h, from 34.8 m (QUARTER_RATE_ONLY says why). */
const SKIP_ZONE_MPS = 55 / 3.6;
const SKIP_ZONE_FROM_M = 34.8;

/**
 * The catalog's scenes, a through at 55 km/h (persp_skip_zone) and one through another camera: bench/camera_sweep.ts's roadside camera
 * (oblique_near: 6 m beside the judged lane, yawed 25° toward the road, its zones and true
 * calibration) and its full stop. At 2.5 fps the van's first box after pulling away overlaps
 * where it stood at IoU 0.42, and its track split there until the tracker's pull-away stage
 * (analyzer/tracker/bytetrack.ts; docs/PERFORMANCE.md "Camera geometries").
 */
const SCENES: Record<string, SceneSpec> = {
  ...PERSPECTIVE_SCENES,
  persp_roadside_stop: {
    ...cameraScenes("oblique_near", CAMERAS.oblique_near).find((s) =>
      s.name.endsWith("full_stop")
    )!,
    name: "persp_roadside_stop",
  },
  persp_skip_zone: perspectiveScene(
    "persp_skip_zone",
    "constant 55 km/h (15.3 m/s) from 34.8 m through to 5 m: at 2.5 fps no frame in the zone",
    (SKIP_ZONE_FROM_M - 5) / SKIP_ZONE_MPS + 0.4,
    (fps) => [
      perspectiveVehicle("van", fps, { t: 0, X: LANE_TOWARD_X_M, Y: SKIP_ZONE_FROM_M }, [
        { cruise_mps: SKIP_ZONE_MPS, dur: (SKIP_ZONE_FROM_M - 5) / SKIP_ZONE_MPS },
      ], "no_stop"),
    ],
  ),
};

/**
 * Scenes run at 2.5 processed fps only (what they test happens only there; each rate costs CI
 * time). persp_skip_zone: 6.1 m of road per processed frame against the 3 m deep zone (Y 12-15
 * m), the frames at Y 34.8, 28.7, 22.6, 16.5 (past the pre-stop line at 18), 10.4: none inside.
 * The held-out scene s6_10 (47 km/h at 2.5 fps, 5.2 m per frame) gave no pass that way until the
 * judge took the move between two samples as the visit (analyzer/judge/stop_judge.ts
 * #throughBetween). Started at 28.7 m, the van's first box at min_conf was at 16.5 m and the
 * next one 1.6x larger, so it was never confirmed (measured 2026-11-30): the tracker's limit,
 * not this test's subject.
 */
const QUARTER_RATE_ONLY = new Set(["persp_skip_zone"]);

/** Every scene by default; `PERSPECTIVE_SCENES=a,b` runs a few. */
const NAMES = Deno.env.get("PERSPECTIVE_SCENES")?.split(",") ?? Object.keys(SCENES);

/** Each scene is rendered once; both rates analyze the same video. */
const rendered = new Map<string, Promise<{ video: string; truth: SceneTruth }>>();
function _render(name: string, spec: SceneSpec) {
  let r = rendered.get(name);
  if (!r) {
    const video = `${tmp}/${name}.mp4`;
    r = renderScene(spec, video, { truthPath: false }).then((o) => ({ video, truth: o.truth }));
    rendered.set(name, r);
  }
  return r;
}

/**
 * Scenes not asserted at 2.5 processed fps: none now. The 36 km/h van (4 m per processed frame)
 * had no pass there: its boxes overlap too little between frames for a tentative track (now
 * the tracker's motion gate), and only one sample lies in the 3 m deep zone (now a pass-through,
 * analyzer/judge/stop_judge.ts #passedThrough).
 */
const SLOWEST_RATE_MISSES = new Set<string>();

for (const name of NAMES) {
  const spec = SCENES[name];
  // Half and quarter rate (an analyzer that falls behind), down to 2.5 processed fps.
  for (const div of [1, 2, 4]) {
    const fps = spec.fps / div;
    if (fps < 2.5 || (fps === 2.5 && SLOWEST_RATE_MISSES.has(name))) continue;
    if (div !== 4 && QUARTER_RATE_ONLY.has(name)) continue;
    _perspective(name, spec, div);
  }
}

function _perspective(name: string, spec: SceneSpec, div: number) {
  const label = div === 1 ? "" : div === 2 ? " at half rate" : " at quarter rate";
  // Issue #12: stops within ±0.25 s from 5 to 15 processed fps, ±0.5 s at 2.5 fps.
  const stopTol = spec.fps / div >= 5 ? 0.25 : 0.5;
  Deno.test({
    name: `perspective ground truth: ${name}${label}`,
    sanitizeResources: false,
    sanitizeOps: false,
    fn: async () => {
      const { video, truth } = await _render(name, spec);
      const { passes, ticks } = await analyzeScene({
        spec,
        video,
        fps: spec.fps / div,
        modelPath,
        objectsDir: `${tmp}/objects`,
        ticks: true,
      });
      const judged = truth.vehicles.filter((v) =>
        v.expected.verdict && v.expected.verdict !== "parked"
      );
      const judgedIds = new Set(judged.map((v) => v.id));
      for (const v of truth.vehicles) {
        const p = !judgedIds.has(v.id)
          ? undefined
          : passes.find((p) =>
            v.expected.entered_at != null &&
            Math.abs(p.entered_at / 1000 - v.expected.entered_at) < 1
          );
        rows.push(
          `| ${name}${label} | ${v.id} | ${v.expected.verdict ?? "none"} | ${
            p?.verdict ?? "-"
          } | ${v.expected.stop_duration_s} | ${p?.stop_duration_s ?? "-"} | ${
            v.expected.entry_speed_mps ?? "-"
          } | ${p?.entry_speed_mps ?? "-"} | ${v.expected.min_speed_mps ?? "-"} | ${
            p?.min_speed_mps ?? "-"
          } | ${v.expected.max_speed_mps ?? "-"} | ${p?.max_speed_mps ?? "-"} |`,
        );
      }
      assert.equal(passes.length, judged.length, `passes: ${JSON.stringify(passes)}`);
      for (const [i, v] of truth.vehicles.entries()) {
        const ids = _idsFor(truth, i, ticks);
        assert.equal(ids.size, 1, `${v.id}: one track id while visible, got ${[...ids]}`);
      }
      for (const v of judged) {
        const exp = v.expected;
        const pass = passes
          .map((p) => ({ p, d: Math.abs(p.entered_at / 1000 - exp.entered_at!) }))
          .sort((a, b) => a.d - b.d)[0]?.p;
        assert.ok(pass, `${v.id}: a pass`);
        assert.equal(pass.verdict, exp.verdict, `${v.id} verdict`);
        assert.ok(
          Math.abs(pass.stop_duration_s - exp.stop_duration_s) <= stopTol,
          `${v.id}: stop ${pass.stop_duration_s} s vs truth ${exp.stop_duration_s} s`,
        );
        const entry = exp.entry_speed_mps!;
        assert.ok(
          pass.entry_speed_mps != null &&
            Math.abs(pass.entry_speed_mps - entry) <= SPEED_TOL * entry,
          `${v.id}: entry ${pass.entry_speed_mps} m/s vs truth ${entry} m/s`,
        );
        const max = exp.max_speed_mps!;
        assert.ok(
          pass.max_speed_mps != null && Math.abs(pass.max_speed_mps - max) <= SPEED_TOL * max,
          `${v.id}: max ${pass.max_speed_mps} m/s vs truth ${max} m/s`,
        );
        const min = exp.min_speed_mps!;
        if (min > 0.5) {
          assert.ok(
            pass.min_speed_mps != null && Math.abs(pass.min_speed_mps - min) <= SPEED_TOL * min,
            `${v.id}: min ${pass.min_speed_mps} m/s vs truth ${min} m/s`,
          );
        }
      }
    },
  });
}

Deno.test({
  name: "perspective ground truth: results table",
  sanitizeResources: false,
  fn: async () => {
    console.log(
      "\n| scene | vehicle | truth | judged | stop truth s | stop judged s | entry truth m/s | entry judged m/s | min truth m/s | min judged m/s | max truth m/s | max judged m/s |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n" +
        rows.join("\n"),
    );
    await Deno.remove(tmp, { recursive: true });
  },
});
