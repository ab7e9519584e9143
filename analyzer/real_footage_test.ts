/**
 * Real footage (issue #12 "ground truth"): samples/carpark.mp4, an overhead car-park clip
 * (CC BY 4.0, samples/NOTICE.md) with its truth labelled by hand in samples/carpark.truth.json:
 * four cars, two northbound through a horizontal stop zone after a pre-stop line (judged, neither
 * stops), two southbound (not judged). Analyzed by the offline pipeline with the real detector:
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
}

const CLIP = resolveFilePath("samples/carpark.mp4");
const TRUTH: _Truth = JSON.parse(
  await Deno.readTextFile(resolveFilePath("samples/carpark.truth.json")),
);

Deno.test({
  name: "real footage: car park clip, one pass per judged car, one track per car",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const tmp = await Deno.makeTempDir({ prefix: "stopline-real-" });
    try {
      const camera = validateConfig({
        cameras: {
          carpark: {
            source: CLIP,
            detect: { fps: TRUTH.fps, min_conf: 0.4 },
            classes: [...VEHICLE_LABELS],
            zones: TRUTH.zones,
          },
        },
      }).cameras.carpark;
      const passes: PassLine[] = [];
      const ticks: Tick[] = [];
      await analyzeFile({
        source: CLIP,
        camera,
        cameraId: "carpark",
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
      const seen = new Map<number, { t: number; y: number }[]>();
      for (const t of ticks) {
        for (const tr of t.tracks) {
          const y = tr.bbox[1] + tr.bbox[3] / 2;
          seen.set(tr.id, [...(seen.get(tr.id) ?? []), { t: t.ts / 1000, y }]);
        }
      }
      const real = [...seen.entries()].filter(([, s]) => s.length >= 3);
      const tracks = real
        .map(([id, s]) =>
          `${id}: ${s[0].t.toFixed(1)}-${s.at(-1)!.t.toFixed(1)} s, y ${s[0].y.toFixed(2)}->${
            s.at(-1)!.y.toFixed(2)
          }`
        );
      console.log(`tracks: ${tracks.join(", ")}`);
      console.log(
        `passes: ${passes.map((p) => `${p.verdict} at ${p.entered_at / 1000} s`).join(", ")}`,
      );
      const judged = TRUTH.vehicles.filter((v) => v.expected);
      assert.equal(passes.length, judged.length, JSON.stringify(passes));
      for (const v of judged) {
        const mine = passes.filter((p) =>
          p.entered_at / 1000 >= v.present_s[0] - 0.5 && p.entered_at / 1000 <= v.present_s[1] + 0.5
        );
        assert.equal(mine.length, 1, `${v.id}: one pass while in view`);
        assert.equal(mine[0].verdict, v.expected, `${v.id} verdict`);
      }
      assert.equal(tracks.length, TRUTH.vehicles.length, `one track per car: ${tracks}`);
      // Each car is exactly one of them: a track in view while it is, moving its way.
      for (const v of TRUTH.vehicles) {
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
      }
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
});
