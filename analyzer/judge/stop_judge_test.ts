/**
 * Stop judge against exact ground truth (dev/testing/scenes/oracle.ts `groundTruth`) — no video:
 * the truth frames are turned into tracker-like tracks. Also jitter robustness, edge debouncing, hot reload.
 */
import assert from "node:assert/strict";
import type { Box, Point } from "../../shared/geometry.ts";
import type { Zones } from "../../shared/config.ts";
import {
  groundTruth,
  SCENES,
  type SceneSpec,
  type SceneTruth,
  ZONES,
} from "../../dev/testing/scenes/mod.ts";
import { type JudgeOutput, type JudgeTrack, StopJudge } from "./stop_judge.ts";
import type { CaptureRequest, Pass } from "./pass.ts";
import { betterCapture } from "./pass.ts";
import { seededRandom } from "../../shared/testing/prng.ts";

const T0 = 1_700_000_000_000;
/**
 * This file's stand-in tracker drops a track after this long without a detection: stricter than
 * ByteTracker's `maxLostMs` (1.5 s by default), so id changes across gaps are exercised too.
 */
const MAX_AGE_MS = 1000;
/** A detector needs most of the vehicle visible. */
const MIN_VISIBLE = 0.5;

interface FeedOptions {
  /** ± px uniform jitter on the centre; speed then comes from an EMA over positions. */
  jitter?: number;
  seed?: number;
  /** EMA factors for the position and the velocity (default 0.5 / 0.5). */
  alpha?: [number, number];
}

interface FeedResult {
  truth: SceneTruth;
  passes: Pass[];
  captures: (CaptureRequest & { frame: number })[];
  outputs: JudgeOutput[];
  trackIds: Map<string, number[]>;
  judge: StopJudge;
}

/**
 * Feed a scene's truth frame by frame. Occluded / off-screen frames (visible < 0.5) give no
 * detection; a vehicle unseen for more than MAX_AGE_MS ends its track (a new id if it comes back).
 */
function _feed(spec: SceneSpec, opts: FeedOptions = {}): FeedResult {
  const truth = groundTruth(spec);
  const judge = new StopJudge("cam_t", spec.zones as Zones, spec.stop ?? {});
  const rnd = seededRandom(opts.seed ?? 1);
  const jit = opts.jitter ?? 0;
  const st = truth.vehicles.map((v) => ({
    v,
    byFrame: new Map(v.frames.map((f) => [f.i, f])),
    id: 0,
    lastSeen: -Infinity,
    // EMA state: smoothed position, smoothed velocity vector.
    sx: 0,
    sy: 0,
    vx: 0,
    vy: 0,
    hits: 0,
  }));
  const trackIds = new Map<string, number[]>();
  let nextId = 1;
  const passes: Pass[] = [];
  const captures: (CaptureRequest & { frame: number })[] = [];
  const outputs: JudgeOutput[] = [];
  for (let i = 0; i < truth.frames; i++) {
    const ts = T0 + Math.round((i / truth.fps) * 1000);
    const tracks: JudgeTrack[] = [];
    const ended: number[] = [];
    for (const s of st) {
      const f = s.byFrame.get(i);
      if (f && f.visible >= MIN_VISIBLE) {
        if (!s.id || ts - s.lastSeen > MAX_AGE_MS) {
          if (s.id) ended.push(s.id);
          s.id = nextId++;
          s.hits = 0;
          trackIds.set(s.v.id, [...(trackIds.get(s.v.id) ?? []), s.id]);
        }
        const cx = f.x + (jit ? (rnd() * 2 - 1) * jit : 0);
        const cy = f.y + (jit ? (rnd() * 2 - 1) * jit : 0);
        let speed_px_s = f.speed_px_s;
        if (jit) {
          // Stand-in for the tracker's smoothing: EMA on the position, then on the velocity.
          const dt = (ts - s.lastSeen) / 1000;
          if (s.hits === 0) [s.sx, s.sy, s.vx, s.vy] = [cx, cy, 0, 0];
          else {
            const [ap, av] = opts.alpha ?? [0.5, 0.5];
            const nx = s.sx + ap * (cx - s.sx), ny = s.sy + ap * (cy - s.sy);
            const ivx = (nx - s.sx) / dt, ivy = (ny - s.sy) / dt;
            const a = s.hits === 1 ? 1 : av;
            s.vx += a * (ivx - s.vx);
            s.vy += a * (ivy - s.vy);
            [s.sx, s.sy] = [nx, ny];
          }
          speed_px_s = Math.hypot(s.vx, s.vy);
        }
        s.hits++;
        s.lastSeen = ts;
        const box: Box = [cx - f.bbox[2] / 2, cy - f.bbox[3] / 2, f.bbox[2], f.bbox[3]];
        tracks.push({ id: s.id, label: s.v.label, center: [cx, cy], box, speed_px_s, conf: 0.8 });
      } else if (s.id && ts - s.lastSeen > MAX_AGE_MS) {
        ended.push(s.id);
        s.id = 0;
      }
    }
    const out = judge.update({ ts, w: truth.width, h: truth.height, tracks, ended });
    outputs.push(out);
    passes.push(...out.passes);
    captures.push(...out.captures.map((c) => ({ ...c, frame: i })));
  }
  passes.push(...judge.flush());
  return { truth, passes, captures, outputs, trackIds, judge };
}

const _frameMs = (t: SceneTruth) => 1000 / t.fps;

interface Row {
  scene: string;
  vehicle: string;
  truth: string;
  judged: string;
  stop_truth: number;
  stop_judged: number | null;
  entered: string;
  exited: string;
}

function _row(r: FeedResult, vid: string, p: Pass | undefined): Row {
  const v = r.truth.vehicles.find((x) => x.id === vid)!;
  const e = v.expected;
  const rel = (ms: number) => ((ms - T0) / 1000).toFixed(1);
  return {
    scene: r.truth.scene,
    vehicle: vid,
    truth: e.verdict ?? "(none)",
    judged: p?.verdict ?? "(none)",
    stop_truth: e.stop_duration_s,
    stop_judged: p?.stop_duration_s ?? null,
    entered: `${e.entered_at}/${p ? rel(p.entered_at) : "-"}`,
    exited: `${e.exited_at}/${p ? rel(p.exited_at) : "-"}`,
  };
}

