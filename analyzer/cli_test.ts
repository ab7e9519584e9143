import assert from "node:assert/strict";
import { parseConfigYaml } from "../shared/config.ts";
import { PassEventSchema } from "../shared/events.ts";
import { mp4Facts } from "./capture/clip_recording.ts";
import { analyzeFile } from "./cli.ts";
import { ensureNanodetOnnx } from "./model/nanodet_model.ts";
import type { FrameDetector } from "./pipeline/serial_detector.ts";
import { resolveFilePath } from "./sources.ts";
import { PERSPECTIVE_SCENES, renderScene } from "../dev/testing/scenes/mod.ts";

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
  // Every detected frame went through the slow detector (not a wall-clock comparison: on a loaded
  // 2-core machine the fast run's own time varies by more than the delay adds); motion gating
  // decides on the frames alone, so both runs detect the same ones. Detection regions are
  // detector calls too: one per detected frame plus one per region.
  assert.ok(slowed > 0, "the slow detector ran");
  assert.equal(
    slowed,
    slow.summary.detected_frames + slow.summary.region_inferences,
    "the slow run waited 40 ms on every detection",
  );
  assert.equal(slow.summary.detected_frames, fast.summary.detected_frames);
  assert.equal(fast.summary.frames, 120, "every frame of the 12 s, 10 fps scene");
  assert.equal(slow.summary.frames, 120);
  assert.deepEqual(slow.lines, fast.lines);
  // Every track that was announced is ended, the ones still held when the file ends included.
  const trackEvents = fast.lines.map((l) => JSON.parse(l)).filter((e) => e.type === "track_event");
  const idsOf = (kind: string) =>
    trackEvents.filter((e) => e.event === kind).map((e) => (e.after ?? e.before).id).sort();
  assert.ok(idsOf("new").length > 0, "the van's track was announced");
  assert.deepEqual(idsOf("end"), idsOf("new"), "one end event per new track");
  const pass = JSON.parse(fast.lines.find((l) => l.includes('"type":"pass"'))!);
  assert.equal(pass.verdict, "full_stop");
  assert.equal(
    pass.entered_at,
    Date.parse("2026-11-21T08:00:03.000Z"),
    "capture time from --start + PTS (the truth's entry, 3.0 s)",
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
  // The van's anchor enters the zone at 3.0 s while braking from 150 to 0 px/s at 75 px/s^2:
  // 105 px/s then (samples/scenes/full_stop.truth.json), 2.1 m/s here; it stops: min ~0.
  assert.ok(Math.abs(p.entry_speed_mps - 2.1) <= 0.21, `entry ${p.entry_speed_mps}`);
  assert.ok(p.min_speed_mps < 0.1, `min ${p.min_speed_mps}`);
  assert.ok(p.max_speed_mps >= p.entry_speed_mps, `max ${p.max_speed_mps}`);
  const tracked = ticks.flatMap((t) => t.tracks).filter((t) => t.speed_px_s != null);
  assert.ok(tracked.length > 50);
  assert.ok(tracked.every((t) => typeof t.speed_mps === "number"), "every tick track has m/s");
  // Ticks: the road estimator (raw anchors in metres) and the px/s one (smoothed anchors) agree
  // through this linear calibration on the moving van.
  const ratios = tracked.filter((t) => t.speed_px_s! > 30).map((t) =>
    t.speed_mps! / (t.speed_px_s! * 0.02)
  ).sort((a, b) => a - b);
  assert.ok(ratios.length > 20);
  const median = ratios[ratios.length >> 1];
  assert.ok(Math.abs(median - 1) < 0.1, `median m/s : px/s ratio ${median}`);
});

Deno.test("deno task analyze --events on a perspective clip with the issue's calibration keys: m/s within 10 %", async () => {
  // A van 5 m below a pinhole camera slows from 8 to 1.5 m/s and rolls through the zone at
  // 1.5 m/s (dev/testing/scenes/perspective_catalog.ts): entry, min and max are all 1.5 m/s.
  const spec = PERSPECTIVE_SCENES.persp_rolling_stop;
  const dir = await Deno.makeTempDir({ prefix: "stopline-cli-persp-" });
  try {
    const video = `${dir}/clip.mp4`;
    const { truth } = await renderScene(spec, video, { truthPath: false });
    const pt = (p: readonly number[]) => `[${p.join(", ")}]`;
    const z = spec.zones!;
    // Only what the scene's config gives (zones, calibration, m/s thresholds, units);
    // everything else default.
    const yaml = `units: metric
cameras:
  cam:
    source: ${video}
    zones:
      stop_zone: [${z.stop_zone.map(pt).join(", ")}]
      pre_stop_line: [${z.pre_stop_line!.map(pt).join(", ")}]
    calibration:
      image: [${spec.calibration!.image.map(pt).join(", ")}]
      ground: [${spec.calibration!.ground.map(pt).join(", ")}]
    stop:
      stop_speed_mps: 0.5
      rolling_speed_mps: 3.0
`;
    await Deno.writeTextFile(`${dir}/config.yaml`, yaml);
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "task",
        "-q",
        "analyze",
        "--source",
        video,
        "--config",
        `${dir}/config.yaml`,
        "--events",
      ],
      cwd: resolveFilePath("."),
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const passes = text.split("\n").filter((l) => l.includes('"type":"pass"')).map((l) =>
      JSON.parse(l)
    );
    const exp = truth.vehicles[0].expected;
    assert.equal(passes.length, 1, text);
    const p = passes[0];
    assert.equal(p.verdict, exp.verdict);
    for (const key of ["entry_speed_mps", "min_speed_mps"] as const) {
      assert.ok(Math.abs(p[key] - 1.5) <= 0.15, `${key} ${p[key]} vs 1.5 m/s`);
    }
    // The maximum reads up to 11 % high here: near the zone's exit NanoDet's box bottom rises
    // from 0.2 m to 0.07 m beyond the van's ground contact within 0.9 s (measured), which the
    // road positions show as 1.6 m/s. Within 15 %.
    assert.ok(
      p.max_speed_mps >= p.entry_speed_mps && p.max_speed_mps <= 1.5 * 1.15,
      `max ${p.max_speed_mps}`,
    );
    assert.ok(Math.abs(exp.entry_speed_mps! - 1.5) < 1e-6 && exp.min_speed_mps === 1.5);
  } finally {
    await Deno.remove(dir, { recursive: true });
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
