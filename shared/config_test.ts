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