function _check(r: FeedResult, tol: { stop: number; timing: boolean }): Row[] {
  const rows: Row[] = [];
  for (const v of r.truth.vehicles) {
    const ids = r.trackIds.get(v.id) ?? [];
    const mine = r.passes.filter((p) => ids.includes(p.track_id));
    const e = v.expected;
    const where = `${r.truth.scene}/${v.id}`;
    if (e.verdict === null || e.verdict === "parked") {
      assert.equal(mine.length, 0, `${where}: expected no pass, got ${JSON.stringify(mine[0])}`);
      assert.equal(
        r.captures.filter((c) => ids.includes(c.trackId)).length,
        0,
        `${where}: no captures for an unjudged vehicle`,
      );
      rows.push(_row(r, v.id, undefined));
      continue;
    }
    assert.equal(mine.length, 1, `${where}: exactly one pass (got ${mine.length})`);
    const p = mine[0];
    assert.equal(p.verdict, e.verdict, `${where}: verdict`);
    assert.ok(
      Math.abs(p.stop_duration_s - e.stop_duration_s) <= tol.stop + 1e-6,
      `${where}: stop ${p.stop_duration_s} vs truth ${e.stop_duration_s}`,
    );
    assert.equal(p.camera, "cam_t");
    assert.match(p.id, new RegExp(`^cam_t:\\d+:${p.track_id}$`));
    if (tol.timing) {
      const fm = _frameMs(r.truth);
      assert.ok(
        Math.abs(p.entered_at - (T0 + e.entered_at! * 1000)) <= fm,
        `${where}: entered ${p.entered_at - T0} vs ${e.entered_at}`,
      );
      assert.ok(
        Math.abs(p.exited_at - (T0 + e.exited_at! * 1000)) <= fm,
        `${where}: exited ${p.exited_at - T0} vs ${e.exited_at}`,
      );
      assert.ok(Math.abs(p.time_in_zone_s - e.time_in_zone_s!) <= fm / 1000 + 1e-6);
      assert.ok(Math.abs(p.min_speed_px_s - e.min_speed_px_s!) <= 1e-6, `${where}: min speed`);
      assert.equal(p.quality.ended_in_zone, false);
      assert.equal(p.quality.coverage, 1);
    }
    // The capture happened where the centre crossed the capture line.
    const capX = r.truth.zones!.capture_line![0][0] * r.truth.width;
    const crossFrame = v.frames.find((f, k) => k > 0 && v.frames[k - 1].x < capX && f.x >= capX)!;
    const caps = r.captures.filter((c) => c.passId === p.id);
    const cap = caps.reduce<CaptureRequest | null>((a, c) => betterCapture(a, c), null);
    assert.ok(cap, `${where}: a capture request`);
    assert.equal(cap.reason, "capture_line", `${where}: capture at the capture line`);
    assert.equal(p.quality.capture, "capture_line");
    const capFrame = caps.find((c) => c === cap)!.frame;
    assert.ok(Math.abs(capFrame - crossFrame.i) <= 1, `${where}: capture frame ${capFrame}`);
    assert.equal(p.quality.finalized_by, "capture_line");
    // Samples run approach -> exit and are in time order.
    assert.ok(p.samples[0].ts < p.entered_at);
    assert.equal(p.samples[p.samples.length - 1].ts, p.exited_at);
    assert.equal(p.samples.at(-1)!.phase, "leaving");
    rows.push(_row(r, v.id, p));
  }
  return rows;
}

function _print(title: string, rows: Row[]) {
  console.log(`\n${title}`);
  console.log(
    "scene/vehicle            truth         judged        stop truth/judged  entered  exited",
  );
  for (const r of rows) {
    console.log(
      `${`${r.scene}/${r.vehicle}`.padEnd(24)} ${r.truth.padEnd(13)} ${r.judged.padEnd(13)} ${
        `${r.stop_truth} / ${r.stop_judged ?? "-"}`.padEnd(18)
      } ${r.entered.padEnd(8)} ${r.exited}`,
    );
  }
}

Deno.test("exact truth: every scene gives the ground-truth verdict, timing and capture", () => {
  const rows: Row[] = [];
  for (const spec of Object.values(SCENES)) {
    const r = _feed(spec);
    rows.push(..._check(r, { stop: 0.1, timing: true }));
    assert.equal(r.judge.size, 0, `${spec.name}: ended tracks are forgotten`);
  }
  _print("exact truth (entered/exited: truth s / judged s)", rows);
});

/**
 * Jitter + EMA speed. Verdicts and the one-pass rule must hold in every run. The stop duration
 * is a noisy threshold crossing at both ends of the stop, quantized to 0.1 s frames, and the
 * EMA lags (~1 frame per stage): a hard brake (back_to_back/van2: 240 px/s -> 0 in 1 s) starts
 * reading "stopped" 2-3 frames late. So per run it is bounded at 0.45 s, and the ±0.25 s of
 * the brief is asserted for the typical run: mean |error| per vehicle and >= 70 % of runs
 * (measured over 100 seeds: the 3 s stops always within ±0.3, van2 within ±0.25 in 70 %).
 */
