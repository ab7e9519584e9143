import assert from "node:assert/strict";
import { AFTER_OFFLINE_TESTS, OFFLINE_TESTS, testCommands } from "./run_tests.ts";

Deno.test("test runner: every offline test exists and runs in exactly one of the two processes", async () => {
  const second = [...OFFLINE_TESTS, ...AFTER_OFFLINE_TESTS];
  for (const f of second) {
    assert.ok((await Deno.stat(f)).isFile, `${f} is listed in run_tests.ts but does not exist`);
    assert.match(f, /_test\.ts$/);
  }
  const { offline, rest } = testCommands(["--filter", "x"]);
  assert.deepEqual(offline, ["test", "-A", "--filter", "x", ...second]);
  const ignore = rest.find((a) => a.startsWith("--ignore="));
  assert.deepEqual(ignore?.slice("--ignore=".length).split(","), second);
  assert.deepEqual(rest.slice(-2), ["--filter", "x"]);
});
