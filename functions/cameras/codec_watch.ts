/**
 * Production half of issue #14 §5: each camera's codec as MediaMTX sees it when the camera
 * connects (runtime API `GET /v3/paths/get/<cam>`), cached briefly for the cameras listing. A
 * camera found sending H.265 gets its `<cam>_h264` path (an on-demand libx264 copy, see
 * h264CopyPathConf) so browsers, which cannot play H.265, watch that instead.
 */
import { redactSecrets } from "../../shared/redact.ts";
import { h264CopyPath } from "../../shared/media_paths.ts";
import { h264CopyPathConf, type MediaMtxClient } from "./mediamtx_client.ts";

export interface CodecWatchOptions {
  /** Keep a looked-up codec this long before asking MediaMTX again (default 15 s). */
  ttlMs?: number;
  log?: (m: string) => void;
}

export class CodecWatch {
  readonly #mediamtx: MediaMtxClient;
  readonly #ttlMs: number;
  readonly #log: (m: string) => void;
  readonly #cache = new Map<string, { codec: string | null; at: number }>();
  /** Cameras whose `<cam>_h264` path is in place (set again after MediaMTX loses it: ttl). */
  readonly #copies = new Map<string, number>();

  constructor(mediamtx: MediaMtxClient, opts: CodecWatchOptions = {}) {
    this.#mediamtx = mediamtx;
    this.#ttlMs = opts.ttlMs ?? 15_000;
    this.#log = opts.log ?? ((m) => console.error(m));
  }

  /** The codecs of these cameras (null: not publishing, or MediaMTX unreachable). */
  async codecs(cameras: readonly string[]): Promise<Map<string, string | null>> {
    const now = Date.now();
    await Promise.all(cameras.map(async (camera) => {
      const hit = this.#cache.get(camera);
      if (hit && now - hit.at < this.#ttlMs) return;
      let codec: string | null = null;
      try {
        codec = await this.#mediamtx.videoCodec(camera);
      } catch (e) {
        // The listing must not fail with MediaMTX: the codec is just unknown for now.
        this.#log(`[cameras] codec of ${camera}: ${redactSecrets((e as Error).message)}`);
      }
      this.#cache.set(camera, { codec, at: now });
      if (codec === "h265") await this.#ensureCopy(camera, now);
    }));
    return new Map(cameras.map((c) => [c, this.#cache.get(c)?.codec ?? null]));
  }

  async #ensureCopy(camera: string, now: number): Promise<void> {
    const at = this.#copies.get(camera);
    if (at !== undefined && now - at < this.#ttlMs * 20) return;
    try {
      await this.#mediamtx.update(h264CopyPath(camera), h264CopyPathConf(camera));
      this.#copies.set(camera, now);
    } catch (e) {
      this.#log(`[cameras] ${h264CopyPath(camera)}: ${redactSecrets((e as Error).message)}`);
    }
  }
}
