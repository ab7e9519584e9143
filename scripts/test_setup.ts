/**
 * The test task's setup step, in the manner of Playwright's `install --with-deps`: make sure every
 * Debian package the test suite needs is installed before any test runs.
 *
 *   deno run --allow-run --allow-sys=uid scripts/test_setup.ts
 *
 * - All present: silent, exits 0 (one dpkg-query call, well under a second).
 * - Some missing and this process can install them (uid 0, or passwordless `sudo -n`, and apt-get
 *   exists): `apt-get update` then `apt-get install -y --no-install-recommends <missing>`, then one
 *   line naming what it installed and how long it took.
 * - Some missing and it cannot install: exits 1 with one line naming the exact
 *   `sudo apt-get install -y ...` command, before any test runs.
 * - Not a Debian system (no dpkg-query): one line saying the check was skipped, exits 0; the tests
 *   that need a package then fail with their own message.
 */

/**
 * Every Debian package the test suite needs, and why. This is the one list: .ci/run and README
 * point here. A later feature adds its package (e.g. mosquitto, prometheus) by one line.
 */
export const TEST_PACKAGES: readonly string[] = [
  // Debian's ffmpeg 5.1: faster than the npm static build, and has ffprobe.
  "ffmpeg",
  // Headless browser for the web tests (playwright-core drives /usr/bin/chromium).
  "chromium",
  // A font for the browser tests' text rendering and the plate detector test's rendered plates.
  "fonts-dejavu-core",
  // OpenCV's vtest.avi, the source footage the make_samples test rebuilds the sprites from.
  "opencv-doc",
  // gst-rtsp-server through PyGObject: the real RTSP camera of the fault tests
  // (dev/testing/rtsp_camera.py), with x264 from plugins-ugly.
  "python3-gi",
  "gir1.2-gst-rtsp-server-1.0",
  "gstreamer1.0-plugins-base",
  "gstreamer1.0-plugins-good",
  "gstreamer1.0-plugins-ugly",
  // The MQTT broker the MQTT bridge tests start on their own port (analyzer/publish/mqtt).
  "mosquitto",
  // promtool, which checks and unit-tests the alert rules (deploy/alerts.yml).
  "prometheus",
  // The one-origin reverse proxy (deploy/Caddyfile), run by deploy/proxy_test.ts.
  "caddy",
];

/** What running one command gave; a command that does not exist gives `found: false`. */
export interface CommandResult {
  found: boolean;
  success: boolean;
  stdout: string;
  stderr: string;
}

/** The system calls the setup step makes, injectable so its decisions can be tested. */
export interface SetupSystem {
  run(argv: string[], env?: Record<string, string>): Promise<CommandResult>;
  /** The process's user id, or null where there is none (Windows). */
  uid(): number | null;
  now_ms(): number;
}

export type SetupOutcome =
  | { kind: "present" }
  | { kind: "not_debian" }
  | { kind: "installed"; packages: string[]; took_ms: number }
  | { kind: "cannot_install"; missing: string[]; command: string }
  | { kind: "install_failed"; missing: string[]; command: string; output: string };

