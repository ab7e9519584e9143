/**
 * Cameras per box (issue #16 §2): how many live 10 fps cameras one analyzer process keeps up with,
 * with motion-gated detection and with a detection on every frame, at 768x576 and 1280x720.
 *
 * Each camera is the real analyzer pipeline (decode Worker + ffmpeg, the inference pool, tracking
 * and the stop judge; a sink that only counts) on a looped synthetic street read at its native
 * rate (`ffmpeg -re`, like a camera): the vtest plate (its parked van and car) with one more
 * parked van, a van that drives through the stop zone every 45 s (one full stop, one rolling
 * stop), and three people cut from vtest walking — two along the far pavement, one crossing the
 * road. Cameras play the clip from different offsets, so their vans do not all arrive at once.
 *
 * For N = each of --n, per mode (gated first, `detect.motion_gating` set explicitly both ways):
 * start N cameras, warm up, then measure for --seconds: dropped frames (the decode worker's
 * latest-frame slot replaced before the pipeline took it, plus frames lost to a crashed inference
 * worker) over frames, capture -> tick p95 over every tick (gated ticks included), CPU of the
 * process and its ffmpeg children per camera, the share of frames detected, and the stage profile
 * of the detected frames (analyzer/pipeline/stage_timings.ts). A mode stops at its first N that
 * fails (>= 1 % dropped or p95 >= 200 ms); the largest N that passed is the answer.
 *
 * Then the CPU a camera costs, independent of how loaded the box is: each mode runs offline (every
 * frame, as fast as the box allows) over the whole 90 s clip on one worker with one thread, and
 * CPU ms per frame (process + ffmpeg) gives the 10 fps cameras 2 cores could carry at 100 % and at
 * 70 % (the headroom docs/SCALING.md plans with).
 *
 * `--sizing`: instead, workers x threads compared: 2 cameras offline at once over the first 30 s,
 * always-detect: frames per second of the two together and CPU ms per frame.
 *
 * Run: deno run -A bench/cameras_per_box.ts [--n 1,2,4,6,8,10,12] [--seconds 20] [--warmup 6]
 *        [--sizes 768x576,1280x720] [--modes gated,always] [--workers W --threads T]
 *        [--no-offline | --offline-only] | [--sizing]
 */
import { parseArgs } from "node:util";
import { validateConfig } from "../shared/config.ts";
import { ffmpegPath } from "../shared/ffmpeg_path.ts";
import { exists } from "../shared/fs.ts";
import { InferencePool, inferenceSizing } from "../analyzer/detector/inference_pool.ts";
import { ensureNanodetOnnx } from "../analyzer/model/nanodet_model.ts";
import { CameraPipeline } from "../analyzer/pipeline/camera_pipeline.ts";
import type { PipelineSink } from "../analyzer/pipeline/sink.ts";
import { type Stage, STAGES } from "../analyzer/pipeline/stage_timings.ts";
import { resolveFilePath } from "../analyzer/sources.ts";
import {
  DEFAULT_BACKGROUND,
  drive,
  type Keyframe,
  readImage,
  renderScene,
  resolvePath,
  type SceneSpec,
  writePng,
  ZONES,
} from "../dev/testing/scenes/mod.ts";
import { cpuSeconds, descendants, machine, percentile, table } from "./_util.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    n: { type: "string", default: "1,2,4,6,8,10,12" },
    seconds: { type: "string", default: "20" },
    warmup: { type: "string", default: "6" },
    sizes: { type: "string", default: "768x576,1280x720" },
    modes: { type: "string", default: "gated,always" },
    workers: { type: "string" },
    threads: { type: "string" },
    sizing: { type: "boolean", default: false },
    "no-offline": { type: "boolean", default: false },
    "offline-only": { type: "boolean", default: false },
  },
});
const counts = values.n.split(",").map(Number);
const seconds = Number(values.seconds);
const warmup = Number(values.warmup);
const sizes = values.sizes.split(",").map((s) => s.split("x").map(Number) as [number, number]);
const modes = values.modes.split(",") as ("gated" | "always")[];
const FPS = 10;
const CLIP_S = 90;
/** Clips rotated by this many offsets: camera i plays rotation i % ROTATIONS. */
const ROTATIONS = 6;
const MAX_DROPPED = 0.01;
const MAX_P95_MS = 200;

