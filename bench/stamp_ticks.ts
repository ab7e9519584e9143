/**
 * The glass-to-glass bench's analyzer: reads a camera's live fMP4 from the dev media relay
 * exactly as the dev analyzer does (analyzer/source/frame_source.ts: the ffmpeg decode worker
 * and the analyzer's capture clock, PTS anchored on the earliest arrival), reads each decoded
 * frame's time stamp (bench/time_stripe.ts) and publishes one tick per frame with that frame's
 * capture time and stream time (`media_ms`) on `/ws`, as functions/relay does. So the bench knows, for every stamp a page
 * displays, the capture time the analyzer gave that very frame: the overlay must draw the tick
 * of that time on it.
 */
import { Hono } from "hono";
import { upgradeWebSocket } from "hono/deno";
import type { WSContext } from "hono/ws";
import { FrameSource } from "../analyzer/source/frame_source.ts";
import type { Tick } from "../shared/tick.ts";
import { readStamp, STRIPE_COLUMNS, STRIPE_ROWS } from "./time_stripe.ts";

/** The stamp of an RGB24 frame (the decode worker's format). */
export function readRgbStamp(rgb: Uint8Array, width: number, height: number): number | null {
  const rows = Math.min(height, Math.ceil((width / STRIPE_COLUMNS) * STRIPE_ROWS));
  const rgba = new Uint8ClampedArray(width * rows * 4);
  for (let i = 0; i < width * rows; i++) {
    rgba[i * 4] = rgb[i * 3];
    rgba[i * 4 + 1] = rgb[i * 3 + 1];
    rgba[i * 4 + 2] = rgb[i * 3 + 2];
    rgba[i * 4 + 3] = 255;
  }
  return readStamp(rgba, width, rows);
}

export class StampTicks {
  readonly clients = new Set<WSContext>();
  /** Stamp (ms mod 2^32) -> the analyzer's capture time of that frame (unix ms). */
  readonly captureOf = new Map<number, number>();
  /** Stamp -> that frame's stream time (ms, the tick's `media_ms`). */
  readonly mediaOf = new Map<number, number>();
  frames = 0;
  unreadable = 0;
  #source: FrameSource | undefined;
  #loop: Promise<void> | undefined;
  #seq = 0;

  constructor(readonly camera: string) {}

  /** `/ws` as the page expects it (status, then ticks). */
  app(): Hono {
    const app = new Hono();
    app.get(
      "/ws",
      upgradeWebSocket(() => ({
        onOpen: (_e, ws) => {
          this.clients.add(ws);
          ws.send(
            JSON.stringify({ v: 1, type: "status", camera: this.camera, analyzer: "online" }),
          );
        },
        onClose: (_e, ws) => void this.clients.delete(ws),
      })),
    );
    return app;
  }

  /** Start reading `mediaUrl` (the relay's `/media/<camera>.mp4`). */
  start(mediaUrl: string): void {
    const source = new FrameSource({ source: mediaUrl }, { reconnect: true, log: () => {} });
    this.#source = source;
    source.start();
    this.#loop = (async () => {
      while (true) {
        const f = await source.next();
        if (!f) return;
        const { width, height, captureTs, streamPtsS } = f.meta;
        const stamp = readRgbStamp(f.data, width, height);
        source.release(f);
        if (stamp === null) {
          this.unreadable++;
          continue;
        }
        this.frames++;
        this.captureOf.set(stamp, captureTs);
        this.mediaOf.set(stamp, streamPtsS * 1000);
        const tick: Tick = {
          v: 1,
          type: "tick",
          camera: this.camera,
          seq: this.#seq++,
          ts: captureTs,
          // The analyzer's tick_builder rounds it to 1 us too.
          media_ms: Math.round(streamPtsS * 1e6) / 1e3,
          frame: { w: width, h: height },
          space: "source",
          tracks: [{ id: 1, label: "car", conf: 0.9, bbox: [0.4, 0.5, 0.2, 0.2] }],
          stats: { fps: 30, infer_ms: 0, lag_ms: Date.now() - captureTs, dropped: 0 },
        };
        const text = JSON.stringify(tick);
        for (const ws of this.clients) ws.send(text);
      }
    })();
  }

  async close(): Promise<void> {
    this.#source?.stop();
    await this.#loop;
    for (const ws of this.clients) ws.close();
  }
}
