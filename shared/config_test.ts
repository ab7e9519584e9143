import assert from "node:assert/strict";
import { ConfigError, parseConfigYaml, redactSource } from "./config.ts";

Deno.test("the bundled dev config is valid", async () => {
  const text = await Deno.readTextFile(new URL("../config/stopline.yaml", import.meta.url));
  const cfg = parseConfigYaml(text);
  assert.ok(cfg.cameras.cam_01);
  assert.equal(cfg.cameras.cam_01.loop, true);
});

Deno.test("invalid config is rejected with the path of every bad field", () => {
  const bad = `
cameras:
  cam_01:
    source: x.mp4
    detect: { fps: -3 }
    zones:
      stop_zone: [[0.1, 0.2], [1.4, 0.2], [0.3, 0.5]]
    colour: red
`;
  try {
    parseConfigYaml(bad);
    assert.fail("expected ConfigError");
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    const paths = e.issues.map((i) => i.path).sort();
    assert.deepEqual(paths, [
      "cameras.cam_01",
      "cameras.cam_01.detect.fps",
      "cameras.cam_01.zones.stop_zone.1.0",
    ]);
    assert.match(e.issues.find((i) => i.path === "cameras.cam_01")!.message, /colour/);
  }
  assert.throws(() => parseConfigYaml("cameras: [unclosed"), /\(yaml\)/);
  assert.throws(() => parseConfigYaml("cameras: {}"), /at least one camera/);
});

Deno.test("secrets come from the environment, and are redacted for logs", () => {
  const cfg = parseConfigYaml(
    "cameras:\n  c1:\n    source: rtsp://admin:${STOPLINE_CAM_PASS}@10.0.0.9/s1\n",
    (n) => (n === "STOPLINE_CAM_PASS" ? "hunter2" : undefined),
  );
  assert.equal(cfg.cameras.c1.source, "rtsp://admin:hunter2@10.0.0.9/s1");
  assert.equal(redactSource(cfg.cameras.c1.source), "rtsp://***@10.0.0.9/s1");
  assert.equal(
    redactSource("error opening http://u:p@h/x?token=abc&w=1 failed"),
    "error opening http://***@h/x?token=***&w=1 failed",
  );
});

Deno.test("anchor: bottom_center by default, center on request, anything else refused with its path", () => {
  const cfg = parseConfigYaml(
    "cameras:\n  a:\n    source: samples/x.mp4\n  b:\n    source: samples/y.mp4\n    anchor: center\n",
  );
  assert.equal(cfg.cameras.a.anchor, "bottom_center");
  assert.equal(cfg.cameras.b.anchor, "center");
  assert.throws(
    () => parseConfigYaml("cameras:\n  a:\n    source: samples/x.mp4\n    anchor: top_left\n"),
    (e) => e instanceof ConfigError && e.issues.some((i) => i.path === "cameras.a.anchor"),
  );
});

Deno.test("the bundled configs judge the bottom centre, with zones around the wheels", async () => {
  for (const f of ["../config/stopline.yaml", "../config/scenes.yaml", "../deploy/stopline.yaml"]) {
    const cfg = parseConfigYaml(await Deno.readTextFile(new URL(f, import.meta.url)));
    for (const cam of Object.values(cfg.cameras)) assert.equal(cam.anchor, "bottom_center", f);
  }
});

Deno.test("calibration: four image and four ground points, m/s thresholds, units", () => {
  const cfg = parseConfigYaml(`
units: imperial
cameras:
  a:
    source: samples/x.mp4
    calibration:
      image: [[0.4, 0.3], [0.6, 0.3], [0.9, 0.9], [0.1, 0.9]]
      ground: [[0, 20], [3.5, 20], [3.5, 0], [0, 0]]
    stop: { stop_speed_mps: 0.4, rolling_speed_mps: 2.5 }
  b:
    source: samples/y.mp4
`);
  assert.equal(cfg.units, "imperial");
  assert.deepEqual(cfg.cameras.a.calibration!.ground[1], [3.5, 20]);
  assert.equal(cfg.cameras.a.stop!.stop_speed_mps, 0.4);
  assert.equal(cfg.cameras.b.calibration, undefined);
  assert.equal(parseConfigYaml("cameras:\n  a:\n    source: samples/x.mp4\n").units, "metric");
});

