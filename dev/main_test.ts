/**
 * `deno task dev` stopped the way a terminal's Ctrl-C does it: SIGINT to the whole foreground
 * process group. The stack must stop in dependency order, so the analyzer's last flush reaches
 * Postgres: no "database system is shutting down", an empty spool, no postmaster left behind.
 */
import assert from "node:assert/strict";
import { exists } from "../shared/fs.ts";

const MAIN = new URL("./main.ts", import.meta.url).pathname;

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

function _lines(stream: ReadableStream<Uint8Array>, onLine: (line: string) => void): Promise<void> {
  return (async () => {
    let rest = "";
    const decoder = new TextDecoder();
    for await (const bytes of stream) {
      const parts = (rest + decoder.decode(bytes, { stream: true })).split("\n");
      rest = parts.pop() ?? "";
      for (const l of parts) onLine(l);
    }
    if (rest) onLine(rest);
  })();
}

async function _until<T>(what: string, get: () => T | Promise<T>, ms: number, log: string[]) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const v = await get();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}\n${log.join("\n")}`);
}

Deno.test({
  name: "dev: Ctrl-C (SIGINT to the process group) stops analyzer, functions, postgres in order",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const dataDir = await Deno.makeTempDir({ prefix: "stopline-dev-stop-" });
    await Deno.chmod(dataDir, 0o755); // postgres runs as its own user and must reach pg/
    // Detached: its own session and process group, like a shell's foreground job.
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", MAIN],
      env: { STOPLINE_DATA_DIR: dataDir, PORT: "0" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      detached: true,
    }).spawn();
    const log: string[] = [];
    const read = Promise.all([
      _lines(child.stdout, (l) => log.push(l)),
      _lines(child.stderr, (l) => log.push(l)),
    ]);
    let exited = false;
    const status = child.status.finally(() => exited = true);
    try {
      const running = await _until(
        "the stack to start",
        () => log.find((l) => l.startsWith("stopline is running")),
        120_000,
        log,
      );
      const url = /open (http:\/\/\S+?)\/\?/.exec(running)![1];
      // Stop while the analyzer is busy writing: after its first judged pass (cam_02's van stops
      // every ~12 s), samples and track events of both cameras are always queued.
      await _until(
        "a pass in the database",
        async () => {
          const res = await fetch(`${url}/api/passes?limit=1`).catch(() => null);
          const body = res?.ok ? await res.json() : null;
          return (body?.passes?.length ?? 0) > 0;
        },
        90_000,
        log,
      );

      Deno.kill(-child.pid, "SIGINT"); // the terminal's Ctrl-C: every process in the group
      const { code } = await status;
      await read;
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
      assert.deepEqual(await _filesUnder(`${dataDir}/spool`), [], "the spool is empty");
      assert.equal(await exists(`${dataDir}/pg/postmaster.pid`), false, "postgres stopped");
    } finally {
      if (!exited) {
        try {
          Deno.kill(-child.pid, "SIGKILL");
        } catch { /* gone */ }
        await status;
      }
      await read.catch(() => {});
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    }
  },
});
