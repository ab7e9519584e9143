/**
 * `deno task dev` (dev/main.ts) as a test starts it: a fresh data directory, PORT 0, its own
 * process group (detached, like a shell's foreground job, so SIGINT reaches every process the
 * way a terminal's Ctrl-C does), and its output kept line by line for assertions and failures.
 */
import { waitFor } from "./wait.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;

export interface DevStack {
  /** The STOPLINE_DATA_DIR of this run (removed by close). */
  readonly dataDir: string;
  /** Output lines so far, stdout and stderr interleaved. */
  readonly log: string[];
  /** Resolves with the supervisor's exit status once it exited and its output is all read. */
  exited(): Promise<Deno.CommandStatus>;
  /** The whole output so far, for assertion messages. */
  logText(): string;
  /** Waits for "stopline is running" and returns the app's base URL. */
  running(ms?: number): Promise<string>;
  /** Like waitFor, with the output appended to a timeout's message. */
  waitFor<T>(
    what: string,
    check: () => T | undefined | false | Promise<T | undefined | false>,
    ms: number,
    everyMs?: number,
  ): Promise<T>;
  /** The terminal's Ctrl-C: SIGINT to every process in the group. */
  interrupt(): void;
  /** SIGKILL to the group when it still runs, then waits for the output and removes dataDir. */
  close(): Promise<void>;
}

export async function startDevStack(
  opts: { prefix: string; env?: Record<string, string> },
): Promise<DevStack> {
  const dataDir = await Deno.makeTempDir({ prefix: opts.prefix });
  await Deno.chmod(dataDir, 0o755); // postgres runs as its own user and must reach pg/
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN],
    env: { STOPLINE_DATA_DIR: dataDir, PORT: "0", ...opts.env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    detached: true,
  }).spawn();
  const log: string[] = [];
  const read = Promise.all([child.stdout, child.stderr].map((s) => _lines(s, (l) => log.push(l))));
  let exited = false;
  const status = child.status.finally(() => exited = true);
  const logText = () => log.join("\n");
  const withLog = <T>(
    what: string,
    check: () => T | undefined | false | Promise<T | undefined | false>,
    ms: number,
    everyMs?: number,
  ) =>
    waitFor(what, check, ms, everyMs).catch((e) => {
      throw new Error(`${e.message}\n${logText()}`);
    });
  return {
    dataDir,
    log,
    async exited() {
      const s = await status;
      await read.catch(() => {});
      return s;
    },
    logText,
    waitFor: withLog,
    async running(ms = 120_000) {
      const line = await withLog(
        "the stack to start",
        () => log.find((l) => l.startsWith("stopline is running")),
        ms,
      );
      return /open (http:\/\/\S+?)\/\?/.exec(line)![1];
    },
    interrupt() {
      Deno.kill(-child.pid, "SIGINT");
    },
    async close() {
      if (!exited) {
        try {
          Deno.kill(-child.pid, "SIGKILL");
        } catch { /* gone */ }
        await status;
      }
      await read.catch(() => {});
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    },
  };
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
