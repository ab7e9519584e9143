/**
 * The dev media relay (a local stand-in for MediaMTX): serves each camera's live fragmented MP4
 * over WebSocket (for MSE in the browser) and as a chunked HTTP response (for the dev analyzer),
 * from one shared ffmpeg per camera.
 *
 * It serves live video, so it follows the same access rule as the tick relay's `/ws`
 * (functions/_shared/camera_access.ts): with auth on, every route needs a token allowed for the
 * camera (`?token=` from the browser, as the tick socket sends it), a browser's WebSocket must
 * come from the same origin or the CORS allow-list, and `/media/status` lists only the cameras
 * the token may watch. Clients never see ffmpeg's output (it can echo the source URL): a video
 * outage is told as a fixed reason; the detail goes to the (redacted) log.
 */
import { Hono } from "hono";
import { upgradeWebSocket } from "hono/deno";
import type { WSContext } from "hono/ws";
import { videoOfflineText } from "../../shared/status.ts";
import { authFromEnv, type AuthSettings, mayReadCamera } from "../_shared/auth.ts";
import { upgradeOriginAllowed, watchClaims, watchDenied } from "../_shared/camera_access.ts";
import { corsOriginsFromEnv } from "../_shared/cors.ts";
import { KeyframeGate } from "./keyframe_gate.ts";
import { LiveFmp4Stream, type SourceSpec, type StreamEvent } from "./live_fmp4.ts";
import { ffmpegJpeg } from "../_shared/ffmpeg_jpeg.ts";

export const CAMERA_ID = /^[A-Za-z0-9_-]{1,64}$/;

export interface MediaRelayOptions {
  /** Current camera sources; consulted on every request so config edits apply to new clients. */
  sources: () => Map<string, SourceSpec>;
  ffmpeg?: string;
  idleStopMs?: number;
  /** Per-client send buffer above which fragments are dropped until the next keyframe. */
  maxClientBufferedBytes?: number;
  log?: (msg: string) => void;
  /** Who may watch (default from the environment: STOPLINE_JWT_SECRET), as on `/ws`. */
  auth?: AuthSettings;
  /** Origins besides the same origin allowed to open the WebSocket (STOPLINE_CORS_ORIGINS). */
  corsOrigins?: readonly string[];
}

export type MediaRelay = Hono & {
  /** Stop every ffmpeg and disconnect every client. */
  close(): Promise<void>;
  /** Running streams by camera (for diagnostics and tests). */
  streams: ReadonlyMap<string, LiveFmp4Stream>;
  /**
   * The newest frame of a camera's live stream as a JPEG (the snapshot route's dev source), or
   * "unknown" for a camera the relay has no source for. Throws when no frame comes in time.
   */
  grabFrame(camera: string): Promise<Uint8Array<ArrayBuffer> | "unknown">;
};

type Resolved = { ok: true; camera: string; spec: SourceSpec } | {
  ok: false;
  status: 400 | 401 | 404;
  body: Record<string, string>;
};

const _UNAUTHORIZED = { "www-authenticate": "Bearer" };

