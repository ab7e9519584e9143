/**
 * The test task's run step: the whole suite as two `deno test` processes side by side, then the
 * few tests that must run alone (SOLO_TESTS).
 *
 *   deno run -A scripts/run_tests.ts [deno test flags, e.g. --filter x]
 *
 * Why two: on CI's 2-core machine the suite had grown to 30 minutes (CI 2026-11-30: 1803 s,
 * setup included), and most of its files spend their time waiting (a dev stack starting, a
 * database held down for 30 s, leases expiring, a browser playing live video), not computing.
 * The offline tests (OFFLINE_TESTS) are the opposite: analyses of rendered or recorded video
 * with the real detector (scene ground truth, the CLI, privacy crops), CPU-bound passes over
 * every frame, whose results do not depend
 * on load (every frame is processed in order, nothing is dropped or timed). So they run in their
 * own process beside the rest, filling the other files' waits; the timing tests in the rest were
 * already written to hold on a loaded machine (their bounds say the load they were measured at).
 *
 * The offline process (its analyses, then AFTER_OFFLINE_TESTS) prefixes its lines with `[offline] `;
 * the rest print as `deno test` prints them, and so do SOLO_TESTS after both.
 * Exit code: 0 only when every process passed. The detector model is fetched once before either
 * starts, so the two never race to build it in `.data/models`.
 */
import { ensureNanodetOnnx } from "../analyzer/model/nanodet_model.ts";

/** Offline analyses of video with the real detector: CPU-bound, load-independent results (see above). */
export const OFFLINE_TESTS: readonly string[] = [
  "analyzer/ground_truth_test.ts",
  "analyzer/perspective_test.ts",
  "analyzer/pipeline/motion_gating_test.ts",
  "analyzer/pipeline/far_vehicle_test.ts",
  "analyzer/real_footage_test.ts",
  "analyzer/pipeline/motion_test.ts",
  "analyzer/cli_test.ts",
  "analyzer/capture/privacy_crop_test.ts",
  "analyzer/detector/centernet_test.ts",
  "analyzer/detector/low_light_scene_test.ts",
];

/**
 * The longest system tests (several real processes each), run in the offline process after its
 * analyses to balance the two. With the detector memo (analyzer/testing_scenes.ts) and the test
 * database template (dev/testing/postgres.ts) the offline analyses took 13.0 min and the rest
 * 24.2 min in a clean-clone run on the 2-core EPYC (2026-11-30); these three were 4.9 min of the
 * rest (fleet 124 s, clips 114 s, e2e 56 s). They run beside the rest's files as before, under the
 * same kind of load.
 */
export const AFTER_OFFLINE_TESTS: readonly string[] = [
  "dev/clips_dev_test.ts",
  "dev/e2e_test.ts",
];

/**
 * Run alone, after both processes: tests whose bound is a product figure that the box's load moves
 * (not a figure measured under that load). The fleet test's failover gaps are a lease expiry plus
 * the taker's pipeline start, and the start (ffmpeg's first frame, the first inference) took 1.5 s
 * on a quiet box but ~6 s beside the rest's files: CI at 954641a failed its 15 s bound with a 16.1 s
 * gap after the lease expiry (2026-12-02), CI at 34767a8 with a 15.5 s SIGKILL failover. ~2 min.
 */
export const SOLO_TESTS: readonly string[] = [
  "analyzer/fleet_test.ts",
];

/** `deno test` arguments of the processes; `extra` (filters, flags) goes to each. */
export function testCommands(
  extra: readonly string[],
): { offline: string[]; rest: string[]; solo: string[] } {
  const second = [...OFFLINE_TESTS, ...AFTER_OFFLINE_TESTS];
  return {
    offline: ["test", "-A", ...extra, ...second],
    rest: ["test", "-A", `--ignore=${[...second, ...SOLO_TESTS].join(",")}`, ...extra],
    solo: ["test", "-A", ...extra, ...SOLO_TESTS],
  };
}

/** Copy `stream` to `out` line by line, each line prefixed (whole lines, so output does not tear). */
async function _prefixLines(
  stream: ReadableStream<Uint8Array>,
  prefix: string,
  out: { write(p: Uint8Array): Promise<number> },
) {
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  const writeAll = async (text: string) => {
    const bytes = enc.encode(text);
    for (let off = 0; off < bytes.length;) off += await out.write(bytes.subarray(off));
  };
  let carry = "";
  for await (const chunk of stream) {
    const lines = (carry + dec.decode(chunk, { stream: true })).split("\n");
    carry = lines.pop() ?? "";
    if (lines.length) await writeAll(lines.map((l) => prefix + l + "\n").join(""));
  }
  if (carry) await writeAll(prefix + carry + "\n");
}

if (import.meta.main) {
  await ensureNanodetOnnx(".data/models");
  const cmds = testCommands(Deno.args);
  const t0 = performance.now();
  const offline = new Deno.Command(Deno.execPath(), {
    args: cmds.offline,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const rest = new Deno.Command(Deno.execPath(), { args: cmds.rest }).spawn();
  const [, , offlineStatus, restStatus] = await Promise.all([
    _prefixLines(offline.stdout, "[offline] ", Deno.stdout),
    _prefixLines(offline.stderr, "[offline] ", Deno.stderr),
    offline.status,
    rest.status,
  ]);
  const solo = await new Deno.Command(Deno.execPath(), { args: cmds.solo }).spawn().status;
  const min = ((performance.now() - t0) / 60_000).toFixed(1);
  const said = (ok: boolean) => ok ? "passed" : "FAILED";
  console.log(
    `test suite: offline tests ${said(offlineStatus.success)}, the rest ${
      said(restStatus.success)
    }, alone ${said(solo.success)} (${min} min)`,
  );
  Deno.exit(offlineStatus.success && restStatus.success && solo.success ? 0 : 1);
}
