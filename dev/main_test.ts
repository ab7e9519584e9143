/**
 * `deno task dev` stopped the way a terminal's Ctrl-C does it: SIGINT to the whole foreground
 * process group. The stack must stop in dependency order, so the analyzer's last flush reaches
 * Postgres: no "database system is shutting down", an empty spool, no postmaster left behind.
 */
import assert from "node:assert/strict";
import { exists } from "../shared/fs.ts";
import { startDevStack } from "./testing/dev_stack.ts";

async function _filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      const path = `${dir}/${e.name}`;
      if (e.isDirectory) out.push(...await _filesUnder(path));
      else out.push(path);
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return out;
}

Deno.test({
  name: "dev: Ctrl-C (SIGINT to the process group) stops analyzer, functions, postgres in order",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const stack = await startDevStack({ prefix: "stopline-dev-stop-" });
    const log = stack.log;
    try {
      const url = await stack.running();
      // Stop while the analyzer is busy writing: after its first judged pass (cam_02's van stops
      // every ~12 s), samples and track events of both cameras are always queued.
      await stack.waitFor(
        "a pass in the database",
        async () => {
          const res = await fetch(`${url}/api/passes?limit=1`).catch(() => null);
          const body = res?.ok ? await res.json() : null;
          return (body?.passes?.length ?? 0) > 0;
        },
        90_000,
      );

      stack.interrupt(); // the terminal's Ctrl-C: every process in the group
      const { code } = await stack.exited();
      assert.equal(code, 0, log.join("\n"));

      const bad = log.filter((l) =>
        /shutting down|kept for retry|terminated unexpectedly|administrator command/.test(l)
      );
      assert.deepEqual(bad, [], log.join("\n"));
      const at = (re: RegExp) => {
        const i = log.findIndex((l) => re.test(l));
        assert.ok(i >= 0, `no log line ${re}\n${log.join("\n")}`);
        return i;
      };
      const flush = at(/analyzer: stopping: flushing/);
      const analyzer = at(/^stopped analyzer/);
      const functions = at(/^stopped functions/);
      const postgres = at(/^stopped postgres/);
      assert.ok(flush < analyzer && analyzer < functions && functions < postgres, log.join("\n"));
      // Every database and object-store write reached its place: the pass and crop spools are
      // empty. A clip job may stay (its pass's post-roll had not passed at Ctrl-C): it is durable
      // by design and cut on the next start, never a failed one (.bad).
      const spool = `${stack.dataDir}/spool/`;
      const spooled = (await _filesUnder(spool.slice(0, -1))).map((f) => f.slice(spool.length));
      assert.deepEqual(spooled.filter((f) => !f.startsWith("clips/")), [], "the spool is empty");
      assert.deepEqual(
        spooled.filter((f) => f.startsWith("clips/") && !f.endsWith(".job.json")),
        [],
        "only pending clip jobs are left",
      );
      assert.equal(await exists(`${stack.dataDir}/pg/postmaster.pid`), false, "postgres stopped");
    } finally {
      await stack.close();
    }
  },
});