Deno.test("robustness: ±2 px seeded jitter and EMA speed keep verdicts; stop within 0.25 s typ.", () => {
  const rows: Row[] = [];
  const errs = new Map<string, number[]>();
  for (let seed = 1; seed <= 20; seed++) {
    for (const spec of Object.values(SCENES)) {
      const r = _feed(spec, { jitter: 2, seed });
      const got = _check(r, { stop: 0.45, timing: false });
      if (seed === 1) rows.push(...got);
      for (const row of got) {
        if (row.stop_judged === null) continue;
        const k = `${row.scene}/${row.vehicle}`;
        errs.set(k, [...(errs.get(k) ?? []), row.stop_judged - row.stop_truth]);
      }
    }
  }
  _print("jitter ±2 px + EMA speed, seed 1", rows);
  console.log("\nstop error over 20 seeds: mean |err|, max |err|, share within ±0.25 s");
  for (const [k, e] of errs) {
    const abs = e.map(Math.abs);
    const mean = abs.reduce((a, b) => a + b, 0) / abs.length;
    const within = abs.filter((a) => a <= 0.25 + 1e-6).length / abs.length;
    console.log(
      `${k.padEnd(24)} ${mean.toFixed(3)}  ${Math.max(...abs).toFixed(2)}  ${
        (within * 100).toFixed(0)
      } %`,
    );
    assert.ok(mean <= 0.25, `${k}: mean |stop error| ${mean}`);
    assert.ok(within >= 0.7, `${k}: only ${within} of runs within ±0.25 s`);
  }
});

Deno.test("phases follow the tick contract through a full stop", () => {
  const r = _feed(SCENES.fullStop);
  const seen: string[] = [];
  let maxStop = 0;
  for (const o of r.outputs) {
    const ph = o.phases.get(1);
    if (!ph) continue;
    if (seen.at(-1) !== ph.phase) seen.push(String(ph.phase));
    if (ph.phase === "stopped") assert.equal(ph.zone, "stop");
    maxStop = Math.max(maxStop, ph.stop_s ?? 0);
  }
  assert.deepEqual(seen, ["approach", "in_zone", "stopped", "in_zone", "leaving"]);
  assert.ok(Math.abs(maxStop - 3.0) <= 0.1 + 1e-6, `live stop timer ${maxStop}`);
  // The mirrored scene is never judged: no judged phase while in the zone.
  const o = _feed(SCENES.otherDirection);
  for (const out of o.outputs) {
    const ph = out.phases.get(1);
    if (ph?.zone === "stop") assert.equal(ph.phase, null);
  }
});

Deno.test("without a pre_stop_line every vehicle entering counts (other_direction is judged)", () => {
  const zones: Zones = { stop_zone: ZONES.stop_zone, capture_line: ZONES.capture_line };
  const r = _feed({ ...SCENES.otherDirection, zones });
  assert.equal(r.passes.length, 1);
  assert.equal(r.passes[0].verdict, "full_stop");
  assert.equal(r.passes[0].quality.direction, "no_pre_stop_line");
});

// ---------------------------------------------------------------------------------------------
// Hand-made tracks: 768x576 at 10 fps, the eastbound ZONES (zone x 307.2-460.8, pre-stop x 169,
// capture x 537.6).

const W = 768, H = 576, Y = 230;

/** Drive a single track through x positions (one per frame); returns every output. */
function _drive(
  judge: StopJudge,
  xs: number[],
  opts: { id?: number; start?: number; endAfter?: boolean; onFrame?: (k: number) => void } = {},
) {
  const id = opts.id ?? 7;
  const outs: JudgeOutput[] = [];
  let prev = xs[0];
  xs.forEach((x, k) => {
    opts.onFrame?.(k);
    const ts = (opts.start ?? T0) + k * 100;
    const speed_px_s = k === 0 ? 0 : Math.abs(x - prev) / 0.1;
    prev = x;
    outs.push(judge.update({
      ts,
      w: W,
      h: H,
      tracks: [{
        id,
        label: "car",
        center: [x, Y] as Point,
        box: [x - 50, Y - 30, 100, 60],
        speed_px_s,
        conf: 0.9,
      }],
    }));
  });
  if (opts.endAfter !== false) {
    outs.push(
      judge.update({
        ts: (opts.start ?? T0) + xs.length * 100,
        w: W,
        h: H,
        tracks: [],
        ended: [id],
      }),
    );
  }
  return {
    outs,
    passes: outs.flatMap((o) => o.passes),
    captures: outs.flatMap((o) => o.captures),
  };
}

function _ramp(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let x = from; step > 0 ? x < to : x > to; x += step) out.push(x);
  return out;
}

Deno.test("debounce: a centre hovering on the entry edge makes one pass", () => {
  const judge = new StopJudge("cam_t", ZONES as Zones, {});
  const hover = Array.from({ length: 30 }, (_, k) => 307.2 + (k % 2 ? 3 : -3)); // 3 s flicker
  const xs = [..._ramp(100, 300, 15), ...hover, ..._ramp(320, 700, 15)];
  const r = _drive(judge, xs);
  assert.equal(r.passes.length, 1);
  // Each run outside (one sample) is shorter than the exit debounce, so the entry pending since
  // the first inside sample stays pending (ENTRY_BLIP), as a visit would not end on such a run:
  // the visit starts there, as the exit hovering below is backdated to its first outside sample.
  const firstIn = xs.findIndex((x) => x >= 307.2);
  assert.equal(r.passes[0].entered_at, T0 + firstIn * 100);
  assert.equal(r.passes[0].verdict, "no_stop"); // 60 px/s flicker, then 150 px/s
});

Deno.test("debounce: an entry is kept across a one-sample step back out (ENTRY_BLIP)", () => {
  // Fresh held-out s45_3: a tall box over the van behind pulled the first van's anchor back out
  // of the zone for one sample 0.2 s after it entered; the entry was dated at the second
  // crossing, 0.2 s late, and braking that read its entry speed 21 % low.
  const judge = new StopJudge("cam_t", ZONES as Zones, {});
  const xs = [..._ramp(100, 300, 20), 310, 318, 300, 330, 340, ..._ramp(350, 700, 20)];
  const r = _drive(judge, xs);
  assert.equal(r.passes.length, 1);
  assert.equal(r.passes[0].entered_at, T0 + xs.indexOf(310) * 100);
  // A run outside that lasts the exit debounce still drops it: the entry is the second crossing.
  const judge2 = new StopJudge("cam_t", ZONES as Zones, {});
  const xs2 = [..._ramp(100, 300, 20), 310, 318, 300, 300, 300, 300, 330, ..._ramp(350, 700, 20)];
  const r2 = _drive(judge2, xs2);
  assert.equal(r2.passes.length, 1);
  assert.equal(r2.passes[0].entered_at, T0 + xs2.indexOf(330) * 100);
});