export function createMediaRelay(opts: MediaRelayOptions): MediaRelay {
  const log = opts.log ?? ((m: string) => console.error(m));
  const maxBuffered = opts.maxClientBufferedBytes ?? 2 * 1024 * 1024;
  const auth = opts.auth ?? authFromEnv();
  const corsOrigins = opts.corsOrigins ?? corsOriginsFromEnv();
  const streams = new Map<string, LiveFmp4Stream>();
  const disconnects = new Set<() => void>();
  /** Fragments dropped for slow clients, per camera (latest-state: dropped, never queued). */
  const dropped = new Map<string, number>();
  const countDrop = (camera: string) => dropped.set(camera, (dropped.get(camera) ?? 0) + 1);
  let closed = false;

  /** The camera's source for this request: id checked, then access, then existence. */
  async function _authorize(req: Request, camera: string | undefined): Promise<Resolved> {
    if (!camera || !CAMERA_ID.test(camera)) {
      return { ok: false, status: 400, body: { error: "bad camera id" } };
    }
    // Before the lookup: without access, a known and an unknown camera look the same.
    const denied = await watchDenied(req, auth, camera);
    if (denied) return { ok: false, status: 401, body: { error: denied } };
    return _resolve(camera);
  }

  function _resolve(camera: string): Resolved {
    const spec = opts.sources().get(camera);
    if (!spec) return { ok: false, status: 404, body: { error: "unknown camera", camera } };
    return { ok: true, camera, spec };
  }

  function _stream(camera: string, spec: SourceSpec): LiveFmp4Stream {
    const cur = streams.get(camera);
    if (cur && cur.spec.source === spec.source && cur.spec.loop === spec.loop) return cur;
    // The source changed in config: the old stream's clients get a final end and reconnect.
    if (cur) void cur.close();
    const s = new LiveFmp4Stream({
      camera,
      spec: { ...spec },
      ffmpeg: opts.ffmpeg,
      idleStopMs: opts.idleStopMs,
      log,
    });
    streams.set(camera, s);
    return s;
  }

  const app = new Hono();

  app.get("/media/status", async (c) => {
    const claims = await watchClaims(c.req.raw, auth);
    if (typeof claims === "string") return c.json({ error: claims }, 401, _UNAUTHORIZED);
    return c.json({
      cameras: [...streams.values()].filter((s) => mayReadCamera(claims, s.camera)).map((s) => ({
        camera: s.camera,
        subscribers: s.subscribers,
        mime: s.init?.mime ?? null,
        // The camera's own codec; "h265" is served as the relay's H.264 transcode.
        source_codec: s.sourceCodec,
        transcoding: s.transcoding,
        dropped: dropped.get(s.camera) ?? 0,
        ...s.stats,
      })),
    });
  });

  app.get(
    "/media/ws",
    async (c, next) => {
      if (closed) return c.json({ error: "shutting down" }, 503);
      const r = await _authorize(c.req.raw, c.req.query("camera"));
      if (!r.ok) return c.json(r.body, r.status, r.status === 401 ? _UNAUTHORIZED : {});
      if (!upgradeOriginAllowed(c.req.raw, corsOrigins)) {
        return c.json({ error: "this Origin may not open a socket here" }, 403);
      }
      if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
        return c.json({ error: "websocket upgrade required" }, 426);
      }
      return next();
    },
    upgradeWebSocket((c) => {
      const camera = c.req.query("camera")!;
      let unsubscribe: (() => void) | undefined;
      let disconnect: (() => void) | undefined;
      return {
        onOpen(_evt, ws) {
          const r = _resolve(camera);
          if (!r.ok) return ws.close(1008, r.body.error);
          disconnect = () => ws.close(1001, "relay closing");
          disconnects.add(disconnect);
          unsubscribe = _stream(camera, r.spec).subscribe(
            _wsSubscriber(camera, ws, maxBuffered, () => countDrop(camera)),
          );
        },
        onClose() {
          unsubscribe?.();
          if (disconnect) disconnects.delete(disconnect);
        },
      };
    }),
  );

  app.get("/media/:file", async (c) => {
    const file = c.req.param("file");
    if (!file.endsWith(".mp4")) return c.json({ error: "not found" }, 404);
    if (closed) return c.json({ error: "shutting down" }, 503);
    const r = await _authorize(c.req.raw, file.slice(0, -4));
    if (!r.ok) return c.json(r.body, r.status, r.status === 401 ? _UNAUTHORIZED : {});
    const stream = _stream(r.camera, r.spec);
    let unsubscribe: (() => void) | undefined;
    let disconnect: (() => void) | undefined;
    const cleanup = () => {
      unsubscribe?.();
      if (disconnect) disconnects.delete(disconnect);
    };
    const body = new ReadableStream<Uint8Array>(
      {
        start(ctrl) {
          let done = false;
          const end = () => {
            if (done) return;
            done = true;
            cleanup();
            try {
              ctrl.close();
            } catch { /* already errored by the consumer */ }
          };
          disconnect = end;
          disconnects.add(end);
          unsubscribe = stream.subscribe(
            _httpSubscriber(ctrl, maxBuffered, end, () => countDrop(r.camera)),
          );
        },
        cancel: cleanup,
      },
      new ByteLengthQueuingStrategy({ highWaterMark: maxBuffered }),
    );
    return new Response(body, {
      headers: {
        "content-type": "video/mp4",
        "cache-control": "no-store",
        "x-content-type-options": "nosniff",
      },
    });
  });

  async function close(): Promise<void> {
    closed = true;
    for (const d of [...disconnects]) d();
    disconnects.clear();
    await Promise.all([...streams.values()].map((s) => s.close()));
    streams.clear();
  }

  async function grabFrame(camera: string): Promise<Uint8Array<ArrayBuffer> | "unknown"> {
    if (closed) throw new Error("relay closing");
    const r = _resolve(camera);
    if (!r.ok) return "unknown";
    const gop = await _latestGop(_stream(camera, r.spec), 8_000);
    // One fragment per frame: decode init + keyframe + followers, keep only the newest frame.
    const newest = gop.length - 2;
    const input = new Uint8Array(gop.reduce((n, b) => n + b.length, 0));
    let at = 0;
    for (const b of gop) {
      input.set(b, at);
      at += b.length;
    }
    return await ffmpegJpeg(["-f", "mp4", "-i", "pipe:0", "-vf", `select=gte(n\\,${newest})`], {
      input,
    });
  }

  return Object.assign(app, { close, streams, grabFrame }) as MediaRelay;
}

