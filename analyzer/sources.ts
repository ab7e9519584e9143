/**
 * Where a camera's frames come from. A file source in `deno task dev` is served as a live
 * stream by the local media relay (STOPLINE_MEDIA_URL); the analyzer reads that stream, so the
 * browser's video and the overlays show the same instant. Otherwise the file is read directly.
 */
import type { CameraConfig } from "../shared/config.ts";
import { isNetworkSource, type SourceSpec } from "./source/ffmpeg_args.ts";

const REPO_ROOT = new URL("../", import.meta.url);

export function resolveSource(
  camera: string,
  cfg: CameraConfig,
  mediaUrl: string | undefined,
): { spec: SourceSpec; live: boolean } {
  if (isNetworkSource(cfg.source)) return { spec: { source: cfg.source }, live: true };
  if (mediaUrl) {
    return { spec: { source: `${mediaUrl.replace(/\/$/, "")}/${camera}.mp4` }, live: true };
  }
  return {
    spec: { source: resolveFilePath(cfg.source), loop: cfg.loop, realtime: true },
    live: cfg.loop,
  };
}

/** A relative file path in the config is relative to the repository root. */
export function resolveFilePath(path: string): string {
  const p = path.replace(/^file:\/\//, "");
  return p.startsWith("/") ? p : new URL(p, REPO_ROOT).pathname;
}