Deno.test("debounce: a centre hovering on the exit edge makes one pass, exit backdated", () => {
  const judge = new StopJudge("cam_t", ZONES as Zones, {});
  const hover = Array.from({ length: 20 }, (_, k) => 460.8 + (k % 2 ? 2 : -2));
  const approach = _ramp(100, 440, 20);
  const xs = [...approach, ...hover, ..._ramp(470, 700, 20)];
  const r = _drive(judge, xs);
  assert.equal(r.passes.length, 1);
  const p = r.passes[0];
  // Backdated to the first sample of the outside run that lasted (the last hover sample).
  const lastIn = xs.findLastIndex((x) => x < 460.8);
  assert.equal(p.exited_at, T0 + (lastIn + 1) * 100);
  assert.equal(p.verdict, "rolling_stop"); // 40 px/s while hovering
  assert.equal(p.quality.finalized_by, "capture_line");
  // The exit is confirmed before the capture line is reached: the zone_exit fallback comes
  // first and the capture_line crop then supersedes it.
  assert.deepEqual(r.captures.map((c) => c.reason), ["zone_exit", "capture_line"]);
});

Deno.test("debounce: a one-frame dip into the zone is not a visit", () => {
  const judge = new StopJudge("cam_t", ZONES as Zones, {});
  const xs = [..._ramp(100, 300, 20), 310, 300, 290, 280, 270];
  const r = _drive(judge, xs);
  assert.equal(r.passes.length, 0);
  assert.ok(r.outs.every((o) => [...o.phases.values()].every((p) => p.zone === null)));
});

Deno.test("debounce: through the zone between samples (one sample inside) is one pass", () => {
  // A fast vehicle at a low processed rate: one sample inside, the next past the zone's far side
  // (the 36 km/h van at 2.5 fps in perspective_test). Not a dip: it did not come back out.
  const judge = new StopJudge("cam_t", ZONES as Zones, {});
  const xs = [100, 200, 300, 400, 500, 600, 700];
  const r = _drive(judge, xs);
  assert.equal(r.passes.length, 1);
  assert.equal(r.passes[0].verdict, "no_stop");
  assert.equal(r.passes[0].entered_at, T0 + 3 * 100, "entered at the inside sample");
  assert.equal(r.passes[0].exited_at, T0 + 4 * 100, "exited at the first sample past it");
  // Without the pre-stop line crossing it is not judged (the direction filter still holds).
  const judge2 = new StopJudge("cam_t", ZONES as Zones, {});
  assert.equal(_drive(judge2, [300, 400, 500, 600, 700]).passes.length, 0);
});

Deno.test("debounce: through an oblique zone's near end (two samples inside) is one pass", () => {
  // Held-out scene s10_10 (a roadside camera, 1024x576, 44 km/h at 10 fps): the zone's far edge
  // is slanted to the pre-stop line and the van's anchors (recorded, px) cross the zone's near
  // end: two inside (2.3, 2.4 s), the next 7 px past the far edge but short of the far corner.
  const zones = {
    stop_zone: [[0.510449, 0.55483], [0.742664, 0.630346], [0.71619, 0.710281], [
      0.461075,
      0.614885,
    ]],
    pre_stop_line: [[0.550615, 0.505976], [0.763564, 0.567242]],
  } as Zones;
  const path: Point[] = [
    [637, 281],
    [624, 291],
    [610, 302],
    [595, 314],
    [580, 328],
    [563, 341],
    [543, 355],
    [522, 372],
    [500, 391],
    [474, 412],
    [446, 434],
  ];
  const drive = (pts: Point[]) => {
    const judge = new StopJudge("cam_t", zones, {});
    const passes: Pass[] = [];
    const step = (ts: number, tracks: JudgeTrack[], ended: number[] = []) =>
      passes.push(...judge.update({ ts, w: 1024, h: 576, tracks, ended }).passes);
    pts.forEach((p, k) =>
      step(T0 + 1800 + k * 100, [{
        id: 1,
        label: "truck",
        center: [p[0], p[1] - 28],
        anchor: p,
        rawAnchor: p,
        box: [p[0] - 30, p[1] - 56, 60, 56],
        speed_px_s: 250,
        conf: 0.6,
      }])
    );
    step(T0 + 1800 + pts.length * 100, [], [1]);
    return passes;
  };
  const passes = drive(path);
  assert.equal(passes.length, 1, "one pass");
  assert.equal(passes[0].verdict, "no_stop");
  assert.equal(passes[0].entered_at, T0 + 2300);
  assert.equal(passes[0].exited_at, T0 + 2500);
  // Two samples inside, then back out across the near edge (it faces the line): a dip, no pass.
  const back: Point[] = [...path.slice(0, 7), [580, 328], [595, 314], [610, 302]];
  assert.equal(drive(back).length, 0, "no pass backing out");
});