/** The real system: Deno.Command, Deno.uid, performance.now. */
export const denoSystem: SetupSystem = {
  async run(argv, env) {
    try {
      const out = await new Deno.Command(argv[0], {
        args: argv.slice(1),
        env,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder();
      return {
        found: true,
        success: out.success,
        stdout: text.decode(out.stdout),
        stderr: text.decode(out.stderr),
      };
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) {
        return { found: false, success: false, stdout: "", stderr: "" };
      }
      throw e;
    }
  },
  uid: () => Deno.uid(),
  now_ms: () => performance.now(),
};

/** The exact command a user without install rights is told to run. */
export function installCommand(missing: readonly string[]): string {
  return `sudo apt-get install -y ${missing.join(" ")}`;
}

/**
 * The packages of `wanted` that dpkg does not list as installed, or null when dpkg-query is not
 * there (not a Debian system). dpkg-query exits 1 when a name is unknown to it, so its stdout is
 * read whatever its exit status.
 */
export async function missingPackages(
  system: SetupSystem,
  wanted: readonly string[],
): Promise<string[] | null> {
  const r = await system.run([
    "dpkg-query",
    "--show",
    "--showformat=${Package}\\t${db:Status-Status}\\n",
    ...wanted,
  ]);
  if (!r.found) return null;
  const installed = new Set<string>();
  for (const line of r.stdout.split("\n")) {
    const [name, status] = line.split("\t");
    if (status === "installed") installed.add(name);
  }
  return wanted.filter((p) => !installed.has(p));
}

/**
 * How this process can run apt-get as root: directly (uid 0), through passwordless sudo, or not at
 * all (also when apt-get itself is missing).
 */
export async function installPrefix(system: SetupSystem): Promise<string[] | null> {
  if (!(await system.run(["apt-get", "--version"])).found) return null;
  if (system.uid() === 0) return [];
  const sudo = await system.run(["sudo", "-n", "true"]);
  // `env` carries DEBIAN_FRONTEND through sudo's environment reset.
  return sudo.success ? ["sudo", "-n", "env", "DEBIAN_FRONTEND=noninteractive"] : null;
}

/** Checks the packages and installs the missing ones when it can; prints nothing. */
export async function ensurePackages(
  system: SetupSystem,
  wanted: readonly string[] = TEST_PACKAGES,
): Promise<SetupOutcome> {
  const missing = await missingPackages(system, wanted);
  if (missing === null) return { kind: "not_debian" };
  if (missing.length === 0) return { kind: "present" };
  const command = installCommand(missing);
  const prefix = await installPrefix(system);
  if (prefix === null) return { kind: "cannot_install", missing, command };

  const env = { DEBIAN_FRONTEND: "noninteractive" };
  const started_ms = system.now_ms();
  const steps = [
    ["apt-get", "update", "-qq"],
    ["apt-get", "install", "-y", "-qq", "--no-install-recommends", ...missing],
  ];
  for (const step of steps) {
    const r = await system.run([...prefix, ...step], env);
    if (!r.success) {
      return { kind: "install_failed", missing, command, output: (r.stderr || r.stdout).trim() };
    }
  }
  // apt-get can succeed and still leave a package out (e.g. held back); check again.
  const still = await missingPackages(system, missing);
  if (still && still.length > 0) {
    return {
      kind: "install_failed",
      missing: still,
      command: installCommand(still),
      output: `apt-get finished but dpkg still lists ${still.join(", ")} as not installed`,
    };
  }
  return { kind: "installed", packages: missing, took_ms: system.now_ms() - started_ms };
}

/** The one line to print for an outcome (null: print nothing), and whether to stop the tests. */
export function report(outcome: SetupOutcome): { line: string | null; ok: boolean } {
  switch (outcome.kind) {
    case "present":
      return { line: null, ok: true };
    case "not_debian":
      return {
        line: `test setup: no dpkg-query (not Debian); not checking for ${TEST_PACKAGES.join(" ")}`,
        ok: true,
      };
    case "installed":
      return {
        line: `test setup: installed ${outcome.packages.join(" ")} in ${
          (outcome.took_ms / 1000).toFixed(1)
        } s`,
        ok: true,
      };
    case "cannot_install":
      return {
        line: `test setup: missing Debian packages; run: ${outcome.command}`,
        ok: false,
      };
    case "install_failed":
      return {
        line: `test setup: installing failed (${
          outcome.output.split("\n").at(-1)
        }); run: ${outcome.command}`,
        ok: false,
      };
  }
}

if (import.meta.main) {
  const { line, ok } = report(await ensurePackages(denoSystem));
  if (line !== null) (ok ? console.log : console.error)(line);
  if (!ok) Deno.exit(1);
}
