import assert from "node:assert/strict";
import { parseConfigYaml } from "../shared/config.ts";
import { PassEventSchema } from "../shared/events.ts";
import { mp4Facts } from "./capture/clip_recording.ts";
import { analyzeFile } from "./cli.ts";
import { ensureNanodetOnnx } from "./model/nanodet_model.ts";
import type { FrameDetector } from "./pipeline/serial_detector.ts";
import { resolveFilePath } from "./sources.ts";

const SCENE = resolveFilePath("samples/scenes/full_stop.mp4");

async function _run(
  wrapDetector?: (d: FrameDetector) => FrameDetector,
  extraYaml = "",
  onTick?: (t: string) => void,
) {
  const cfg = parseConfigYaml(
    await Deno.readTextFile(resolveFilePath("config/scenes.yaml")) + extraYaml,
  );
  const lines: string[] = [];
  const objectsDir = await Deno.makeTempDir();
  const summary = await analyzeFile({
    onTick,
    source: SCENE,
    camera: cfg.cameras.scene,
    cameraId: "scene",
    modelPath: await ensureNanodetOnnx(resolveFilePath(".data/models")),
    anchorMs: Date.parse("2026-11-21T08:00:00Z"),
    objectsDir,
    events: true,
    write: (l) => void lines.push(l),
    wrapDetector,
  });
  await Deno.remove(objectsDir, { recursive: true });
  return { lines, summary };
}

Deno.test("offline results are identical whatever the processing speed", async () => {
  const fast = await _run();
  let slowed = 0;
  const slow = await _run((d) => ({
    detect: async (frame, opts) => {
      await new Promise((r) => setTimeout(r, 40)); // a machine ~2x slower than this one
      slowed++;
      return d.detect(frame, opts);
    },
  }));
  // Every frame went through the slow detector (not a wall-clock comparison: on a loaded 2-core
  // machine the fast run's own time varies by more than the 4.8 s the delay adds).
  // (Detection regions are detector calls too: one per frame plus one per region.)
  assert.equal(
    slowed,
    120 + slow.summary.region_inferences,
    "the slow run waited 40 ms on every frame",
  );
  assert.equal(fast.summary.frames, 120, "every frame of the 12 s, 10 fps scene");
  assert.equal(slow.summary.frames, 120);
  assert.deepEqual(slow.lines, fast.lines);
  const pass = JSON.parse(fast.lines.find((l) => l.includes('"type":"pass"'))!);
  assert.equal(pass.verdict, "full_stop");
  assert.equal(
    pass.entered_at,
    Date.parse("2026-11-21T08:00:03.100Z"),
    "capture time from --start + PTS",
  );
});

Deno.test("calibrated camera: passes and ticks carry road speeds in m/s", async () => {
  // A top-down calibration of the whole 768x576 frame at 0.02 m per px: m/s = px/s * 0.02.
  const calibration = `    calibration:
      image: [[0, 0], [1, 0], [1, 1], [0, 1]]
      ground: [[0, 0], [15.36, 0], [15.36, 11.52], [0, 11.52]]
`;
  const ticks: { tracks: { speed_px_s?: number; speed_mps?: number }[] }[] = [];
  const plain = await _run();
  const cal = await _run(undefined, calibration, (t) => void ticks.push(JSON.parse(t)));
  const passOf = (r: { lines: string[] }) =>
    JSON.parse(r.lines.find((l) => l.includes('"type":"pass"'))!);
  const p0 = passOf(plain), p = passOf(cal);
  assert.equal(p0.entry_speed_mps, null, "uncalibrated: null");
  assert.equal(p0.min_speed_mps, null);
  assert.equal(p0.max_speed_mps, null);
  assert.equal(p.verdict, "full_stop", "0.5 m/s = 25 px/s here: still a full stop");
  // The van enters at ~100 px/s (braking from 150 to 0): ~2 m/s; it stops: min ~0.
  assert.ok(Math.abs(p.entry_speed_mps - p.entry_speed_px_s * 0.02) < 0.05, JSON.stringify(p));
  assert.ok(p.min_speed_mps < 0.1, `min ${p.min_speed_mps}`);
  assert.ok(p.max_speed_mps >= p.entry_speed_mps, `max ${p.max_speed_mps}`);
  const tracked = ticks.flatMap((t) => t.tracks).filter((t) => t.speed_px_s != null);
  assert.ok(tracked.length > 50);
  for (const t of tracked) {
    assert.ok(Math.abs(t.speed_mps! - t.speed_px_s! * 0.02) < 0.02, JSON.stringify(t));
  }
});