const dir = resolveFilePath(".data/bench/cameras_per_box");
await Deno.mkdir(dir, { recursive: true });
const ff = await ffmpegPath();
const modelPath = await ensureNanodetOnnx(resolveFilePath(".data/models"));

/**
 * A person cut from vtest (the frame at 20 s against the median plate, which has no people): the
 * pixels that differ from the plate, in the box around the person at (234, 228).
 */
async function _personSprite(): Promise<string> {
  const out = `${dir}/person.png`;
  if (await exists(out)) return out;
  const at20 = await new Deno.Command(ff, {
    args: ["-v", "error", "-ss", "20", "-i", resolveFilePath("samples/vtest.mp4")]
      .concat(["-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]),
  }).output();
  const frame = { width: 768, data: at20.stdout };
  const plate = await readImage(resolvePath(DEFAULT_BACKGROUND), 3, { ffmpeg: ff });
  const [x0, y0, w, h] = [210, 180, 48, 100];
  const rgba = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const s = ((y0 + y) * frame.width + x0 + x) * 3;
      const diff = Math.abs(frame.data[s] - plate.data[s]) +
        Math.abs(frame.data[s + 1] - plate.data[s + 1]) +
        Math.abs(frame.data[s + 2] - plate.data[s + 2]);
      const d = (y * w + x) * 4;
      rgba.set(frame.data.subarray(s, s + 3), d);
      rgba[d + 3] = diff > 60 ? 255 : diff > 30 ? 128 : 0;
    }
  }
  await writePng(out, { width: w, height: h, channels: 4, data: rgba }, { ffmpeg: ff });
  return out;
}

/** The street of the module comment, at w x h (positions drawn for 768x576 and scaled). */
function _street(w: number, h: number, person: string): SceneSpec {
  const sx = w / 768, sy = h / 576, k = sy; // sprites scale with the height
  const at = (p: Keyframe[]) => p.map((q) => ({ ...q, x: q.x * sx, y: q.y * sy, scale: k }));
  const still = (x: number, y: number) => at([{ t: 0, x, y }, { t: CLIP_S, x, y }]);
  const passes = [
    // A full stop at t 5..17, a rolling stop at t 50..61 (45 s apart).
    drive({ t: 5, x: -126, y: 230 }, [
      { cruise: 150, dur: 2.4 },
      { ramp: [150, 0], dur: 2 },
      { hold: 3 },
      { ramp: [0, 180], dur: 2 },
      { cruise: 180, dur: 2.6 },
    ]),
    drive({ t: 50, x: -116, y: 230 }, [
      { cruise: 150, dur: 2 },
      { ramp: [150, 25], dur: 2 },
      { cruise: 25, dur: 2 },
      { ramp: [25, 180], dur: 2 },
      { cruise: 180, dur: 3 },
    ]),
  ];
  return {
    name: `street_${w}x${h}`,
    width: w,
    height: h,
    fps: FPS,
    duration: CLIP_S,
    zones: ZONES,
    anchor: "bottom_center",
    vehicles: [
      { id: "parked", path: still(640, 470) },
      ...passes.map((p, i) => ({ id: `van${i}`, path: at(p) })),
      // Walkers at ~1.3 m/s (the 216 px van is ~5 m: ~57 px/s), smaller (farther) on the far
      // pavement above the approach area, and one crossing the road through it.
      ...[0, 30, 60].map((t0, i) => ({
        id: `pavement${i}`,
        sprite: person,
        label: "person",
        flip: i % 2 === 1,
        path: at(
          drive({ t: t0, x: i % 2 ? 800 : -30, y: 38 }, [{ cruise: 57, dur: 15 }], {
            dir: [i % 2 ? -1 : 1, 0],
          }),
        ).map((q) => ({ ...q, scale: 0.75 * k })),
      })),
      {
        id: "crossing",
        sprite: person,
        label: "person",
        path: at(drive({ t: 30, x: 120, y: -50 }, [{ cruise: 57, dur: 12 }], { dir: [0, 1] })),
      },
    ],
  };
}

