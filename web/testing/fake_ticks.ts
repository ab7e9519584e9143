/**
 * A stand-in for functions/relay in browser tests: pushes a status and 10 Hz ticks (tracks
 * from `tracks()`) to every /ws client, and can send any other message (pass events).
 */
import { Hono } from "hono";
import { upgradeWebSocket } from "hono/deno";
import type { WSContext } from "hono/ws";
import type { Tick, TickTrack } from "../../shared/tick.ts";

const _DEFAULT_TRACKS: TickTrack[] = [
  { id: 1, label: "person", conf: 0.81, bbox: [0.1, 0.2, 0.05, 0.2] },
  { id: 2, label: "car", conf: 0.55, bbox: [0.6, 0.5, 0.2, 0.15], phase: "stopped", stop_s: 1.2 },
];

export class FakeTicks {
  clients = new Set<WSContext>();
  analyzer: "online" | "offline" | "paused" = "online";
  #seq = 0;
  #timer: ReturnType<typeof setInterval>;

  constructor(
    readonly camera = "cam_01",
    readonly tracks: () => TickTrack[] = () => _DEFAULT_TRACKS,
    readonly frame = { w: 768, h: 576 },
  ) {
    this.#timer = setInterval(() => this.#tick(), 100);
  }

  app(): Hono {
    const app = new Hono();
    app.get(
      "/ws",
      upgradeWebSocket(() => ({
        onOpen: (_e, ws) => {
          this.clients.add(ws);
          ws.send(this.#status());
        },
        onClose: (_e, ws) => void this.clients.delete(ws),
      })),
    );
    return app;
  }

  #status(): string {
    return JSON.stringify({ v: 1, type: "status", camera: this.camera, analyzer: this.analyzer });
  }

  setAnalyzer(s: "online" | "offline" | "paused"): void {
    this.analyzer = s;
    this.broadcast(this.#status());
  }

  broadcast(text: string): void {
    for (const ws of this.clients) ws.send(text);
  }

  #tick(): void {
    if (this.analyzer !== "online") return;
    const tick: Tick = {
      v: 1,
      type: "tick",
      camera: this.camera,
      seq: this.#seq++,
      ts: Date.now() - 40,
      frame: this.frame,
      space: "source",
      tracks: this.tracks(),
      stats: { fps: 10, infer_ms: 13.2, lag_ms: 30, dropped: 0 },
    };
    this.broadcast(JSON.stringify(tick));
  }

  close(): void {
    clearInterval(this.#timer);
    for (const ws of this.clients) ws.close();
  }
}
