/**
 * A child that ends with the analyzer, however the analyzer ends.
 *
 * The segment recorder's ffmpeg writes files, not a pipe the analyzer reads frames from, so a
 * SIGKILLed analyzer did not end it: ffmpeg ignores SIGPIPE and the segment muxer ignores the
 * failed write of its list line. 74 such recorders were found running after one session's fleet
 * tests, and they slowed the next CI run to load 9-12. Linux's parent-death signal belongs to
 * the spawning thread, not the process, so it is no fit for a runtime that spawns from any thread.
 *
 * So the child runs under a small POSIX sh watchdog whose stdin is a pipe from the analyzer. The
 * analyzer never writes to it; when the analyzer's end closes (exit, crash or SIGKILL: the kernel
 * closes it), `cat` reads EOF and the watchdog sends the child SIGTERM (SIGKILL 5 s later). A
 * SIGTERM to the watchdog is passed on, so `kill()` still stops the child gracefully (ffmpeg
 * closes its last segment), and the watchdog exits with the child's status.
 *
 * The watchdog waits before it asks whether the child lives: a child that ends before the loop
 * begins (a fast failure) still has its status, which `wait` returns once. Asking first read such a
 * child's exit 7 as 0 in 4 of 5 runs on this machine (2026-12-03). A `wait` cut short by the
 * trapped SIGTERM returns while the child lives, so it waits again for the real status. The trap
 * is set before the child starts (a SIGTERM before the child's pid is known is passed on once it
 * is), so once the child runs the watchdog passes SIGTERM on; set after the spawn, a `kill()` soon
 * after could still meet the default action (bound_to_analyzer_test failed so in a CI run of
 * 3f50333, 2026-12-03).
 */

const WATCHDOG = `exec 3<&0 </dev/null
p= t=
trap 't=1; [ -n "$p" ] && kill -TERM "$p" 2>/dev/null' TERM INT
"$0" "$@" & p=$!
[ -n "$t" ] && kill -TERM "$p" 2>/dev/null
{ cat <&3 >/dev/null; kill -TERM "$p"; sleep 5; kill -KILL "$p"; } >/dev/null 2>&1 &
w=$!
exec 3<&-
while :; do wait "$p"; rc=$?; kill -0 "$p" 2>/dev/null || break; done
kill "$w" 2>/dev/null
exit "$rc"`;

/**
 * Spawn `bin args` bound to this process: stdout and stderr piped as given, stdin held by the
 * analyzer (do not close it while the child should run; close it or `kill()` to stop).
 */
export function spawnBoundToAnalyzer(
  bin: string,
  args: string[],
  io: { stdout: "piped" | "null"; stderr: "piped" | "null" },
): Deno.ChildProcess {
  return new Deno.Command("sh", {
    args: ["-c", WATCHDOG, bin, ...args],
    stdin: "piped",
    ...io,
  }).spawn();
}
