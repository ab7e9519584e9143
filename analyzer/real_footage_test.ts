/**
 * Real footage (issue #12 "ground truth"), each clip with its truth labelled by hand (CC BY 4.0,
 * samples/NOTICE.md):
 * - samples/carpark.mp4, an overhead car-park lane (samples/carpark.truth.json): four cars, two
 *   northbound through a horizontal stop zone after a pre-stop line (judged, neither stops), two
 *   southbound (not judged).
 * - samples/carpark_bikes.mp4, an oblique view of an empty car park (samples/carpark_bikes.truth.json):
 *   two cars drive up the frame through a stop zone after a pre-stop line and turn off left
 *   (judged, neither stops), with people walking and two cyclists (not vehicle classes). Analyzed by the offline pipeline with the real detector:
 * every judged car gives exactly one pass with the right verdict, at the time it is in view, and
 * the clip gives one track per car.
 */
import assert from "node:assert/strict";
import { validateConfig } from "../shared/config.ts";
import { VEHICLE_LABELS } from "../shared/labels.ts";
import type { Tick } from "../shared/tick.ts";
import { analyzeFile } from "./cli.ts";
import { ensureNanodetOnnx } from "./model/nanodet_model.ts";
import type { PassLine } from "./testing_scenes.ts";
import { resolveFilePath } from "./sources.ts";

interface _Truth {
  fps: number;
  zones: { stop_zone: [number, number][]; pre_stop_line: [[number, number], [number, number]] };
  vehicles: {
    id: string;
    direction: "northbound" | "southbound";
    present_s: [number, number];
    expected: string | null;
  }[];
  /**
   * Cyclists the detector calls `motorcycle` (a vehicle class) at times: a track on one fails the
   * clip (analyzer/pipeline/two_wheelers.ts: a motorcycle the detector also calls a bicycle
   * starts no track); reported by name when it happens.
   */
  two_wheelers?: { id: string; present_s: [number, number] }[];
}

/**
 * Every clip with its hand-labelled truth. `REAL_CLIPS=carpark_bikes` runs a few. `regions`:
 * the detect.regions setting each clip is analyzed with (the config default when absent).
 */
const CLIPS = ["carpark", "carpark_bikes"].filter((c) =>
  Deno.env.get("REAL_CLIPS")?.split(",").includes(c) ?? true
);
const REGIONS = Deno.env.get("REAL_REGIONS") as "auto" | "off" | undefined;

for (const name of CLIPS) _realClip(name);

function _realClip(name: string) {
  Deno.test({
    name: `real footage: ${name} clip, one pass per judged car, one track per car`,
    sanitizeResources: false,
    sanitizeOps: false,
    fn: () => _run(name),
  });
}

async function _run(name: string) {
  const clip = resolveFilePath(`samples/${name}.mp4`);
  const truth: _Truth = JSON.parse(
    await Deno.readTextFile(resolveFilePath(`samples/${name}.truth.json`)),
  );
  const tmp = await Deno.makeTempDir({ prefix: "stopline-real-" });
  try {
    const camera = validateConfig({
      cameras: {
        [name]: {
          source: clip,
          detect: { fps: truth.fps, min_conf: 0.4, ...(REGIONS ? { regions: REGIONS } : {}) },
          classes: [...VEHICLE_LABELS],
          zones: truth.zones,
        },
      },
    }).cameras[name];
    const passes: PassLine[] = [];
    const ticks: Tick[] = [];
    const summary = await analyzeFile({
      source: clip,
      camera,
      cameraId: name,
      modelPath: await ensureNanodetOnnx(resolveFilePath(".data/models")),
      anchorMs: 0,
      objectsDir: `${tmp}/objects`,
      events: false,
      write: (l) => {
        const line = JSON.parse(l);
        if (line.type === "pass") passes.push(line);
      },
      onTick: (t) => ticks.push(JSON.parse(t)),
    });
    // Tracks seen in at least 3 ticks (a single-frame flicker is not a vehicle's track).
    const seen = new Map<number, { t: number; y: number; label: string }[]>();
    for (const t of ticks) {
      for (const tr of t.tracks) {
        const y = tr.bbox[1] + tr.bbox[3] / 2;
        seen.set(tr.id, [...(seen.get(tr.id) ?? []), { t: t.ts / 1000, y, label: tr.label }]);
      }
    }
    const all = seen.size;
    const real = [...seen.entries()].filter(([, s]) => s.length >= 3);
    const tracks = real
      .map(([id, s]) =>
        `${id}: ${s[0].t.toFixed(1)}-${s.at(-1)!.t.toFixed(1)} s, y ${s[0].y.toFixed(2)}->${
          s.at(-1)!.y.toFixed(2)
        }`
      );
    console.log(
      `${name}: ${all} track ids (${real.length} seen in >= 3 ticks) for ${truth.vehicles.length} cars; ${summary.region_inferences} region inferences in ${summary.frames} frames`,
    );
    console.log(`tracks: ${tracks.join(", ")}`);
    console.log(
      `passes: ${passes.map((p) => `${p.verdict} at ${p.entered_at / 1000} s`).join(", ")}`,
    );
    const judged = truth.vehicles.filter((v) => v.expected);
    assert.equal(passes.length, judged.length, JSON.stringify(passes));
    for (const v of judged) {
      const mine = passes.filter((p) =>
        p.entered_at / 1000 >= v.present_s[0] - 0.5 && p.entered_at / 1000 <= v.present_s[1] + 0.5
      );
      assert.equal(mine.length, 1, `${v.id}: one pass while in view`);
      assert.equal(mine[0].verdict, v.expected, `${v.id} verdict`);
    }
    // Each car is exactly one of them: a track in view while it is, moving its way.
    const cars = new Set<number>();
    for (const v of truth.vehicles) {
      const sign = v.direction === "northbound" ? -1 : 1;
      const mine = real.filter(([, s]) =>
        s[0].t <= v.present_s[1] + 1 && s.at(-1)!.t >= v.present_s[0] - 1 &&
        Math.sign(s.at(-1)!.y - s[0].y) === sign
      );
      assert.equal(
        mine.length,
        1,
        `${v.id}: one ${v.direction} track, got ${mine.map((m) => m[0])}`,
      );
      cars.add(mine[0][0]);
    }
    // Any other track fails: a cyclist taken for a motorcycle (named) or anything else.
    const others = real.filter(([id]) => !cars.has(id));
    const cyclists = others.filter(([, s]) =>
      s.every((p) => p.label === "motorcycle" || p.label === "bicycle") &&
      (truth.two_wheelers ?? []).some((c) =>
        s[0].t >= c.present_s[0] - 1 && s.at(-1)!.t <= c.present_s[1] + 1
      )
    );
    console.log(
      `${name}: ${cars.size} car tracks for ${truth.vehicles.length} cars, ${cyclists.length} cyclist(s) taken for motorcycles`,
    );
    assert.equal(others.length, 0, `one track per car, none on cyclists: ${tracks}`);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}