Deno.test("hot reload: moving the stop zone mid-stop keeps the visit and its stop timer", () => {
  // The causal stop timer's numbers (the pass-time re-estimate is checked at the end).
  const judge = new StopJudge("cam_t", ZONES as Zones, {}, { refineStops: false });
  const approach = _ramp(100, 384, 20);
  const stopFrames = Array.from({ length: 30 }, () => 384); // 3.0 s
  const xs = [...approach, ...stopFrames, ..._ramp(400, 700, 20)];
  const moved: Zones = {
    ...(ZONES as Zones),
    stop_zone: [[0.35, 0.15], [0.65, 0.15], [0.65, 0.65], [0.35, 0.65]],
  };
  const r = _drive(judge, xs, {
    onFrame: (k) => {
      if (k === approach.length + 10) judge.setConfig(moved, { full_stop_min_s: 1 });
    },
  });
  assert.equal(r.passes.length, 1);
  const p = r.passes[0];
  assert.equal(p.verdict, "full_stop");
  // 29 samples at speed 0 (the first stop frame still moved 4 px): 28 intervals.
  assert.ok(Math.abs(p.stop_duration_s - 2.8) < 1e-6, String(p.stop_duration_s));
  // Entered with the old zone (x 307.2), exited with the new one (x 0.65 * 768 = 499.2).
  assert.equal(p.entered_at, T0 + approach.findIndex((x) => x >= 307.2) * 100);
  const exitK = xs.findIndex((x, k) => k > approach.length && x >= 499.2);
  assert.equal(p.exited_at, T0 + exitK * 100);
  assert.equal(judge.settings.full_stop_min_s, 1);
  // Re-estimated at pass time from the positions: the van stood at x 384 from ~0.02 s after the
  // sample at x 380 (200 px/s) until it jumped on (an abrupt start): 2.98-3.0 s.
  const refined = new StopJudge("cam_t", ZONES as Zones, {});
  const r2 = _drive(refined, xs, {
    onFrame: (k) => {
      if (k === approach.length + 10) refined.setConfig(moved, { full_stop_min_s: 1 });
    },
  });
  assert.ok(
    Math.abs(r2.passes[0].stop_duration_s - 2.98) <= 0.05,
    `${r2.passes[0].stop_duration_s}`,
  );
});

Deno.test("hot reload: a zone moved away from a stopped car ends the visit after the debounce", () => {
  const judge = new StopJudge("cam_t", ZONES as Zones, {});
  const approach = _ramp(100, 384, 20);
  const xs = [...approach, ...Array.from({ length: 40 }, () => 384)];
  const away: Zones = {
    ...(ZONES as Zones),
    stop_zone: [[0.8, 0.2], [0.9, 0.2], [0.9, 0.6], [0.8, 0.6]],
  };
  const reloadK = approach.length + 10;
  const r = _drive(judge, xs, {
    endAfter: false,
    onFrame: (k) => k === reloadK && judge.setConfig(away, {}),
  });
  assert.equal(r.passes.length, 1); // finalized by finalize_after_exit_s (no crossing, no end)
  const p = r.passes[0];
  assert.equal(p.exited_at, T0 + reloadK * 100);
  assert.equal(p.quality.finalized_by, "timeout");
  assert.equal(p.quality.capture, "zone_exit");
  assert.equal(p.verdict, "full_stop");
});

Deno.test("a track that ends in the zone is finalized with ended_in_zone", () => {
  const judge = new StopJudge("cam_t", ZONES as Zones, {});
  const xs = [..._ramp(100, 384, 20), ...Array.from({ length: 10 }, () => 384)];
  const r = _drive(judge, xs);
  assert.equal(r.passes.length, 1);
  assert.equal(r.passes[0].quality.ended_in_zone, true);
  assert.equal(r.passes[0].quality.finalized_by, "track_end");
  assert.equal(r.passes[0].verdict, "full_stop");
  assert.equal(judge.size, 0);
});

Deno.test("parked: no pass, memory bounded, discarded crop when a capture preceded parking", () => {
  // Capture line inside the zone: the car crosses it, then stays 70 s.
  const zones: Zones = { ...(ZONES as Zones), capture_line: [[0.45, 0.2], [0.45, 0.6]] };
  const judge = new StopJudge("cam_t", zones, {});
  const xs = [..._ramp(100, 384, 20), ...Array.from({ length: 700 }, () => 384)];
  const r = _drive(judge, xs);
  assert.equal(r.passes.length, 0);
  assert.equal(r.captures.length, 1);
  const discarded = r.outs.flatMap((o) => o.discarded);
  assert.deepEqual(discarded, [r.captures[0].passId]);
  // Parked from ~60 s on: still reported as stopped in the tick.
  const last = r.outs[r.outs.length - 2].phases.get(7)!;
  assert.equal(last.phase, "stopped");
  assert.equal(judge.size, 0);
});

Deno.test("non-vehicles and cameras without zones are not judged", () => {
  const judge = new StopJudge("cam_t", ZONES as Zones, {});
  const o = judge.update({
    ts: T0,
    w: W,
    h: H,
    tracks: [{
      id: 1,
      label: "person",
      center: [384, Y],
      box: [0, 0, 1, 1],
      speed_px_s: 0,
      conf: 1,
    }],
  });
  assert.deepEqual(o.phases.get(1), { phase: null, zone: null, stop_s: null });
  assert.equal(judge.size, 0);
  const none = new StopJudge("cam_t", null, {});
  const o2 = none.update({
    ts: T0,
    w: W,
    h: H,
    tracks: [{ id: 1, label: "car", center: [384, Y], box: [0, 0, 1, 1], speed_px_s: 0, conf: 1 }],
  });
  assert.equal(o2.phases.get(1)!.phase, null);
});

Deno.test("stale tracks are forgotten after track_timeout_s even without an end event", () => {
  const judge = new StopJudge("cam_t", ZONES as Zones, { track_timeout_s: 1 });
  _drive(judge, _ramp(100, 384, 20), { endAfter: false });
  assert.equal(judge.size, 1);
  const o = judge.update({ ts: T0 + 60_000, w: W, h: H, tracks: [] });
  assert.equal(judge.size, 0);
  assert.equal(o.passes.length, 1);
  assert.equal(o.passes[0].quality.ended_in_zone, true);
});

