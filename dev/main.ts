/**
 * `deno task dev`: the whole system with no setup (dev/stack_main.ts, see there for the
 * environment). Ctrl-C / SIGTERM stops everything in dependency order before exiting: the
 * analyzer (its last flush still reaches Postgres), then the functions, then Postgres.
 *
 * Why a supervisor process: a terminal's Ctrl-C sends SIGINT to every process of the foreground
 * process group, so Postgres (fast shutdown) and the analyzer would each stop at once on their
 * own, racing the analyzer's last write ("the database system is shutting down"). The stack runs
 * detached, in a session of its own that no terminal signal reaches; this process turns a signal
 * into closing the stack's stdin, which starts the ordered stop (stack_main.ts
 * `--stop-on-stdin-eof`). If this process dies, the pipe closes too and the stack still stops.
 */
const stackMain = new URL("./stack_main.ts", import.meta.url).pathname;

const child = new Deno.Command(Deno.execPath(), {
  args: ["run", "-A", stackMain, "--stop-on-stdin-eof"],
  stdin: "piped",
  stdout: "inherit",
  stderr: "inherit",
  detached: true,
}).spawn();
const stdin = child.stdin.getWriter();

let stopping = false;
function stop() {
  // `deno task` forwards the terminal's SIGINT, which reached this process too: act once.
  if (stopping) return;
  stopping = true;
  stdin.close().catch(() => {});
}
Deno.addSignalListener("SIGINT", stop);
Deno.addSignalListener("SIGTERM", stop);

const status = await child.status;
Deno.exit(status.code);
