/**
 * Which camera sources stopline hands to ffmpeg (or MediaMTX). A source in the settings file or
 * the cameras table is operator input, and ffmpeg reads far more than cameras: local files
 * (`/etc/passwd`, `file:///proc/self/environ`) and pseudo-protocols (`concat:`, `subfile:`,
 * `pipe:`, `data:`) that read or combine files. So a source is either a URL with a scheme a
 * camera uses, or a file under the media directory (STOPLINE_MEDIA_DIR, default the repo's
 * samples/: the dev clips and the ground-truth scenes). The offline CLI's `--source` is the
 * local user's own choice and is not checked (analyzer/cli.ts).
 *
 * Problems are described without the source itself: it may hold credentials.
 */
import { isAbsolute, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** Schemes a camera (or a camera's relay) streams over. */
export const CAMERA_SCHEMES: readonly string[] = [
  "rtsp",
  "rtsps",
  "rtmp",
  "rtmps",
  "srt",
  "http",
  "https",
];

/** The repository root: relative file sources are relative to it, not to the process cwd. */
export const REPO_ROOT: string = fileURLToPath(new URL("../", import.meta.url));

export interface SourcePolicy {
  /** Absolute directory that file sources must be inside; null = no file sources at all. */
  mediaDir: string | null;
  /** Allowed URL schemes (lower case, without `:`). */
  schemes: readonly string[];
}

/** STOPLINE_MEDIA_DIR (relative to the repo root), default `<repo>/samples`. */
export function sourcePolicyFromEnv(
  env: (name: string) => string | undefined = (n) => Deno.env.get(n),
): SourcePolicy {
  const dir = env("STOPLINE_MEDIA_DIR")?.trim() || "samples";
  return { mediaDir: resolve(REPO_ROOT, dir), schemes: CAMERA_SCHEMES };
}

const _SCHEME_RE = /^([a-z][a-z0-9+.-]*):/i;
// deno-lint-ignore no-control-regex
const _CONTROL_RE = /[\u0000-\u001f\u007f]/;

/** An absolute path for a file source (`file://` stripped; relative = from the repo root). */
export function resolveFileSource(source: string): string {
  const path = source.replace(/^file:\/\//i, "");
  return isAbsolute(path) ? normalize(path) : join(REPO_ROOT, path);
}

/** Why `source` may not be used (a message naming no part of it), or null when it may. */
export function sourceProblem(source: string, policy: SourcePolicy): string | null {
  if (_CONTROL_RE.test(source)) return "must not contain control characters";
  const scheme = _SCHEME_RE.exec(source)?.[1].toLowerCase();
  if (scheme && scheme !== "file") return _urlProblem(source, scheme, policy);
  if (scheme === "file" && !/^file:\/\//i.test(source)) {
    return "a file URL must be file:// followed by a path";
  }
  return _fileProblem(source, policy);
}

function _urlProblem(source: string, scheme: string, policy: SourcePolicy): string | null {
  const allowed = policy.schemes.join(", ");
  if (!policy.schemes.includes(scheme)) {
    return `scheme ${scheme}: is not allowed; use one of ${allowed}` +
      (policy.mediaDir ? " or a file under the media directory" : "");
  }
  if (/\s/.test(source)) return "a URL must not contain spaces (percent-encode them)";
  let url: URL;
  try {
    url = new URL(source);
  } catch {
    return `is not a valid ${scheme} URL`;
  }
  if (!source.slice(scheme.length + 1).startsWith("//") || url.hostname === "") {
    return `a ${scheme} URL needs a host (${scheme}://host/...)`;
  }
  return null;
}

function _fileProblem(source: string, policy: SourcePolicy): string | null {
  if (!policy.mediaDir) {
    return `must be a ${policy.schemes.join(", ")} URL (file sources are not allowed here)`;
  }
  const path = source.replace(/^file:\/\//i, "");
  if (path.split(/[/\\]/).includes("..")) return "a file path must not contain `..`";
  // ffmpeg reads `name:` prefixes as protocols; a camera clip's name never needs one.
  if (/[:|]/.test(path)) return "a file path must not contain `:` or `|`";
  const abs = resolveFileSource(source);
  const dir = normalize(policy.mediaDir);
  if (!_inside(abs, dir)) {
    return "a file source must be inside the media directory (STOPLINE_MEDIA_DIR)";
  }
  // A symlink inside the directory must not lead out of it.
  const real = _realPath(abs);
  const realDir = _realPath(dir) ?? dir;
  if (real !== null && !_inside(real, realDir)) {
    return "a file source must be inside the media directory (STOPLINE_MEDIA_DIR)";
  }
  return null;
}

function _inside(path: string, dir: string): boolean {
  const d = dir.endsWith(sep) ? dir : dir + sep;
  return path.startsWith(d);
}

function _realPath(path: string): string | null {
  try {
    return Deno.realPathSync(path);
  } catch {
    return null; // missing (checked again when it is opened) or no file system (edge runtime)
  }
}
