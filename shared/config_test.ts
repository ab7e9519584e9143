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
