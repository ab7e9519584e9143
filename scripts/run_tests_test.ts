import assert from "node:assert/strict";
import { AFTER_OFFLINE_TESTS, OFFLINE_TESTS, SOLO_TESTS, testCommands } from "./run_tests.ts";

Deno.test("test runner: every listed test exists and runs in exactly one of the processes", async () => {
  const second = [...OFFLINE_TESTS, ...AFTER_OFFLINE_TESTS];
  for (const f of [...second, ...SOLO_TESTS]) {
    assert.ok((await Deno.stat(f)).isFile, `${f} is listed in run_tests.ts but does not exist`);
    assert.match(f, /_test\.ts$/);
  }
  const { offline, rest, solo } = testCommands(["--filter", "x"]);
  assert.deepEqual(offline, ["test", "-A", "--filter", "x", ...second]);
  assert.deepEqual(solo, ["test", "-A", "--filter", "x", ...SOLO_TESTS]);
  assert.ok(SOLO_TESTS.every((f) => !second.includes(f)), "a solo test runs once");
  const ignore = rest.find((a) => a.startsWith("--ignore="));
  assert.deepEqual(ignore?.slice("--ignore=".length).split(","), [...second, ...SOLO_TESTS]);
  assert.deepEqual(rest.slice(-2), ["--filter", "x"]);
});