/** Stream events -> one WebSocket: a text init message, then binary init + fragments. */
function _wsSubscriber(
  camera: string,
  ws: WSContext,
  maxBuffered: number,
  onDrop: () => void,
) {
  const gate = new KeyframeGate(maxBuffered);
  let generation = -1;
  const raw = ws.raw as WebSocket | undefined;
  return (ev: StreamEvent) => {
    if (ws.readyState !== 1) return;
    if (ev.type === "init") {
      generation = ev.generation;
      gate.reset();
      ws.send(JSON.stringify({ v: 1, type: "init", camera, mime: ev.mime }));
      ws.send(ev.data);
    } else if (ev.type === "fragment") {
      if (ev.generation !== generation) return;
      if (gate.admit(ev.keyframe, raw?.bufferedAmount ?? 0)) ws.send(ev.data);
      else onDrop();
    } else {
      // Tell the player that video stopped (a new init follows when ffmpeg restarts), with a
      // fixed reason: ffmpeg's own words can hold the source URL and its secrets.
      const reason = ev.final ? "source ended" : "source unavailable";
      ws.send(videoOfflineText(camera, reason));
      if (ev.final) ws.close(1000, "source ended");
    }
  };
}

/** Stream events -> one chunked HTTP body (a single init; ends when the stream generation does). */
function _httpSubscriber(
  ctrl: ReadableStreamDefaultController<Uint8Array>,
  maxBuffered: number,
  end: () => void,
  onDrop: () => void,
) {
  const gate = new KeyframeGate(maxBuffered);
  let generation = -1;
  return (ev: StreamEvent) => {
    if (ev.type === "init") {
      // A second moov mid-file confuses demuxers: end the response, the reader reconnects.
      if (generation !== -1) return end();
      generation = ev.generation;
      ctrl.enqueue(ev.data);
    } else if (ev.type === "fragment") {
      if (ev.generation !== generation) return;
      const queued = maxBuffered - (ctrl.desiredSize ?? 0);
      if (gate.admit(ev.keyframe, queued)) ctrl.enqueue(ev.data);
      else onDrop();
    } else if (generation !== -1 || ev.final) {
      end();
    }
  };
}

/**
 * The init segment and the fragments from the latest keyframe: at once when the stream holds
 * them, else (stream starting) init + the next keyframe fragment.
 */
function _latestGop(stream: LiveFmp4Stream, timeoutMs: number): Promise<Uint8Array[]> {
  return new Promise((resolve, reject) => {
    let parts: Uint8Array[] = [];
    let keyed = false;
    let replaying = true;
    let settled = false;
    const finish = (err?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // Later, not inside the stream's callback (and after `unsubscribe` is assigned).
      queueMicrotask(() => unsubscribe());
      if (err) reject(err);
      else resolve(parts);
    };
    const timer = setTimeout(() => finish(new Error("no keyframe in time")), timeoutMs);
    const unsubscribe = stream.subscribe((ev) => {
      if (settled) return;
      if (ev.type === "init") {
        parts = [ev.data];
        keyed = false;
      } else if (ev.type === "fragment") {
        if (!parts.length) return;
        if (ev.keyframe) {
          parts = [parts[0], ev.data];
          keyed = true;
        } else if (keyed) parts.push(ev.data);
        if (keyed && !replaying) finish();
      } else finish(new Error("source unavailable"));
    });
    replaying = false;
    if (keyed) finish();
  });
}
