/**
 * Where a camera's frames come from. A file source in `deno task dev` is served as a live
 * stream by the local media relay (STOPLINE_MEDIA_URL, with STOPLINE_MEDIA_TOKEN when the relay
 * has auth on); the analyzer reads that stream, so the browser's video and the overlays show the
 * same instant. Otherwise the file is read directly.
 *
 * On a site, cameras are read from MediaMTX with the internal reader's credentials
 * (MEDIA_READ_USER/PASSWORD). Those are stopline's own secrets, so the settings file (edited by
 * operators) cannot reference them; instead the analyzer adds them itself to a source on the
 * media server's address (MEDIA_READ_HOST, e.g. `mediamtx:8554`) that carries no user info.
 */
import type { CameraConfig } from "../shared/config.ts";
import { isNetworkSource, type SourceSpec } from "./source/ffmpeg_args.ts";

const REPO_ROOT = new URL("../", import.meta.url);

export interface MediaAccess {
  /** The dev media relay's `/media` base URL. */
  relayUrl?: string;
  /** A viewer token for the relay (auth on). */
  relayToken?: string;
  /** MediaMTX's internal reader, added to sources on `host` (host:port). */
  reader?: { host: string; user: string; password: string };
}

/** STOPLINE_MEDIA_URL, STOPLINE_MEDIA_TOKEN, MEDIA_READ_HOST + MEDIA_READ_USER/PASSWORD. */
export function mediaAccessFromEnv(env: (n: string) => string | undefined): MediaAccess {
  const [host, user, password] = [
    env("MEDIA_READ_HOST"),
    env("MEDIA_READ_USER"),
    env("MEDIA_READ_PASSWORD"),
  ];
  return {
    relayUrl: env("STOPLINE_MEDIA_URL") || undefined,
    relayToken: env("STOPLINE_MEDIA_TOKEN") || undefined,
    reader: host && user && password ? { host, user, password } : undefined,
  };
}

export function resolveSource(
  camera: string,
  cfg: CameraConfig,
  media: MediaAccess = {},
): { spec: SourceSpec; live: boolean } {
  if (isNetworkSource(cfg.source)) {
    return { spec: { source: withMediaReader(cfg.source, media.reader) }, live: true };
  }
  if (media.relayUrl) {
    const token = media.relayToken ? `?token=${encodeURIComponent(media.relayToken)}` : "";
    return {
      spec: {
        source: `${media.relayUrl.replace(/\/$/, "")}/${camera}.mp4${token}`,
        sharedTimeline: true,
      },
      live: true,
    };
  }
  return {
    spec: { source: resolveFilePath(cfg.source), loop: cfg.loop, realtime: true },
    live: cfg.loop,
  };
}

/** `source` with the reader's credentials when it points at the media server without any. */
export function withMediaReader(source: string, reader: MediaAccess["reader"]): string {
  if (!reader) return source;
  let url: URL;
  try {
    url = new URL(source);
  } catch {
    return source;
  }
  if (url.username || url.password || url.host.toLowerCase() !== reader.host.toLowerCase()) {
    return source;
  }
  url.username = encodeURIComponent(reader.user);
  url.password = encodeURIComponent(reader.password);
  return url.toString();
}

/** A relative file path in the config is relative to the repository root. */
export function resolveFilePath(path: string): string {
  const p = path.replace(/^file:\/\//, "");
  return p.startsWith("/") ? p : new URL(p, REPO_ROOT).pathname;
}