/** The street clip at w x h and its rotations (stream copies starting at other keyframes). */
async function _clips(w: number, h: number, person: string): Promise<string[]> {
  const base = `${dir}/street_${w}x${h}.mp4`;
  if (!(await exists(base))) {
    await renderScene(_street(w, h, person), base, {
      ffmpeg: ff,
      preset: "veryfast",
      truthPath: false,
    });
  }
  const out: string[] = [];
  for (let r = 0; r < ROTATIONS; r++) {
    const offset = Math.round((r * CLIP_S) / ROTATIONS); // whole seconds: keyframes (GOP = fps)
    if (offset === 0) {
      out.push(base);
      continue;
    }
    const path = `${dir}/street_${w}x${h}_r${r}.mp4`;
    out.push(path);
    if (await exists(path)) continue;
    const list = `${dir}/rot_${w}x${h}_${r}.txt`;
    await Deno.writeTextFile(
      list,
      `file '${base}'\ninpoint ${offset}\nfile '${base}'\noutpoint ${offset}\n`,
    );
    const res = await new Deno.Command(ff, {
      args: ["-v", "error", "-y", "-f", "concat", "-safe", "0", "-i", list, "-c", "copy", path],
    }).output();
    if (!res.success) throw new Error(new TextDecoder().decode(res.stderr));
  }
  return out;
}

/** Counts ticks and their capture -> tick latency after `from` (ms since the epoch). */
class CountingSink implements PipelineSink {
  from = Infinity;
  latencies: number[] = [];
  tick(_camera: string, text: string): void {
    const now = Date.now();
    if (now < this.from) return;
    this.latencies.push(now - (JSON.parse(text) as { ts: number }).ts);
  }
  trackEvent(): void {}
  samples(): void {}
  pass(): Promise<void> {
    return Promise.resolve();
  }
}

interface Step {
  n: number;
  dropped: number;
  fps: number;
  p50: number;
  p95: number;
  cpuPerCam: number;
  detected: number;
  stages: Record<Stage, number>;
  ok: boolean;
}

/** Every process under this one (ffmpeg decoders): CPU seconds, by pid. */
function _childCpu(): Map<number, number> {
  const m = new Map<number, number>();
  for (const pid of descendants(Deno.pid)) {
    try {
      m.set(pid, cpuSeconds(pid, false));
    } catch { /* exited */ }
  }
  return m;
}

async function _step(
  pool: InferencePool,
  clips: string[],
  n: number,
  gated: boolean,
): Promise<Step> {
  const sink = new CountingSink();
  const cameras = Array.from({ length: n }, (_, i) => {
    const id = `cam${i}`;
    const cfg = validateConfig({
      cameras: {
        [id]: {
          source: clips[i % clips.length],
          zones: ZONES,
          detect: { fps: FPS, min_conf: 0.4, motion_gating: gated },
        },
      },
    }).cameras[id];
    return new CameraPipeline(id, cfg, { source: cfg.source, loop: true, realtime: true }, {
      detector: pool.forCamera(id),
      sink,
      live: true,
    });
  });
  const running = cameras.map((c) => c.start());
  await new Promise((r) => setTimeout(r, warmup * 1000));
  const snap = () =>
    cameras.map((c) => ({
      dropped: c.stats.dropped,
      frames: c.stats.frames,
      det: c.stats.detectedFrames,
    }));
  const s0 = snap();
  const cpu0 = cpuSeconds("self", false), kids0 = _childCpu();
  const t0 = performance.now();
  sink.from = Date.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const s1 = snap();
  const wall = (performance.now() - t0) / 1000;
  const kids1 = _childCpu();
  let kidCpu = 0;
  for (const [pid, c] of kids1) kidCpu += c - (kids0.get(pid) ?? 0);
  const cpu = cpuSeconds("self", false) - cpu0 + kidCpu;
  sink.from = Infinity;
  const stages = Object.fromEntries(
    STAGES.map((st) => [
      st,
      cameras.reduce((sum, c) => sum + (c.timings.count ? c.timings.quantiles(st)[0.95] : 0), 0) /
      n,
    ]),
  ) as Record<Stage, number>;
  await Promise.all(cameras.map((c) => c.stop()));
  await Promise.all(running);
  for (const c of cameras) pool.release(c.camera);
  const d = s1.reduce((sum, s, i) => sum + s.dropped - s0[i].dropped, 0);
  const f = s1.reduce((sum, s, i) => sum + s.frames - s0[i].frames, 0);
  const det = s1.reduce((sum, s, i) => sum + s.det - s0[i].det, 0);
  const dropped = d / Math.max(1, d + f);
  const p95 = percentile(sink.latencies, 95);
  return {
    n,
    dropped,
    fps: f / wall / n,
    p50: percentile(sink.latencies, 50),
    p95,
    cpuPerCam: cpu / wall / n,
    detected: det / Math.max(1, f),
    stages,
    ok: dropped < MAX_DROPPED && p95 < MAX_P95_MS && f > 0,
  };
}

