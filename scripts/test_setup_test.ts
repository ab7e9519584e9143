import assert from "node:assert/strict";
import {
  type CommandResult,
  denoSystem,
  ensurePackages,
  installCommand,
  missingPackages,
  report,
  type SetupSystem,
  TEST_PACKAGES,
} from "./test_setup.ts";

interface FakeOptions {
  installed: string[];
  uid?: number | null;
  /** Commands that do not exist on the fake machine. */
  absent?: string[];
  sudoWorks?: boolean;
  /** Packages apt-get "installs" but that dpkg still does not list afterwards. */
  held?: string[];
  aptFails?: boolean;
}

/** A fake Debian box: dpkg-query answers from `installed`, apt-get install adds to it. */
function fakeSystem(opts: FakeOptions) {
  const installed = new Set(opts.installed);
  const calls: { argv: string[]; env?: Record<string, string> }[] = [];
  let clock_ms = 1000;
  const ok = (stdout = ""): CommandResult => ({ found: true, success: true, stdout, stderr: "" });
  const system: SetupSystem = {
    run(argv, env) {
      calls.push({ argv, env });
      const bin = argv[0] === "sudo" ? "sudo" : argv[0];
      if (opts.absent?.includes(bin)) {
        return Promise.resolve({ found: false, success: false, stdout: "", stderr: "" });
      }
      if (argv[0] === "sudo" && argv[2] === "true") {
        return Promise.resolve({ ...ok(), success: opts.sudoWorks ?? false });
      }
      const cmd = argv.slice(argv.indexOf("apt-get") >= 0 ? argv.indexOf("apt-get") : 0);
      if (cmd[0] === "dpkg-query") {
        const names = cmd.slice(3);
        const lines = names.filter((n) => installed.has(n)).map((n) => `${n}\tinstalled\n`);
        // dpkg-query exits 1 when a name is unknown, and still prints the known ones.
        const all = lines.length === names.length;
        return Promise.resolve({ ...ok(lines.join("")), success: all });
      }
      if (cmd[0] === "apt-get" && cmd[1] === "--version") return Promise.resolve(ok("apt 2.6"));
      if (cmd[0] === "apt-get" && cmd[1] === "update") {
        clock_ms += 4000;
        return Promise.resolve(ok());
      }
      if (cmd[0] === "apt-get" && cmd[1] === "install") {
        if (opts.aptFails) {
          return Promise.resolve({
            found: true,
            success: false,
            stdout: "",
            stderr: "E: Could not get lock /var/lib/dpkg/lock-frontend\n",
          });
        }
        clock_ms += 21_500;
        for (const p of cmd.filter((a) => !a.startsWith("-")).slice(2)) {
          if (!opts.held?.includes(p)) installed.add(p);
        }
        return Promise.resolve(ok());
      }
      throw new Error(`unexpected command ${argv.join(" ")}`);
    },
    uid: () => opts.uid === undefined ? 1000 : opts.uid,
    now_ms: () => clock_ms,
  };
  return { system, calls, installed };
}

Deno.test("all packages present: no install, nothing printed, tests go on", async () => {
  const fake = fakeSystem({ installed: [...TEST_PACKAGES], uid: 0 });
  const outcome = await ensurePackages(fake.system);
  assert.deepEqual(outcome, { kind: "present" });
  assert.deepEqual(fake.calls.map((c) => c.argv[0]), ["dpkg-query"]);
  assert.deepEqual(report(outcome), { line: null, ok: true });
});

Deno.test("missing packages as root: apt-get update, then install exactly the missing ones", async () => {
  const fake = fakeSystem({ installed: ["ffmpeg", "fonts-dejavu-core"], uid: 0 });
  const outcome = await ensurePackages(fake.system, ["ffmpeg", "chromium", "opencv-doc"]);
  assert.deepEqual(outcome, {
    kind: "installed",
    packages: ["chromium", "opencv-doc"],
    took_ms: 25_500,
  });
  const apt = fake.calls.filter((c) => c.argv[0] === "apt-get" && c.argv[1] !== "--version");
  assert.deepEqual(apt.map((c) => c.argv), [
    ["apt-get", "update", "-qq"],
    ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium", "opencv-doc"],
  ]);
  for (const c of apt) assert.equal(c.env?.DEBIAN_FRONTEND, "noninteractive");
  assert.deepEqual(report(outcome), {
    line: "test setup: installed chromium opencv-doc in 25.5 s",
    ok: true,
  });
});