Deno.test("the judged point is the track's anchor (bottom centre) when given, else its centre", () => {
  // The box centre stays above the zone (y 0.30-0.70 of 576 px: 173-403); the bottom centre is
  // inside it. With the anchor the visit is judged; with the centre alone the van never enters.
  const run = (withAnchor: boolean) => {
    const judge = new StopJudge("cam_t", { stop_zone: ZONES.stop_zone } as Zones, {});
    const passes = [];
    for (let k = 0; k <= 60; k++) {
      const x = 100 + 10 * k; // 100 px/s at 10 fps, through x 307-461
      const box: Box = [x - 50, 10, 100, 240];
      passes.push(
        ...judge.update({
          ts: T0 + k * 100,
          w: W,
          h: H,
          tracks: [{
            id: 1,
            label: "car",
            center: [x, 130],
            ...(withAnchor ? { anchor: [x, 250] as Point } : {}),
            box,
            speed_px_s: 100,
            conf: 0.9,
          }],
        }).passes,
      );
    }
    return [...passes, ...judge.flush()];
  };
  const judged = run(true);
  assert.equal(judged.length, 1);
  assert.equal(judged[0].verdict, "no_stop");
  assert.equal(judged[0].samples[0].cy, 250, "samples carry the judged point");
  assert.equal(run(false).length, 0);
});

// ---- Birth backfill and inferred direction (#12 item 2) ----

/** One track through xs (10 fps), its first frame carrying `birth` points (x, at 10 fps before). */
function _born(judge: StopJudge, birthXs: number[], xs: number[], id = 3) {
  const outs: JudgeOutput[] = [];
  const t0 = T0 + birthXs.length * 100;
  xs.forEach((x, k) => {
    outs.push(judge.update({
      ts: t0 + k * 100,
      w: W,
      h: H,
      tracks: [{
        id,
        label: "car",
        center: [x, Y] as Point,
        box: [x - 50, Y - 30, 100, 60],
        speed_px_s: k === 0 ? 150 : Math.abs(x - xs[k - 1]) / 0.1,
        conf: 0.9,
        ...(k === 0
          ? {
            birth: [...birthXs, x].map((bx, j) => ({ ts: T0 + j * 100, point: [bx, Y] as Point })),
          }
          : {}),
      }],
    }));
  });
  outs.push(judge.update({ ts: t0 + xs.length * 100, w: W, h: H, tracks: [], ended: [id] }));
  return { outs, passes: outs.flatMap((o) => o.passes) };
}

Deno.test("birth backfill: a crossing seen only while the track was tentative counts", () => {
  // Pre-stop line at x 169. Tentative at x 160 (before the line), confirmed at x 175 (after it).
  const xs = _ramp(175, 700, 15);
  const r = _born(new StopJudge("cam_t", ZONES as Zones, {}), [160], xs);
  assert.equal(r.passes.length, 1);
  assert.equal(r.passes[0].quality.direction, "pre_stop_line");
  assert.equal(r.passes[0].samples[0].cx, 160, "the tentative sample leads the approach");
  // Control: first seen at x 175 without its birth points, the crossing is unknown and only the
  // inferred rule judges it (direction "inferred", not "pre_stop_line").
  const none = _born(new StopJudge("cam_t", ZONES as Zones, {}), [], xs);
  assert.equal(none.passes[0].quality.direction, "inferred");
});

Deno.test("birth backfill: the zone entry dates from the first tentative sighting inside", () => {
  // Tentative at x 300 and 310 (inside from 307.2), confirmed at 320.
  const judge = new StopJudge("cam_t", ZONES as Zones, {});
  const r = _born(judge, [140, 155, 170, 185, 200, 215, 230, 245, 260, 275, 290, 300, 310], [
    ..._ramp(320, 700, 15),
  ]);
  assert.equal(r.passes.length, 1);
  assert.equal(r.passes[0].entered_at, T0 + 12 * 100, "backdated to x 310's frame");
});

Deno.test("refound: a frame the tracker re-found a track for after the fact is replayed as its sample", () => {
  // A car stands in the zone at x 400, then pulls away at 40 px per frame; the tracker misses it
  // at x 480 (its first frame outside the zone) and re-finds it at x 520 with the x 480 box
  // (bytetrack.ts pull-away at low processed rates).
  const xs = [..._ramp(100, 400, 20), ...Array(20).fill(400), ..._ramp(440, 700, 40)];
  const missed = xs.indexOf(480);
  const run = (refound: boolean) => {
    const judge = new StopJudge("cam_t", ZONES as Zones, {});
    const outs = xs.map((x, k) => {
      const track = (at: number) => ({
        id: 5,
        label: "car",
        center: [at, Y] as Point,
        box: [at - 50, Y - 30, 100, 60] as Box,
        speed_px_s: k === 0 || xs[k - 1] === x ? 0 : 400,
        conf: 0.9,
      });
      const tracks = k === missed ? [] : [{
        ...track(x),
        ...(refound && k === missed + 1
          ? { refound: [{ ts: T0 + missed * 100, point: [480, Y] as Point, box: track(480).box }] }
          : {}),
      }];
      return judge.update({ ts: T0 + k * 100, w: W, h: H, tracks });
    });
    outs.push(judge.update({ ts: T0 + xs.length * 100, w: W, h: H, tracks: [], ended: [5] }));
    const passes = outs.flatMap((o) => o.passes);
    assert.equal(passes.length, 1);
    return passes[0];
  };
  const p = run(true);
  assert.equal(p.exited_at, T0 + missed * 100, "the exit dates from the replayed sample");
  assert.ok(p.samples.some((s) => s.ts === T0 + missed * 100 && s.cx === 480));
  // Control: without it the exit dates from the frame after.
  assert.equal(run(false).exited_at, T0 + (missed + 1) * 100);
});

Deno.test("inferred direction: first seen between the pre-stop line and the zone, moving to it", () => {
  // First detected at x 200 (past the line at 169, before the zone at 307): judged, and said so.
  const r = _born(new StopJudge("cam_t", ZONES as Zones, {}), [], _ramp(200, 700, 15));
  assert.equal(r.passes.length, 1);
  assert.equal(r.passes[0].quality.direction, "inferred");
  assert.equal(r.passes[0].verdict, "no_stop");
  // Moving the other way from the same place (towards the line): not judged.
  const back = _born(new StopJudge("cam_t", ZONES as Zones, {}), [], _ramp(260, 100, -15));
  assert.equal(back.passes.length, 0);
  // Wrong-way traffic first seen beyond the zone, driving through it westbound: not judged.
  const west = _born(new StopJudge("cam_t", ZONES as Zones, {}), [], _ramp(700, 100, -15));
  assert.equal(west.passes.length, 0);
  // A vehicle first seen before the line still has to cross it (no inference needed or used).
  const before = _born(new StopJudge("cam_t", ZONES as Zones, {}), [], _ramp(100, 700, 15));
  assert.equal(before.passes[0].quality.direction, "pre_stop_line");
});