const _pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const load = () => Deno.loadavg().map((x) => x.toFixed(2)).join(" ");

function _row(size: string, mode: string, s: Step): (string | number)[] {
  return [
    size,
    mode,
    s.n,
    s.fps.toFixed(2),
    _pct(s.dropped),
    s.p50.toFixed(0),
    s.p95.toFixed(0),
    _pct(s.cpuPerCam),
    _pct(s.detected),
    ...(["decoded_to_pipeline", "detect_wait", "infer", "analyze"] as const).map((st) =>
      s.stages[st].toFixed(0)
    ),
    s.ok ? "yes" : "no",
    load(),
  ];
}

const HEADER = [
  "stream",
  "detection",
  "cameras",
  "fps/camera",
  "dropped",
  "capture->tick p50 ms",
  "p95 ms",
  "CPU/camera (of 1 core)",
  "frames detected",
  "p95 decoded->pipeline",
  "p95 detect wait",
  "p95 infer",
  "p95 analyze",
  "meets target",
  "load 1/5/15 min",
];

/** CPU seconds of each thread of this process, by thread id, and its name. */
function _threadCpu(): Map<number, { name: string; cpu: number }> {
  const m = new Map<number, { name: string; cpu: number }>();
  for (const e of Deno.readDirSync("/proc/self/task")) {
    try {
      const stat = Deno.readTextFileSync(`/proc/self/task/${e.name}/stat`);
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      m.set(Number(e.name), { name, cpu: (Number(f[11]) + Number(f[12])) / 100 });
    } catch { /* exited */ }
  }
  return m;
}

/**
 * Offline: `cameras` pipelines at once over `clip` (lossless, as fast as the box allows) on `pool`;
 * frames, wall time, CPU (process + ffmpeg children) and frames detected.
 */
async function _offline(
  pool: InferencePool,
  clips: string[],
  gated: boolean,
): Promise<
  {
    frames: number;
    wall: number;
    cpu: number;
    ffmpegCpu: number;
    mainCpu: number;
    detected: number;
  }
> {
  const sink = new CountingSink();
  // The main thread's CPU (motion, tracking, judging, frame hand-offs) apart from the rest of the
  // process (the workers' threads, ONNX Runtime's, V8's).
  const before = _threadCpu();
  const cameras = clips.map((clip, i) => {
    const id = `off${i}`;
    const cfg = validateConfig({
      cameras: {
        [id]: {
          source: clip,
          zones: ZONES,
          detect: { fps: FPS, min_conf: 0.4, motion_gating: gated },
        },
      },
    }).cameras[id];
    return new CameraPipeline(id, cfg, { source: clip }, {
      detector: pool.forCamera(id),
      sink,
      live: false,
    });
  });
  // The decode workers wait for their ffmpeg: its CPU is in this process's children's time once
  // the file has ended.
  const cpu0 = cpuSeconds("self", true), own0 = cpuSeconds("self", false);
  const t0 = performance.now();
  await Promise.all(cameras.map((c) => c.start()));
  const wall = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds("self", true) - cpu0;
  const ffmpegCpu = cpu - (cpuSeconds("self", false) - own0);
  const after = _threadCpu();
  const delta = (tid: number) => (after.get(tid)?.cpu ?? 0) - (before.get(tid)?.cpu ?? 0);
  const mainCpu = delta(Deno.pid);
  for (const c of cameras) pool.release(c.camera);
  return {
    frames: cameras.reduce((n, c) => n + c.stats.frames, 0),
    wall,
    cpu,
    ffmpegCpu,
    mainCpu,
    detected: cameras.reduce((n, c) => n + c.stats.detectedFrames, 0),
  };
}

/** The first `s` seconds of a clip (stream copy). */
async function _head(clip: string, s: number): Promise<string> {
  const out = clip.replace(/\.mp4$/, `_${s}s.mp4`);
  if (await exists(out)) return out;
  const r = await new Deno.Command(ff, {
    args: ["-v", "error", "-y", "-i", clip, "-t", String(s), "-c", "copy", out],
  }).output();
  if (!r.success) throw new Error(new TextDecoder().decode(r.stderr));
  return out;
}