Deno.test("missing packages with passwordless sudo: installs through sudo -n", async () => {
  const fake = fakeSystem({ installed: [], uid: 1000, sudoWorks: true });
  const outcome = await ensurePackages(fake.system, ["ffmpeg"]);
  assert.equal(outcome.kind, "installed");
  const install = fake.calls.find((c) => c.argv.includes("install"));
  assert.deepEqual(install?.argv.slice(0, 5), [
    "sudo",
    "-n",
    "env",
    "DEBIAN_FRONTEND=noninteractive",
    "apt-get",
  ]);
  assert.ok(fake.installed.has("ffmpeg"));
});

Deno.test("missing packages, no root and no passwordless sudo: stops with the exact command", async () => {
  const fake = fakeSystem({ installed: ["ffmpeg"], uid: 1000, sudoWorks: false });
  const outcome = await ensurePackages(fake.system, ["ffmpeg", "chromium", "opencv-doc"]);
  assert.deepEqual(outcome, {
    kind: "cannot_install",
    missing: ["chromium", "opencv-doc"],
    command: "sudo apt-get install -y chromium opencv-doc",
  });
  assert.ok(!fake.calls.some((c) => c.argv.includes("install")), "nothing installed");
  const { line, ok } = report(outcome);
  assert.equal(ok, false);
  assert.equal(
    line,
    "test setup: missing Debian packages; run: sudo apt-get install -y chromium opencv-doc",
  );
  assert.ok(!line.includes("\n"), "one line");
});

Deno.test("missing packages as root but no apt-get: stops with the command", async () => {
  const fake = fakeSystem({ installed: [], uid: 0, absent: ["apt-get"] });
  const outcome = await ensurePackages(fake.system, ["ffmpeg"]);
  assert.equal(outcome.kind, "cannot_install");
  assert.equal(report(outcome).ok, false);
});

Deno.test("no sudo binary at all counts as no passwordless sudo", async () => {
  const fake = fakeSystem({ installed: [], uid: 1000, absent: ["sudo"] });
  assert.equal((await ensurePackages(fake.system, ["ffmpeg"])).kind, "cannot_install");
});

Deno.test("apt-get failing or leaving a package out stops the tests with the command", async () => {
  const failing = fakeSystem({ installed: [], uid: 0, aptFails: true });
  const failed = await ensurePackages(failing.system, ["ffmpeg"]);
  assert.equal(failed.kind, "install_failed");
  const r = report(failed);
  assert.equal(r.ok, false);
  assert.match(r.line ?? "", /Could not get lock.*run: sudo apt-get install -y ffmpeg$/);

  const held = fakeSystem({ installed: [], uid: 0, held: ["chromium"] });
  const partial = await ensurePackages(held.system, ["ffmpeg", "chromium"]);
  assert.equal(partial.kind, "install_failed");
  assert.deepEqual(partial.kind === "install_failed" && partial.missing, ["chromium"]);
});

Deno.test("not Debian (no dpkg-query): says so in one line and lets the tests run", async () => {
  const fake = fakeSystem({ installed: [], uid: 0, absent: ["dpkg-query"] });
  const outcome = await ensurePackages(fake.system);
  assert.deepEqual(outcome, { kind: "not_debian" });
  assert.equal(report(outcome).ok, true);
});

Deno.test("installCommand names every missing package", () => {
  assert.equal(installCommand(["a", "b"]), "sudo apt-get install -y a b");
});

Deno.test("real dpkg-query: the suite's packages are installed here, and a bogus name is missing", async () => {
  const started_ms = performance.now();
  assert.deepEqual(await missingPackages(denoSystem, TEST_PACKAGES), []);
  const took_ms = performance.now() - started_ms;
  // One dpkg-query for the whole list (~40 ms alone), not one per package; 5 s leaves room for a
  // loaded host.
  assert.ok(took_ms < 5000, `check took ${took_ms.toFixed(0)} ms`);
  assert.deepEqual(
    await missingPackages(denoSystem, ["ffmpeg", "stopline-no-such-package"]),
    ["stopline-no-such-package"],
  );
  assert.deepEqual(await ensurePackages(denoSystem), { kind: "present" });
});