Deno.test("first seen inside the zone: not judged, and the phase info says why", () => {
  const judge = new StopJudge("cam_t", ZONES as Zones, {});
  const r = _born(judge, [], _ramp(330, 700, 15));
  assert.equal(r.passes.length, 0);
  // From the (debounced) entry on, 0.2 s in.
  const info = r.outs[3].phases.get(3)!;
  assert.equal(info.phase, null);
  assert.equal(info.unjudged, "first_seen_in_zone");
  // It is still said after the exit (the end event carries the last snapshot).
  assert.equal(r.outs[r.outs.length - 2].phases.get(3)!.unjudged, "first_seen_in_zone");
  // Without a pre-stop line too: a vehicle first seen inside has no approach to judge.
  const open = new StopJudge("cam_t", { stop_zone: ZONES.stop_zone } as Zones, {});
  assert.equal(_born(open, [], _ramp(330, 700, 15)).passes.length, 0);
  assert.equal(_born(open, [], _ramp(100, 700, 15), 4).passes.length, 1);
});

// ---- Calibrated cameras: road speeds in m/s (#12 item 4) ----

/** A top-down calibration: the whole 768x576 frame is `mPerPx` metres per pixel. */
function _calibration(mPerPx: number) {
  return {
    image: [[0, 0], [1, 0], [1, 1], [0, 1]] as [Point, Point, Point, Point],
    ground: [[0, 0], [768 * mPerPx, 0], [768 * mPerPx, 576 * mPerPx], [0, 576 * mPerPx]] as [
      Point,
      Point,
      Point,
      Point,
    ],
  };
}

/** Drive x positions at 10 fps, each a matched detection (its raw anchor, as the tracker gives). */
function _driveV(judge: StopJudge, xs: number[]) {
  const outs: JudgeOutput[] = [];
  xs.forEach((x, k) => {
    const vx = k === 0 ? (xs[1] - x) / 0.1 : (x - xs[k - 1]) / 0.1;
    outs.push(judge.update({
      ts: T0 + k * 100,
      w: W,
      h: H,
      tracks: [{
        id: 9,
        label: "car",
        center: [x, Y] as Point,
        box: [x - 50, Y - 30, 100, 60],
        speed_px_s: Math.abs(vx),
        rawAnchor: [x, Y] as Point,
        conf: 0.9,
      }],
    }));
  });
  outs.push(judge.update({ ts: T0 + xs.length * 100, w: W, h: H, tracks: [], ended: [9] }));
  return { outs, passes: outs.flatMap((o) => o.passes) };
}

Deno.test("calibrated: a far vehicle creeping at 1.5 m/s (5 px/s) is a rolling stop, not a full stop", () => {
  // 0.3 m per px (far away): 5 px/s is 1.5 m/s. 150 px/s approach, 3 s at 5 px/s in the zone.
  const xs = [..._ramp(100, 330, 15), ..._ramp(330, 345, 0.5), ..._ramp(345, 700, 15)];
  const px = _driveV(new StopJudge("cam_t", ZONES as Zones, {}), xs).passes;
  assert.equal(px[0].verdict, "full_stop", "in px/s, 5 px/s reads as stopped");
  assert.equal(px[0].min_speed_mps, null, "uncalibrated: m/s fields are null");
  assert.equal(px[0].entry_speed_mps, null);
  assert.equal(px[0].max_speed_mps, null);
  const judge = new StopJudge("cam_t", ZONES as Zones, {}, { calibration: _calibration(0.3) });
  const r = _driveV(judge, xs);
  assert.equal(r.passes.length, 1);
  const p = r.passes[0];
  assert.equal(p.verdict, "rolling_stop");
  assert.ok(Math.abs(p.min_speed_mps! - 1.5) < 0.01, `min ${p.min_speed_mps}`);
  assert.ok(Math.abs(p.max_speed_mps! - 45) < 0.01, `max ${p.max_speed_mps}`);
  assert.ok(Math.abs(p.entry_speed_mps! - 45) < 0.01, `entry ${p.entry_speed_mps}`);
  assert.equal(p.min_speed_px_s, 5, "px/s fields stay px/s");
  // The phase info carries the road speed for the tick.
  assert.ok(Math.abs(r.outs[20].phases.get(9)!.speed_mps! - 1.5) < 0.01);
});

Deno.test("calibrated: stop and rolling thresholds in m/s, full stop below stop_speed_mps", () => {
  // 0.02 m per px (near): a 10 px/s creep is 0.2 m/s, below the 0.5 m/s default: stopped. Braking
  // to it and pulling away take half a second each (an instant 3 -> 0.2 m/s step would make the
  // causal estimator's kink undershoot for one sample, as it does in px/s).
  const xs = [
    ..._ramp(100, 295, 15),
    ...[307, 317, 324, 329, 332],
    ..._ramp(333, 345, 1),
    ...[347, 351, 357, 365, 375],
    ..._ramp(385, 700, 15),
  ];
  const near = new StopJudge("cam_t", ZONES as Zones, {}, { calibration: _calibration(0.02) });
  assert.equal(_driveV(near, xs).passes[0].verdict, "full_stop");
  // With stop_speed_mps 0.1 the same creep is a rolling stop (0.2 <= rolling 3.0).
  const strict = new StopJudge("cam_t", ZONES as Zones, { stop_speed_mps: 0.1 }, {
    calibration: _calibration(0.02),
  });
  assert.equal(_driveV(strict, xs).passes[0].verdict, "rolling_stop");
  // Hot reload drops the calibration: px/s rules again (10 px/s <= 10 px/s: stopped).
  strict.setConfig(ZONES as Zones, {}, null);
  const again = _driveV(strict, xs).passes[0];
  assert.equal(again.verdict, "full_stop");
  assert.equal(again.min_speed_mps, null);
});

