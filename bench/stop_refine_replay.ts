/**
 * Replays stop_refine.ts's `refineStop` on the judge's recorded anchors, both arrival models
 * ("two_model", the 600 ms choice, and "ramp"), against the oracle's rest of each stop:
 *
 *   deno run -A bench/stop_refine_replay.ts DUMP.jsonl...
 *   SCENE=persp_queue deno run -A bench/stop_refine_replay.ts DUMP.jsonl   # perspective_test's
 *   PICK=s3_10:2,persp_queue:2@10 FIXTURE=out.ts deno run -A bench/stop_refine_replay.ts DUMP.jsonl
 *
 * A dump is one JSON line per finalized visit with a causal stop: `{ src, track, runs, enteredAt,
 * exitedAt, pos: [{ ts, x, y, box }] }` (src: the CLI's arguments, naming the held-out clip; pos:
 * each sample's raw anchor `rx ?? cx`, `ry ?? cy`). It is not written by the analyzer: add it
 * where `StopJudge.#finalize` calls `_refinedStops` (an `appendFileSync` of `v.samples` and
 * `causal.runs`) and run bench/held_out_scenes.ts or analyzer/perspective_test.ts. Truth: the
 * scene's path keyframes (held-out scenes redrawn from their seed; `SCENE` for the perspective
 * catalog's and persp_roadside_stop); each vehicle's last rest (the queue's second van waits
 * behind the line first), the one inside the visit. PICK/FIXTURE write those (scene:track or
 * scene:track@fps) arrivals as analyzer/judge/stop_refine_arrivals.ts's entries; with
 * DEPARTURE=1 the 2 s after the stop too, as analyzer/judge/stop_refine_departures.ts's.
 */
import { drawScenes } from "./held_out_scenes.ts";
import { PERSPECTIVE_SCENES } from "../dev/testing/scenes/perspective_catalog.ts";
import { CAMERAS, cameraScenes } from "../dev/testing/scenes/camera_catalog.ts";
import { SCENES } from "../dev/testing/scenes/mod.ts";
import { refineStop } from "../analyzer/judge/stop_refine.ts";

