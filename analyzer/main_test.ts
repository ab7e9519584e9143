/**
 * The analyzer refuses to start on a config an operator could have turned against the server:
 * a reference to one of stopline's own secrets, or a source that is not a camera.
 */
import assert from "node:assert/strict";

const MAIN = new URL("./main.ts", import.meta.url).pathname;
const JWT_SECRET = "analyzer-start-jwt-secret-0123456789abcdef";

async function _start(
  config: string,
  extraEnv: Record<string, string> = {},
): Promise<{ code: number; stderr: string }> {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/stopline.yaml`, config);
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", MAIN],
      env: {
        STOPLINE_CONFIG: `${dir}/stopline.yaml`,
        STOPLINE_JWT_SECRET: JWT_SECRET,
        DATABASE_URL: "",
        ANALYZER_PORT: "0",
        ...extraEnv,
      },
      stdout: "piped",
      stderr: "piped",
    }).output();
    return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("analyzer start: a server secret or a non-camera source in the config is refused", async () => {
  const secret = await _start(
    "cameras:\n  cam_01:\n    source: http://127.0.0.1:9/x/${STOPLINE_JWT_SECRET}\n",
  );
  assert.equal(secret.code, 2, secret.stderr);
  assert.match(secret.stderr, /cameras\.cam_01\.source: \$\{STOPLINE_JWT_SECRET\} may not be/);
  assert.ok(!secret.stderr.includes(JWT_SECRET));
  const file = await _start("cameras:\n  cam_01:\n    source: /etc/passwd\n");
  assert.equal(file.code, 2, file.stderr);
  assert.match(file.stderr, /cameras\.cam_01\.source: a file source must be inside the media/);
});

Deno.test("analyzer start: a webhook to a metadata address or half the VAPID keys are refused", async () => {
  const cam = "cameras:\n  cam_01:\n    source: samples/vtest.mp4\n";
  const meta = await _start(
    cam + "notifications:\n  - name: x\n    webhook:\n" +
      "      url: http://169.254.169.254/latest/meta-data/\n      secret_env: STOPLINE_HOOK_X\n",
  );
  assert.equal(meta.code, 2, meta.stderr);
  assert.match(meta.stderr, /notifications\.0\.webhook\.url: refused: a loopback, link-local/);
  const vapid = await _start(cam, { STOPLINE_VAPID_PUBLIC_KEY: "BPUB" });
  assert.equal(vapid.code, 2, vapid.stderr);
  assert.match(vapid.stderr, /bad notification settings: Web Push needs STOPLINE_VAPID_PUBLIC_KEY/);
});