Deno.test("calibration: degenerate quadrilaterals and m/s without calibration are refused with the path", () => {
  const issues = (text: string) => {
    try {
      parseConfigYaml(text);
    } catch (e) {
      assert.ok(e instanceof ConfigError);
      return e.issues;
    }
    assert.fail("expected ConfigError");
  };
  const collinear = issues(`
cameras:
  a:
    source: samples/x.mp4
    calibration:
      image: [[0.1, 0.5], [0.4, 0.5], [0.8, 0.5], [0.5, 0.9]]
      ground: [[0, 0], [3.5, 0], [3.5, 20], [0, 20]]
`);
  assert.deepEqual(collinear.map((i) => i.path), ["cameras.a.calibration.image"]);
  assert.match(collinear[0].message, /on one line/);
  const crossed = issues(`
cameras:
  a:
    source: samples/x.mp4
    calibration:
      image: [[0.4, 0.3], [0.6, 0.3], [0.9, 0.9], [0.1, 0.9]]
      ground: [[0, 20], [3.5, 0], [3.5, 20], [0, 0]]
`);
  assert.deepEqual(crossed.map((i) => i.path), ["cameras.a.calibration.ground"]);
  const uncalibrated = issues(`
cameras:
  a:
    source: samples/x.mp4
    stop: { stop_speed_mps: 0.5, rolling_speed_mps: 3 }
`);
  assert.deepEqual(uncalibrated.map((i) => i.path).sort(), [
    "cameras.a.stop.rolling_speed_mps",
    "cameras.a.stop.stop_speed_mps",
  ]);
  assert.match(uncalibrated[0].message, /calibration/);
  assert.deepEqual(
    issues("units: furlongs\ncameras:\n  a:\n    source: samples/x.mp4\n").map((i) => i.path),
    ["units"],
  );
});

Deno.test("detect.max_box_area: 0.5 of the frame by default, configurable in (0, 1]", () => {
  const base = "cameras:\n  a:\n    source: samples/x.mp4\n";
  assert.equal(parseConfigYaml(base).cameras.a.detect.max_box_area, 0.5);
  assert.equal(
    parseConfigYaml(base + "    detect: { fps: 5 }\n").cameras.a.detect.max_box_area,
    0.5,
  );
  const cfg = parseConfigYaml(base + "    detect: { max_box_area: 0.8 }\n");
  assert.equal(cfg.cameras.a.detect.max_box_area, 0.8);
  assert.throws(
    () => parseConfigYaml(base + "    detect: { max_box_area: 0 }\n"),
    (e) => e instanceof ConfigError && e.issues[0].path === "cameras.a.detect.max_box_area",
  );
});

Deno.test("detect.low_light: auto by default, with or without a detect block; off or auto only", () => {
  const base = "cameras:\n  a:\n    source: samples/x.mp4\n";
  assert.equal(parseConfigYaml(base).cameras.a.detect.low_light, "auto");
  assert.equal(
    parseConfigYaml(base + "    detect: { fps: 5 }\n").cameras.a.detect.low_light,
    "auto",
  );
  const off = parseConfigYaml(base + "    detect: { low_light: off }\n");
  assert.equal(off.cameras.a.detect.low_light, "off");
  assert.throws(
    () => parseConfigYaml(base + "    detect: { low_light: on }\n"),
    (e) => e instanceof ConfigError && e.issues[0].path === "cameras.a.detect.low_light",
  );
});

Deno.test("detect.min_conf: 0.4 by default (what the scenes and real clips are tested at), with or without a detect block", () => {
  const base = "cameras:\n  a:\n    source: samples/x.mp4\n";
  assert.equal(parseConfigYaml(base).cameras.a.detect.min_conf, 0.4);
  assert.equal(parseConfigYaml(base + "    detect: { fps: 5 }\n").cameras.a.detect.min_conf, 0.4);
  assert.equal(
    parseConfigYaml(base + "    detect: { min_conf: 0.3 }\n").cameras.a.detect.min_conf,
    0.3,
  );
});

