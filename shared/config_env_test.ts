import assert from "node:assert/strict";
import { configEnvAllowed, isOwnSecret, substituteConfigEnv } from "./config_env.ts";
import { redactSecrets } from "./redact.ts";

const ENV: Record<string, string> = {
  STOPLINE_CAM_01_PASSWORD: "cam01-pass-word",
  SITE_CAM_TOKEN: "site-token-777",
  STOPLINE_JWT_SECRET: "jwt-secret-value-0123456789abcdef",
  STOPLINE_CONFIG_ENV_ALLOW: "SITE_CAM_TOKEN, DATABASE_URL,STOPLINE_JWT_SECRET,MEDIA_READ_PASSWORD",
  DATABASE_URL: "postgres://u:dbpw@h/db",
  MEDIA_READ_PASSWORD: "media-read-pw",
};
const env = (n: string) => ENV[n];

Deno.test("config env: STOPLINE_CAM_* and listed names only; stopline's own secrets never", () => {
  assert.ok(configEnvAllowed("STOPLINE_CAM_01_PASSWORD", env));
  assert.ok(configEnvAllowed("SITE_CAM_TOKEN", env), "listed in STOPLINE_CONFIG_ENV_ALLOW");
  assert.ok(!configEnvAllowed("HOME", env), "not declared");
  assert.ok(!configEnvAllowed("SITE_CAM_TOKEN", () => undefined), "not listed here");
  for (
    const own of [
      "STOPLINE_JWT_SECRET",
      "STOPLINE_JWT_PRIVATE_KEY",
      "STOPLINE_SECRET_KEY",
      "STOPLINE_CONFIG_ENV_ALLOW",
      "DATABASE_URL",
      "PGPASSWORD",
      "POSTGRES_PASSWORD",
      "MINIO_SECRET_KEY",
      "MINIO_ROOT_PASSWORD",
      "MEDIA_READ_PASSWORD",
      "MEDIA_PUBLISH_PASSWORD",
      "MEDIAMTX_API_PASSWORD",
      "SUPABASE_SERVICE_ROLE_KEY",
      "AWS_SECRET_ACCESS_KEY",
      "MY_JWT_KEY",
    ]
  ) {
    assert.ok(isOwnSecret(own), own);
    assert.ok(!configEnvAllowed(own, env), `${own} even when listed`);
  }
});

Deno.test("config env: substitution inside strings, every refused reference named by its field", () => {
  const doc = {
    cameras: {
      a: { source: "rtsp://u:${STOPLINE_CAM_01_PASSWORD}@h/s", classes: ["${SITE_CAM_TOKEN}"] },
      b: { source: "http://127.0.0.1:9/x/${STOPLINE_JWT_SECRET}", detect: { fps: 5 } },
      c: { source: "${DATABASE_URL}${HOME}" },
    },
  };
  const out = substituteConfigEnv(doc, env);
  assert.deepEqual(out.issues.map((i) => i.path), [
    "cameras.b.source",
    "cameras.c.source",
    "cameras.c.source",
  ]);
  assert.match(out.issues[0].message, /\$\{STOPLINE_JWT_SECRET\} may not be referenced/);
  const v = out.value as typeof doc;
  assert.equal(v.cameras.a.source, "rtsp://u:cam01-pass-word@h/s");
  assert.deepEqual(v.cameras.a.classes, ["site-token-777"]);
  assert.equal(v.cameras.b.source, "http://127.0.0.1:9/x/${STOPLINE_JWT_SECRET}", "never read");
  assert.equal(v.cameras.b.detect.fps, 5);
  assert.doesNotMatch(JSON.stringify(out), /jwt-secret-value|dbpw/);
  // Substituted values are secrets from now on: any log line of this process hides them.
  assert.equal(redactSecrets("GET /x/site-token-777 failed"), "GET /x/*** failed");
});

Deno.test("config env: substitute=false checks names but keeps references as written", () => {
  const out = substituteConfigEnv(
    { s: "a${STOPLINE_CAM_01_PASSWORD}", t: "${MINIO_SECRET_KEY}" },
    env,
    false,
  );
  assert.deepEqual(out.value, { s: "a${STOPLINE_CAM_01_PASSWORD}", t: "${MINIO_SECRET_KEY}" });
  assert.deepEqual(out.issues.map((i) => i.path), ["t"]);
});