Deno.test("the CLI exits non-zero with a one-line reason on bad input", async () => {
  const run = async (...args: string[]) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", resolveFilePath("analyzer/cli.ts"), ...args],
      stdout: "piped",
      stderr: "piped",
    }).output();
    return { code: out.code, err: new TextDecoder().decode(out.stderr).trim() };
  };
  const missing = await run("--source", "/nope.mp4");
  assert.equal(missing.code, 2);
  assert.match(missing.err, /^analyze: --source \/nope\.mp4: no such file$/);
  const noCam = await run(
    "--source",
    SCENE,
    "--config",
    resolveFilePath("config/scenes.yaml"),
    "--camera",
    "x",
  );
  assert.equal(noCam.code, 2);
  assert.match(noCam.err, /--camera x is not in .*cameras: scene/);
  const bad = await Deno.makeTempFile({ suffix: ".yaml" });
  await Deno.writeTextFile(bad, "cameras:\n  c:\n    source: 5\n");
  const badCfg = await run("--source", SCENE, "--config", bad);
  assert.equal(badCfg.code, 2);
  assert.match(badCfg.err, /^analyze: bad config: cameras\.c\.source:/);
  assert.equal(badCfg.err.split("\n").length, 1);
  await Deno.remove(bad);
  const unknownFlag = await run("--sauce", SCENE);
  assert.notEqual(unknownFlag.code, 0);
});

Deno.test("--clips: every pass gets an H.264 clip from the source file, from the keyframe before its pre-roll", async () => {
  const cfg = parseConfigYaml(await Deno.readTextFile(resolveFilePath("config/scenes.yaml")));
  const lines: string[] = [];
  const objectsDir = await Deno.makeTempDir();
  const anchorMs = Date.parse("2026-11-21T08:00:00Z");
  try {
    await analyzeFile({
      source: SCENE,
      camera: cfg.cameras.scene,
      cameraId: "scene",
      modelPath: await ensureNanodetOnnx(resolveFilePath(".data/models")),
      anchorMs,
      objectsDir,
      events: false,
      clips: true,
      write: (l) => void lines.push(l),
    });
    const passes = lines.map((l) => JSON.parse(l)).filter((o) => o.type === "pass");
    assert.ok(passes.length > 0);
    for (const p of passes) {
      PassEventSchema.shape.pass.parse(p);
      assert.ok(p.clip_url.startsWith(objectsDir), p.clip_url);
      // Keyframes every second in the scene: the clip starts at the one before entry - 3 s.
      const from = p.entered_at - 3000;
      assert.ok(p.clip_start <= from && p.clip_start > from - 1000, `${p.clip_start - from}`);
      assert.equal((p.clip_start - anchorMs) % 1000, 0);
      // To exit + 3 s, or the file's end (12 s).
      const end = Math.min(p.exited_at + 3000, anchorMs + 12_000);
      assert.ok(Math.abs(p.clip_start + p.clip_duration_s * 1000 - end) <= 110);
      const facts = await mp4Facts(p.clip_url);
      assert.equal(facts.codec, "h264");
      assert.ok(Math.abs(facts.durationS - p.clip_duration_s) < 0.01);
    }
  } finally {
    await Deno.remove(objectsDir, { recursive: true });
  }
});
