import assert from "node:assert/strict";
import { OFFLINE_TESTS, testCommands } from "./run_tests.ts";

Deno.test("test runner: every offline test exists and runs in exactly one of the two processes", async () => {
  for (const f of OFFLINE_TESTS) {
    assert.ok((await Deno.stat(f)).isFile, `${f} is listed in OFFLINE_TESTS but does not exist`);
    assert.match(f, /_test\.ts$/);
  }
  const { offline, rest } = testCommands(["--filter", "x"]);
  assert.deepEqual(offline, ["test", "-A", "--filter", "x", ...OFFLINE_TESTS]);
  const ignore = rest.find((a) => a.startsWith("--ignore="));
  assert.deepEqual(ignore?.slice("--ignore=".length).split(","), [...OFFLINE_TESTS]);
  assert.deepEqual(rest.slice(-2), ["--filter", "x"]);
});