// ---- Through the whole zone between two samples (none inside) ----

/**
 * One car at 2.5 fps (a sample every 400 ms): x per frame, null where the tracker had no box
 * (the track absent). Every sample is a matched detection (`rawAnchor`); the speed is 600 px/s.
 */
function _drive400(judge: StopJudge, xs: (number | null)[], id = 11) {
  const outs: JudgeOutput[] = [];
  xs.forEach((x, k) => {
    outs.push(judge.update({
      ts: T0 + k * 400,
      w: W,
      h: H,
      tracks: x === null ? [] : [{
        id,
        label: "car",
        center: [x, Y] as Point,
        box: [x - 50, Y - 30, 100, 60],
        speed_px_s: 600,
        rawAnchor: [x, Y] as Point,
        conf: 0.9,
      }],
    }));
  });
  outs.push(judge.update({ ts: T0 + xs.length * 400, w: W, h: H, tracks: [], ended: [id] }));
  return { outs, passes: outs.flatMap((o) => o.passes) };
}

Deno.test("through the zone between samples with none inside: one no_stop pass, entry interpolated", () => {
  // 240 px per frame against the 153.6 px deep zone (x 307.2-460.8): x 280 is before it, x 520
  // past it (held-out scene s6_10: a 47 km/h van at 2.5 fps, 5.2 m per frame, a 3 m zone).
  const xs = [40, 280, 520, 760];
  const r = _drive400(new StopJudge("cam_t", ZONES as Zones, {}), xs);
  assert.equal(r.passes.length, 1);
  const p = r.passes[0];
  assert.equal(p.verdict, "no_stop");
  assert.equal(p.quality.direction, "pre_stop_line");
  assert.equal(p.quality.zone_samples, 0);
  // The move crosses x 307.2 at (307.2 - 280) / 240 of the 400 ms interval: 45.3 ms.
  assert.equal(p.entered_at, T0 + 400 + 45);
  assert.equal(p.exited_at, T0 + 800, "exited at the first sample past it");
  assert.equal(p.entry_speed_px_s, 600);
  assert.equal(p.min_speed_px_s, 600);
  // The phase follows: in the zone (exit pending) at x 520, leaving after.
  assert.equal(r.outs[2].phases.get(11)!.phase, "in_zone");
  assert.equal(r.outs[3].phases.get(11)!.phase, "leaving");

  // Calibrated (0.02 m per px: 600 px/s is 12 m/s): the road speeds at the interpolated entry.
  const cal = _drive400(
    new StopJudge("cam_t", ZONES as Zones, {}, { calibration: _calibration(0.02) }),
    xs,
  );
  assert.equal(cal.passes.length, 1);
  const c = cal.passes[0];
  assert.equal(c.verdict, "no_stop");
  for (const v of [c.entry_speed_mps, c.min_speed_mps, c.max_speed_mps]) {
    assert.ok(v !== null && Math.abs(v - 12) < 0.12, `m/s ${JSON.stringify(c)}`);
  }
});

Deno.test("through the zone between samples with none inside: what it does not judge", () => {
  const judge = () => new StopJudge("cam_t", ZONES as Zones, {});
  // A frame without a detection before the jump: the vehicle could have stopped in the zone
  // unseen, so a move over two frame intervals is not a visit.
  assert.equal(_drive400(judge(), [40, 200, null, 520, 760]).passes.length, 0);
  // Wrong way (westbound through the zone, away from the pre-stop line): not judged.
  assert.equal(_drive400(judge(), [760, 520, 280, 40]).passes.length, 0);
  // A move that stops short of the zone's far side is not through it.
  assert.equal(_drive400(judge(), [40, 280, 290, 280]).passes.length, 0);
  // First seen inside the zone, then past it: not judged (issue #12 item 2).
  assert.equal(_drive400(judge(), [400, 640]).passes.length, 0);
  // First seen between the line and the zone (x 250), then past it: no line crossing, as for
  // the pass-through with one sample inside (the inferred direction needs a zone entry).
  assert.equal(_drive400(judge(), [250, 490, 730]).passes.length, 0);
  // Control: the same frames from before the line make one pass.
  assert.equal(_drive400(judge(), [10, 250, 490, 730]).passes.length, 1);
});

Deno.test("calibrated: a box that stood 0.6 s while the vehicle rolled on at 1.88 m/s is no stop (road_stalls.ts)", () => {
  // 0.02 m per px: 9.4 px per 0.1 s is 1.88 m/s. In the zone (x 307-461) the box stands at x 345.6
  // for six frames, then catches up where the vehicle is (held-out s17_8 at 5 fps, in px here).
  const roll = _ramp(100, 700, 9.4);
  const k = roll.findIndex((x) => x >= 340);
  const held = roll.map((x, i) => (i > k && i <= k + 6 ? roll[k] : x));
  const judge = () =>
    new StopJudge("cam_t", ZONES as Zones, {}, { calibration: _calibration(0.02) });
  const p = _driveV(judge(), held).passes;
  assert.equal(p.length, 1);
  assert.equal(p[0].verdict, "rolling_stop");
  assert.equal(p[0].stop_duration_s, 0, "the held box is not a stop");
  assert.ok(Math.abs(p[0].min_speed_mps! / 1.88 - 1) < 0.1, `min ${p[0].min_speed_mps}`);
  // A real stop of the same length (the vehicle brakes to rest, stands, pulls away) stays one.
  const stop = [
    ..._ramp(100, 330, 9.4),
    ...[337, 342, 345, 346],
    ...Array(8).fill(346),
    ...[347, 350, 355, 362],
    ..._ramp(371, 700, 9.4),
  ];
  const q = _driveV(judge(), stop).passes;
  assert.equal(q.length, 1);
  assert.ok(q[0].stop_duration_s > 0.5, `stop ${q[0].stop_duration_s}`);
});