Deno.test("parse: server secrets and non-camera sources are config errors naming the field", () => {
  const env = (n: string) =>
    ({ STOPLINE_JWT_SECRET: "jwt-0123456789abcdef0123456789abcdef", STOPLINE_CAM_PW: "pw9" })[n];
  let err: ConfigError | undefined;
  try {
    parseConfigYaml(
      "cameras:\n  a:\n    source: http://127.0.0.1:9/x/${STOPLINE_JWT_SECRET}\n" +
        "  b:\n    source: /etc/passwd\n  c:\n    source: rtsp://u:${STOPLINE_CAM_PW}@h/s\n",
      env,
    );
  } catch (e) {
    err = e as ConfigError;
  }
  assert.ok(err instanceof ConfigError);
  assert.deepEqual(err.issues.map((i) => i.path), ["cameras.a.source", "cameras.b.source"]);
  assert.doesNotMatch(err.message, /jwt-0123|pw9/);
  // Unsubstituted (the config API): names checked, values kept as written; a source that is
  // all reference is left to the analyzer, which has the value.
  const kept = parseConfigYaml(
    "cameras:\n  c:\n    source: rtsp://u:${STOPLINE_CAM_PW}@h/s\n  d:\n    source: ${STOPLINE_CAM_URL}\n",
    env,
    { substitute: false },
  );
  assert.equal(kept.cameras.c.source, "rtsp://u:${STOPLINE_CAM_PW}@h/s");
  // YAML structure cannot come from a value: a newline in a secret stays inside the string
  // (and a source with a newline is refused).
  const evil = (n: string) => (n === "STOPLINE_CAM_X" ? "s\n  evil:\n    source: /x" : undefined);
  const text = "cameras:\n  c:\n    source: rtsp://h/${STOPLINE_CAM_X}\n";
  const injected = parseConfigYaml(text, evil, { checkSources: false });
  assert.deepEqual(Object.keys(injected.cameras), ["c"]);
  assert.throws(() => parseConfigYaml(text, evil), /cameras\.c\.source: must not contain control/);
  // The offline CLI reads only zones and thresholds from a config: sources not checked there.
  const cli = parseConfigYaml("cameras:\n  c:\n    source: /home/me/clip.mp4\n", env, {
    checkSources: false,
  });
  assert.equal(cli.cameras.c.source, "/home/me/clip.mp4");
});

Deno.test("config: retention ages in days, unknown kinds and non-positive ages refused", () => {
  const cameras = "cameras:\n  cam_01:\n    source: samples/x.mp4\n";
  const ok = parseConfigYaml(
    `retention:\n  samples_days: 7\n  passes_days: 365\n  crops_days: 0.5\n${cameras}`,
    () => undefined,
    { checkSources: false },
  );
  assert.deepEqual(ok.retention, { samples_days: 7, passes_days: 365, crops_days: 0.5 });
  assert.equal(
    parseConfigYaml(cameras, () => undefined, { checkSources: false }).retention,
    undefined,
  );
  assert.throws(
    () =>
      parseConfigYaml(`retention:\n  frames_days: 1\n${cameras}`, () => undefined, {
        checkSources: false,
      }),
    (e: Error) => e instanceof ConfigError && /retention/.test(e.message),
  );
  assert.throws(
    () =>
      parseConfigYaml(`retention:\n  clips_days: 0\n${cameras}`, () => undefined, {
        checkSources: false,
      }),
    (e: Error) => e instanceof ConfigError && /retention\.clips_days/.test(e.message),
  );
});

Deno.test("config: privacy blurs people and plates; unknown kinds are refused", () => {
  const cam = (privacy: string) =>
    `cameras:\n  cam_01:\n    source: samples/x.mp4\n    privacy: ${privacy}\n`;
  const opts = { checkSources: false };
  const ok = parseConfigYaml(cam("{ blur: [person] }"), () => undefined, opts);
  assert.deepEqual(ok.cameras.cam_01.privacy, {
    blur: ["person"],
    clips: false,
    keep_originals: false,
  });
  const both = parseConfigYaml(
    cam("{ blur: [person, plate], clips: true, keep_originals: true }"),
    () => undefined,
    opts,
  );
  assert.deepEqual(both.cameras.cam_01.privacy, {
    blur: ["person", "plate"],
    clips: true,
    keep_originals: true,
  });
  assert.throws(
    () => parseConfigYaml(cam("{ blur: [person, face] }"), () => undefined, opts),
    (e: Error) => e instanceof ConfigError && /cameras\.cam_01\.privacy\.blur/.test(e.message),
  );
});