const person = await _personSprite();
const start = Date.now();
const cores = navigator.hardwareConcurrency;

if (values.sizing) {
  const [w, h] = sizes[0];
  const clips = await _clips(w, h, person);
  const two = [await _head(clips[0], 30), await _head(clips[3], 30)];
  const rows: (string | number)[][] = [];
  for (const [workers, threads] of [[1, 2], [2, 1], [2, 2], [1, 1]]) {
    const pool = new InferencePool(modelPath, { workers, threads });
    await pool.ready();
    const r = await _offline(pool, two, false);
    pool.close();
    rows.push([
      `${workers} x ${threads}`,
      `${w}x${h}`,
      r.frames,
      (r.frames / r.wall).toFixed(1),
      (r.cpu / r.frames * 1000).toFixed(1),
      `${((r.cpu / r.wall) * 100).toFixed(0)}%`,
      load(),
    ]);
    console.error(rows.at(-1)!.join(" | "));
  }
  table(`Inference workers x threads: 2 cameras offline, always-detect (${machine()})`, [
    "workers x threads",
    "stream",
    "frames",
    "fps (both cameras)",
    "CPU ms/frame",
    "CPU (of 1 core)",
    "load 1/5/15 min",
  ], rows);
} else {
  const sizing = inferenceSizing((k) =>
    ({ INFER_WORKERS: values.workers, INFER_THREADS: values.threads })[k]
  );
  const pool = new InferencePool(modelPath, sizing);
  await pool.ready();
  const rows: (string | number)[][] = [];
  const best: string[] = [];
  for (const [w, h] of values["offline-only"] ? [] : sizes) {
    const clips = await _clips(w, h, person);
    for (const mode of modes) {
      let largest = 0;
      for (const n of counts) {
        const s = await _step(pool, clips, n, mode === "gated");
        rows.push(_row(`${w}x${h}`, mode, s));
        console.error(`${w}x${h} ${mode} N=${n}: ${rows.at(-1)!.join(" | ")}`);
        if (!s.ok) break;
        largest = n;
      }
      best.push(`${w}x${h} ${mode}: ${largest} cameras`);
    }
  }
  pool.close();
  if (rows.length) {
    table(
      `Cameras per box, live, 10 fps, ${sizing.workers} inference workers x ${sizing.threads} threads (${machine()})`,
      HEADER,
      rows,
    );
    console.log(`\nLargest N with < 1 % dropped and p95 < 200 ms:\n- ${best.join("\n- ")}`);
  }
  if (!values["no-offline"]) {
    const one = new InferencePool(modelPath, { workers: 1, threads: 1 });
    await one.ready();
    const cpuRows: (string | number)[][] = [];
    for (const [w, h] of sizes) {
      const [clip] = await _clips(w, h, person);
      for (const mode of modes) {
        const r = await _offline(one, [clip], mode === "gated");
        const msPerFrame = (r.cpu / r.frames) * 1000;
        const perCamera = (msPerFrame * FPS) / 1000; // cores one 10 fps camera keeps busy
        const per = (x: number) => (x / r.frames) * 1000;
        const [ffMs, mainMs] = [per(r.ffmpegCpu), per(r.mainCpu)];
        cpuRows.push([
          `${w}x${h}`,
          mode,
          r.frames,
          `${((r.detected / r.frames) * 100).toFixed(1)}%`,
          msPerFrame.toFixed(1),
          ffMs.toFixed(1),
          mainMs.toFixed(1),
          (msPerFrame - ffMs - mainMs).toFixed(1),
          `${(perCamera * 100).toFixed(0)}%`,
          (cores / perCamera).toFixed(1),
          ((0.7 * cores) / perCamera).toFixed(1),
          load(),
        ]);
        console.error(cpuRows.at(-1)!.join(" | "));
      }
    }
    one.close();
    table(`CPU per camera, offline over the whole clip, 1 worker x 1 thread (${machine()})`, [
      "stream",
      "detection",
      "frames",
      "frames detected",
      "CPU ms/frame",
      "ffmpeg decode",
      "main thread (motion, tracking, judge)",
      "other threads (inference, decode worker, V8)",
      "CPU per 10 fps camera (of 1 core)",
      `10 fps cameras on ${cores} cores at 100 %`,
      "at 70 %",
      "load 1/5/15 min",
    ], cpuRows);
  }
}
console.log(`\n(${((Date.now() - start) / 1000).toFixed(0)} s)`);
