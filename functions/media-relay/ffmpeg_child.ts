/** Handling of the relay's ffmpeg children (fMP4 remux, RTP packetizer): stopping, error tails. */
import { redactSecrets } from "../../shared/redact.ts";

/** How long ffmpeg gets to exit after SIGTERM before SIGKILL. */
export const FFMPEG_STOP_GRACE_MS = 2_000;

/**
 * SIGTERM, then SIGKILL if it has not exited after the grace: ffmpeg normally exits within
 * milliseconds of SIGTERM, but an orphan must never be left behind. Resolves on exit.
 */
export function stopChild(
  child: Deno.ChildProcess,
  graceMs = FFMPEG_STOP_GRACE_MS,
): Promise<Deno.CommandStatus> {
  try {
    child.kill("SIGTERM");
  } catch { /* already gone */ }
  const killer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
  }, graceMs);
  return child.status.finally(() => clearTimeout(killer));
}

/**
 * The last three lines of a child's stderr, joined by " | " and redacted (ffmpeg error lines
 * often echo the input URL): only the last 2000 characters are kept while it runs.
 * `redact` takes out what redactSecrets cannot know (e.g. the camera's source).
 */
export async function stderrTail(
  stream: ReadableStream<Uint8Array>,
  redact: (text: string) => string = (t) => t,
): Promise<string> {
  let tail = "";
  const dec = new TextDecoder();
  try {
    for await (const chunk of stream) {
      tail = (tail + dec.decode(chunk, { stream: true })).slice(-2000);
    }
  } catch { /* process killed */ }
  return redactSecrets(redact(tail.trim().split("\n").slice(-3).join(" | ")));
}
