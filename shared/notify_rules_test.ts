import assert from "node:assert/strict";
import { ConfigError, parseConfigYaml } from "./config.ts";
import { configEnvAllowed, isOwnSecret } from "./config_env.ts";
import {
  inHours,
  localHour,
  type NotifyRule,
  NotifyRuleSchema,
  ruleMatches,
} from "./notify_rules.ts";

const CAM = `cameras:\n  cam_01:\n    source: rtsp://10.0.0.5:554/s\n`;

function _rule(extra: Record<string, unknown>): NotifyRule {
  return NotifyRuleSchema.parse({ name: "r", push: true, ...extra });
}

Deno.test("notify rules: camera, verdict, hours in a time zone, calibrated speed", () => {
  // 2026-11-29 23:30 UTC = 00:30 in Berlin (next day).
  const exited_at = Date.UTC(2026, 10, 29, 23, 30);
  const pass = { camera: "cam_01", verdict: "no_stop", exited_at };
  assert.equal(ruleMatches(_rule({}), pass), true);
  assert.equal(ruleMatches(_rule({ cameras: ["cam_02"] }), pass), false);
  assert.equal(ruleMatches(_rule({ verdicts: ["full_stop", "rolling_stop"] }), pass), false);
  assert.equal(ruleMatches(_rule({ verdicts: ["no_stop"] }), pass), true);
  assert.equal(localHour(exited_at, "Europe/Berlin"), 0);
  assert.equal(localHour(exited_at, "UTC"), 23);
  const night = { hours: { from: 22, to: 6 } };
  assert.equal(ruleMatches(_rule({ ...night, time_zone: "Europe/Berlin" }), pass), true);
  assert.equal(ruleMatches(_rule({ hours: { from: 6, to: 22 }, time_zone: "UTC" }), pass), false);
  assert.equal(inHours(5, night.hours), true);
  assert.equal(inHours(6, night.hours), false);
  assert.equal(inHours(0, { from: 0, to: 24 }), true);
  // No calibrated speed: a speed condition does not match; with one it compares entry speed.
  assert.equal(ruleMatches(_rule({ min_speed_mps: 5 }), pass), false);
  assert.equal(ruleMatches(_rule({ min_speed_mps: 5 }), { ...pass, entry_speed_mps: null }), false);
  assert.equal(ruleMatches(_rule({ min_speed_mps: 5 }), { ...pass, entry_speed_mps: 4.9 }), false);
  assert.equal(ruleMatches(_rule({ min_speed_mps: 5 }), { ...pass, entry_speed_mps: 5 }), true);
});

Deno.test("notify rules in the config: targets, secrets by STOPLINE_HOOK_* name, SSRF refusals", () => {
  const ok = parseConfigYaml(
    CAM + `notifications:
  - name: night_runs
    cameras: [cam_01]
    verdicts: [no_stop]
    hours: {from: 22, to: 6}
    time_zone: Europe/Berlin
    min_speed_mps: 4
    webhook: {url: "https://hooks.example.com/stop/\${STOPLINE_HOOK_PATH}", secret_env: STOPLINE_HOOK_DOOR}
  - name: phones
    push: true
`,
    (n) => (n === "STOPLINE_HOOK_PATH" ? "tok123" : undefined),
  );
  assert.equal(ok.notifications?.length, 2);
  assert.equal(ok.notifications![0].webhook!.url, "https://hooks.example.com/stop/tok123");
  assert.equal(ok.notifications![0].max_per_minute, 10);
  assert.equal(configEnvAllowed("STOPLINE_HOOK_PATH", () => undefined), true);
  assert.equal(isOwnSecret("STOPLINE_HOOK_PATH"), false);
  assert.equal(isOwnSecret("STOPLINE_VAPID_PRIVATE_KEY"), true);
  assert.equal(configEnvAllowed("STOPLINE_VAPID_PRIVATE_KEY", () => undefined), false);

  const bad = (yaml: string, env: (n: string) => string | undefined = () => undefined) => {
    try {
      parseConfigYaml(CAM + yaml, env);
    } catch (e) {
      assert.ok(e instanceof ConfigError);
      return e.issues.map((i) => `${i.path}: ${i.message}`).join("\n");
    }
    assert.fail("accepted");
  };
  const hook = (url: string, secret = "STOPLINE_HOOK_A") =>
    `notifications:\n  - name: a\n    webhook: {url: "${url}", secret_env: ${secret}}\n`;
  assert.match(
    bad(hook("http://169.254.169.254/latest")),
    /notifications\.0\.webhook\.url: refused/,
  );
  assert.match(bad(hook("http://127.0.0.1:8001/x")), /refused: a loopback/);
  assert.match(bad(hook("http://[fe80::1]/x")), /refused/);
  assert.match(bad(hook("http://metadata.google.internal/x")), /metadata name/);
  assert.match(
    bad(hook("https://x.example/", "STOPLINE_JWT_SECRET")),
    /secret_env: must name a STOPLINE_HOOK_/,
  );
  // The deployment may allow a receiver on this machine.
  const allow = (n: string) => (n === "STOPLINE_NOTIFY_ALLOW_NETS" ? "127.0.0.0/8" : undefined);
  assert.equal(
    parseConfigYaml(CAM + hook("http://127.0.0.1:8001/x"), allow).notifications?.length,
    1,
  );
  assert.match(bad(hook("http://169.254.169.254/"), allow), /refused/);
  // A reference to stopline's own secrets stays refused in a URL.
  assert.match(bad(hook("https://x.example/\${STOPLINE_JWT_SECRET}")), /may not be referenced/);
  // Exactly one target; unique names.
  assert.match(bad(`notifications:\n  - name: a\n`), /exactly one target/);
  assert.match(
    bad(`notifications:\n  - {name: a, push: true}\n  - {name: a, push: true}\n`),
    /unique/,
  );
  assert.match(
    bad(`notifications:\n  - {name: a, push: true, time_zone: Mars/Base}\n`),
    /time zone/,
  );
  assert.match(bad(`notifications:\n  - {name: a, push: true, verdicts: [maybe]}\n`), /verdicts/);
});
