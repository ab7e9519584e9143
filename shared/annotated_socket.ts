/**
 * Dev only (issue #14 §6): where the analyzer hands `<cam>_annotated` to the dev media relay.
 * The relay's ffmpeg listens on a Unix socket per camera, in a directory only this user may
 * enter (0700), and the analyzer's annotate ffmpeg connects to it with MPEG-TS: no TCP port, no
 * route, and no other local user can publish. Deno-only.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const _REPO_ROOT = fileURLToPath(new URL("../", import.meta.url));

/** STOPLINE_ANNOTATED_DIR, else `.data/annotated` in the repo (both processes agree). */
export function annotatedSocketDir(env: (name: string) => string | undefined): string {
  return env("STOPLINE_ANNOTATED_DIR") || join(_REPO_ROOT, ".data/annotated");
}

/** The ffmpeg URL of a camera's socket (`unix:<dir>/<camera>.sock`; keep the path < 108 bytes). */
export function annotatedSocketUrl(dir: string, camera: string): string {
  return `unix:${join(dir, `${camera}.sock`)}`;
}

/** Creates the socket directory, owner-only. */
export function ensureAnnotatedSocketDir(dir: string): void {
  Deno.mkdirSync(dir, { recursive: true, mode: 0o700 });
  Deno.chmodSync(dir, 0o700);
}