const rows: string[] = [];
// FIXTURE=out.json PICK=s3_10:2,s1_5:3: those (scene, track) arrivals written as a test fixture.
const PICK = new Set((Deno.env.get("PICK") ?? "").split(",").filter(Boolean));
// DEPARTURE=1: the fixture keeps 2 s after the causal stop too (stop_refine_departures.ts).
const DEPARTURE = Boolean(Deno.env.get("DEPARTURE"));
const fixture: unknown[] = [];
const cache = new Map<string, ReturnType<typeof drawScenes>[number]>();
for (const file of Deno.args) {
  for (const line of (await Deno.readTextFile(file)).split("\n").filter(Boolean)) {
    const d = JSON.parse(line);
    // Held-out runs name their clip; SCENE=persp_queue|persp_roadside_stop for perspective_test's.
    const name = /\/(s\d+_\d+)\.mp4/.exec(d.src)?.[1] ?? Deno.env.get("SCENE")!;
    if (!cache.has(name)) {
      if (name === "catalog") {
        // analyzer/ground_truth_test.ts's scenes: every catalog vehicle's rests (by overlap).
        const vehicles = Object.values(SCENES).flatMap((sc) =>
          sc.vehicles.map((v) => ({ ...v, id: `${sc.name}:${v.id}` }))
        );
        cache.set(name, { spec: { vehicles }, kind: "catalog", proc_fps: 0 } as never);
      } else if (name === "persp_roadside_stop") {
        const spec = cameraScenes("oblique_near", CAMERAS.oblique_near)
          .find((s) => s.name.endsWith("full_stop"))!;
        cache.set(name, { spec, kind: "full_stop", proc_fps: 0 } as never);
      } else if (name.startsWith("persp_")) {
        cache.set(name, { spec: PERSPECTIVE_SCENES[name], kind: "persp", proc_fps: 0 } as never);
      } else {
        const [seed, idx] = name.slice(1).split("_").map(Number);
        cache.set(name, drawScenes(seed, idx + 1)[idx]);
      }
    }
    const sc = cache.get(name)!;
    const fps = sc.proc_fps ||
      Math.round(10000 / (d.pos[d.pos.length - 1].ts - d.pos[d.pos.length - 2].ts)) / 10;
    // True rest intervals (ms) per vehicle: consecutive keyframes at one ground point.
    const rests: { id: string; s: number; e: number }[] = [];
    for (const v of sc.spec.vehicles) {
      const p = v.path;
      for (let i = 1; i < p.length; i++) {
        const a = p[i - 1].ground ?? [p[i - 1].x, p[i - 1].y];
        const b = p[i].ground ?? [p[i].x, p[i].y];
        if (a[0] !== b[0] || a[1] !== b[1]) continue;
        const last = rests.at(-1);
        const s = Math.round(p[i - 1].t * 1000), e = Math.round(p[i].t * 1000);
        if (last && last.id === v.id && last.e === s) last.e = e;
        else rests.push({ id: v.id, s, e });
      }
    }
    for (const run of d.runs) {
      const ov = (r: { s: number; e: number }) => Math.min(r.e, run.end) - Math.max(r.s, run.start);
      // The rest inside the visit, then the one overlapping the causal run most.
      const inVisit = (r: { s: number; e: number }) =>
        Math.min(r.e, d.exitedAt) - Math.max(r.s, d.enteredAt);
      // Each vehicle's last rest is the one in the zone (the queue's second waits behind first).
      const last = rests.filter((r, i) => rests[i + 1]?.id !== r.id);
      // The catalog's scenes share one dump: a rest inside the visit first (not parked's 70 s one).
      const within = (r: { s: number; e: number }) =>
        name === "catalog" ? Number(r.s >= d.enteredAt && r.e <= d.exitedAt) : 0;
      const truth = last.toSorted((a, b) =>
        within(b) - within(a) || inVisit(b) - inVisit(a) || ov(b) - ov(a)
      )[0];
      const px = d.pos.map((p: { ts: number; x: number; y: number; box?: number[] }) => ({
        ts: p.ts,
        x: p.x,
        y: p.y,
        box: p.box,
      }));
      if (PICK.has(`${name}:${d.track}`) || PICK.has(`${name}:${d.track}@${fps}`)) {
        fixture.push({
          scene: name,
          vehicle: truth.id,
          fps,
          truth_ms: [truth.s, truth.e],
          causal_ms: [run.start, run.end],
          // ts, x, y, box x, y, w, h (source px, 0.01 px)
          // From 3.5 s before the causal start: at 5 fps the last clearly moving sample can lie
          // 1.4 s before it (s4_4's first van), and the arrival's side starts 1 s before that
          // sample, its direction from its first one (2.5 s cut s4_4 first's arrival -0.229 -> -0.074).
          pos: d.pos.filter((p: { ts: number }) =>
            p.ts >= run.start - 3500 && p.ts <= run.end + (DEPARTURE ? 2000 : 0)
          )
            .map((p: { ts: number; x: number; y: number; box?: number[] }) =>
              [p.ts, p.x, p.y, ...(p.box ?? [])].map((v) =>
                Math.round(v * 100) / 100
              )
            ),
        });
      }
      const e = (t: number) => ((t - truth.s) / 1000).toFixed(3);
      const stopErr = (r: { start: number; end: number }) =>
        ((r.end - r.start - (truth.e - truth.s)) / 1000).toFixed(3);
      const parts = (["two_model", "ramp"] as const).map((arrival) => {
        const r = refineStop(px, run, { arrival });
        return `${arrival} arrival ${e(r.start)} departure ${
          ((r.end - truth.e) / 1000).toFixed(3)
        } stop ${stopErr(r)}`;
      });
      rows.push(
        `${name} ${sc.kind} ${fps}fps ${truth.id} tr${d.track} truth ${truth.s}-${truth.e} | ${
          parts.join(" | ")
        }`,
      );
    }
  }
}
console.log(rows.join("\n"));
const out = Deno.env.get("FIXTURE");
if (out) {
  // A TypeScript module (deno fmt keeps one sample per line).
  const body = (fixture as { pos: number[][] }[]).map((f) => {
    const { pos, ...head } = f;
    const h = JSON.stringify(head).slice(1, -1).replace(/"(\w+)":/g, "$1: ").replace(
      /,(\w)/g,
      ", $1",
    );
    return `  {\n    ${h},\n    pos: [\n${
      pos.map((p) => `      [${p.join(", ")}],`).join("\n")
    }\n    ],\n  },`;
  }).join("\n");
  await Deno.writeTextFile(
    out,
    `${Deno.env.get("FIXTURE_HEAD") ?? ""}export const ${
      DEPARTURE ? "RECORDED_DEPARTURES" : "RECORDED_ARRIVALS"
    }: RecordedArrival[] = [\n${body}\n];\n`,
  );
}
