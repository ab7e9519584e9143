/// <reference lib="dom" />
/**
 * The page's player for one camera: the configured modes in order behind a FallbackPlayer,
 * each pointed at its server (MediaMTX WHEP / HLS, or the dev relay's WebSocket) with the
 * operator's token.
 */
import type { AppConfig, PlayerMode } from "../../../shared/app_config.ts";
import { h264CopyPath } from "../../../shared/media_paths.ts";
import { getToken, wsUrl } from "../session.ts";
import { FallbackPlayer } from "./fallback_player.ts";
import { HlsPlayer } from "./hls_player.ts";
import { MsePlayer } from "./mse_player.ts";
import type { LivePlayer, StateListener, VideoState } from "./player.ts";
import { WhepPlayer } from "./whep_player.ts";

function _bearer(): Record<string, string> {
  const t = getToken();
  return t ? { authorization: `Bearer ${t}` } : {};
}

/**
 * The media path to play for a camera: an H.265 camera's H.264 copy (`<cam>_h264`; MediaMTX's
 * on-demand transcode, or the dev relay's own), since Chrome plays H.265 over neither WebRTC nor MSE.
 */
export function playablePath(camera: string, codec: string | null | undefined): string {
  return codec === "h265" ? h264CopyPath(camera) : camera;
}

export function createModePlayer(
  mode: PlayerMode,
  video: HTMLVideoElement,
  camera: string,
  cfg: AppConfig,
  onState: StateListener,
  codec?: string | null,
): LivePlayer {
  const cam = encodeURIComponent(playablePath(camera, codec));
  if (mode === "whep") {
    return new WhepPlayer(video, {
      url: `${cfg.whep_base}/${cam}/whep`,
      headers: _bearer,
      onState,
    });
  }
  if (mode === "hls") {
    return new HlsPlayer(video, {
      url: `${cfg.hls_base}/${cam}/index.m3u8`,
      headers: _bearer,
      onState,
    });
  }
  return new MsePlayer(video, { url: wsUrl(`/media/ws?camera=${cam}`), onState });
}

export function createPlayer(
  video: HTMLVideoElement,
  camera: string,
  cfg: AppConfig,
  order: PlayerMode[],
  onState: (state: VideoState, detail: string, mode: PlayerMode) => void,
  /** The camera's codec when known (read at each mode's start: it may arrive after creation). */
  codec: () => string | null | undefined = () => null,
): FallbackPlayer {
  return new FallbackPlayer({
    order,
    create: (mode, listener) => createModePlayer(mode, video, camera, cfg, listener, codec()),
    onState,
  });
}
