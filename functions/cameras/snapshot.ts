/**
 * `GET /api/cameras/:id/snapshot.jpg`: a JPEG of a recent frame, for the mosaic's tiles that do
 * not play live video (beyond the live-player limit, or while the video is offline).
 *
 * Where the frame comes from (one ffmpeg run per refresh, never more often than `refreshMs` per
 * camera however many viewers ask):
 * - dev (the media relay is mounted): the relay's own live fMP4 — its init segment and the
 *   fragments since the latest keyframe — decoded by ffmpeg to the newest frame
 *   (functions/media-relay/relay.ts `grabFrame`), so no second connection to the camera;
 * - production: ffmpeg reads one frame of the camera's path from MediaMTX over RTSP with the
 *   read credentials (`MEDIA_READ_HOST`, `MEDIA_READ_USER`, `MEDIA_READ_PASSWORD`), as the
 *   analyzer does — MediaMTX already holds the stream, the camera sees no new reader
 *   (functions/_shared/ffmpeg_jpeg.ts `mediaMtxFrameGrab`).
 * Both spawn ffmpeg, so the grab is handed in by functions/main.ts (the functions container);
 * the cameras function deployed alone on an edge runtime has no snapshot source (404).
 * A grab runs only for a camera the list knows, and at most once per `refreshMs` per camera
 * even when it fails, so viewers cannot make the server spawn ffmpeg at will.
 * A failed refresh serves the previous frame with its true age (the tile shows it), so a camera
 * that just went offline still shows its last picture; no frame at all is a 503.
 */
import { redactSecrets } from "../../shared/redact.ts";

export interface Snapshot {
  jpeg: Uint8Array<ArrayBuffer>;
  /** Local clock time the frame was taken (ms since the epoch). */
  capturedAtMs: number;
}

/**
 * One fresh frame of a camera, or `"unknown"` when there is no such camera at the source; throws
 * when the source has it but no frame could be had.
 */
export type FrameGrab = (camera: string) => Promise<Uint8Array<ArrayBuffer> | "unknown">;

export class SnapshotCache {
  #grab: FrameGrab;
  #refreshMs: number;
  #now: () => number;
  #last = new Map<string, Snapshot>();
  #pending = new Map<string, Promise<Snapshot | "unknown" | null>>();
  #failedAt = new Map<string, number>();
  #log: (m: string) => void;

  constructor(
    opts: { grab: FrameGrab; refreshMs?: number; now?: () => number; log?: (m: string) => void },
  ) {
    this.#grab = opts.grab;
    this.#refreshMs = opts.refreshMs ?? 2_000;
    this.#now = opts.now ?? Date.now;
    this.#log = opts.log ?? ((m) => console.error(m));
  }

  /** The newest frame (refreshed when older than refreshMs), `"unknown"`, or null (none yet). */
  get(camera: string): Promise<Snapshot | "unknown" | null> {
    const last = this.#last.get(camera);
    if (last && this.#now() - last.capturedAtMs < this.#refreshMs) return Promise.resolve(last);
    const running = this.#pending.get(camera);
    if (running) return running;
    const failed = this.#failedAt.get(camera);
    if (failed !== undefined && this.#now() - failed < this.#refreshMs) {
      return Promise.resolve(last ?? null);
    }
    const p = this.#refresh(camera, last).finally(() => this.#pending.delete(camera));
    this.#pending.set(camera, p);
    return p;
  }

  async #refresh(camera: string, last: Snapshot | undefined): Promise<Snapshot | "unknown" | null> {
    try {
      const jpeg = await this.#grab(camera);
      if (jpeg === "unknown") {
        this.#last.delete(camera);
        return "unknown";
      }
      const snap = { jpeg, capturedAtMs: this.#now() };
      this.#last.set(camera, snap);
      this.#failedAt.delete(camera);
      return snap;
    } catch (e) {
      this.#failedAt.set(camera, this.#now());
      this.#log(redactSecrets(`snapshot ${camera}: ${(e as Error).message}`));
      return last ?? null;
    }
  }
}
