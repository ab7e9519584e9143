import assert from "node:assert/strict";
import { pidsWith } from "../../dev/testing/processes.ts";
import { waitFor } from "../../dev/testing/wait.ts";
import { spawnBoundToAnalyzer } from "./bound_to_analyzer.ts";

Deno.test("bound child: passes on its exit status and its output", async () => {
  const child = spawnBoundToAnalyzer("sh", ["-c", "echo out; exit 7"], {
    stdout: "piped",
    stderr: "null",
  });
  const text = await new Response(child.stdout).text();
  const status = await child.status;
  await child.stdin.close();
  assert.equal(text, "out\n");
  assert.equal(status.code, 7);
});

Deno.test("bound child: kill() ends it gracefully (SIGTERM passed on)", async () => {
  const marker = `bound-kill-${crypto.randomUUID()}`;
  // The child traps SIGTERM and says so: the signal reached it, not a SIGKILL. It says "ready"
  // once its trap is set (its process existing did not mean that: a CI run killed it before).
  const child = spawnBoundToAnalyzer(
    "sh",
    ["-c", `trap 'echo term; exit 0' TERM; echo ready; while :; do sleep 0.05; done # ${marker}`],
    { stdout: "piped", stderr: "null" },
  );
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("ready\n")) {
    const r = await lines.read();
    if (r.done) break;
    text += r.value;
  }
  child.kill("SIGTERM");
  const status = await child.status;
  for (let r = await lines.read(); !r.done; r = await lines.read()) text += r.value;
  await child.stdin.close();
  assert.equal(text, "ready\nterm\n");
  assert.equal(status.code, 0);
  await waitFor("no process left", async () => (await pidsWith(marker)).length === 0, 3000, 50);
});

Deno.test("bound child: a SIGKILLed parent's child ends within 2 s", async () => {
  const marker = `bound-orphan-${crypto.randomUUID()}`;
  const module = new URL("./bound_to_analyzer.ts", import.meta.url).href;
  // A parent process that spawns an endless loop bound to it, says so, and waits.
  const parent = new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      `import { spawnBoundToAnalyzer } from "${module}";
       spawnBoundToAnalyzer("sh", ["-c", "while :; do sleep 0.05; done # ${marker}"], {
         stdout: "null",
         stderr: "null",
       });
       console.log("spawned");
       setInterval(() => {}, 1000);`,
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = parent.stdout.getReader();
  assert.match(new TextDecoder().decode((await reader.read()).value), /spawned/);
  // The watchdog's (and its watcher subshell's) command line holds the child's too; the
  // parent's holds its code.
  const bound = async () => (await pidsWith(marker)).filter((p) => p !== parent.pid);
  await waitFor("the loop", async () => (await bound()).length >= 2, 5000, 50);
  parent.kill("SIGKILL");
  await parent.status;
  reader.releaseLock();
  await parent.stdout.cancel();
  await waitFor("the orphaned loop to end", async () => (await bound()).length === 0, 2000, 50);
});
