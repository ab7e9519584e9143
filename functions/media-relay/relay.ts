/**
 * The dev media relay (a local stand-in for MediaMTX): serves each camera's live fragmented MP4
 * over WebSocket (for MSE in the browser) and as a chunked HTTP response (for the dev analyzer),
 * from one shared ffmpeg per camera, and WebRTC through WHEP (whep.ts; `POST /media/<camera>/whep`,
 * PATCH/DELETE on the session) with RTP made from that same fMP4 (live_rtp.ts).
 *
 * It serves live video, so it follows the same access rule as the tick relay's `/ws`
 * (functions/_shared/camera_access.ts): with auth on, every route needs a token allowed for the
 * camera (`?token=` from the browser, as the tick socket sends it), a browser's WebSocket (and
 * a WHEP request) must come from the same origin or the CORS allow-list, and `/media/status`
 * lists only the cameras the token may watch. Clients never see ffmpeg's output (it can echo the source URL): a video
 * outage is told as a fixed reason; the detail goes to the (redacted) log.
 */
import { Hono } from "hono";
import { upgradeWebSocket } from "hono/deno";
import type { WSContext } from "hono/ws";
import { cameraOfMediaPath, h264CopyPath } from "../../shared/media_paths.ts";
import { videoOfflineText } from "../../shared/status.ts";
import { authFromEnv, type AuthSettings, mayWatchMediaPath } from "../_shared/auth.ts";
import { upgradeOriginAllowed, watchClaims, watchDenied } from "../_shared/camera_access.ts";
import { corsOriginsFromEnv } from "../_shared/cors.ts";
import { KeyframeGate } from "./keyframe_gate.ts";
import { LiveFmp4Stream, type SourceSpec, type StreamEvent } from "./live_fmp4.ts";
import { LiveRtpStream } from "./live_rtp.ts";
import { type WhepOptions, WhepSessions } from "./whep.ts";
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
  /** WebRTC (WHEP) sessions: limits and timeouts. */
  whep?: WhepOptions;
}

export type MediaRelay = Hono & {
  /** Stop every ffmpeg and disconnect every client. */
  close(): Promise<void>;
  /** Running streams by camera (for diagnostics and tests). */
  streams: ReadonlyMap<string, LiveFmp4Stream>;
  /** Running RTP packetizers by camera (one per camera watched over WebRTC). */
  rtpStreams: ReadonlyMap<string, LiveRtpStream>;
  whep: WhepSessions;
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
/** An SDP offer or trickle fragment is a few KiB; anything far bigger is not one. */
const _MAX_SDP_BYTES = 64 * 1024;

export function createMediaRelay(opts: MediaRelayOptions): MediaRelay {
  const log = opts.log ?? ((m: string) => console.error(m));
  const maxBuffered = opts.maxClientBufferedBytes ?? 2 * 1024 * 1024;
  const auth = opts.auth ?? authFromEnv();
  const corsOrigins = opts.corsOrigins ?? corsOriginsFromEnv();
  const streams = new Map<string, LiveFmp4Stream>();
  const rtpStreams = new Map<string, LiveRtpStream>();
  const whep = new WhepSessions({ log, ...opts.whep });
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
    const sources = opts.sources();
    const spec = sources.get(camera);
    if (spec) return { ok: true, camera, spec };
    // `<cam>_h264` (what the web app plays for an H.265 camera, as from MediaMTX) is the
    // camera's own stream here: the relay already transcodes H.265 to H.264 itself.
    const base = cameraOfMediaPath(camera);
    const baseSpec = camera === h264CopyPath(base) ? sources.get(base) : undefined;
    if (baseSpec) return { ok: true, camera: base, spec: baseSpec };
    return { ok: false, status: 404, body: { error: "unknown camera", camera } };
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

  /** RTP for WebRTC, made from the camera's one fMP4 stream (the analyzer's timeline). */
  function _rtpStream(camera: string, spec: SourceSpec): LiveRtpStream {
    const fmp4 = _stream(camera, spec);
    const cur = rtpStreams.get(camera);
    if (cur && cur.fmp4 === fmp4) return cur;
    if (cur) void cur.close();
    const s = new LiveRtpStream({
      camera,
      fmp4,
      ffmpeg: opts.ffmpeg,
      idleStopMs: opts.idleStopMs,
      log,
    });
    rtpStreams.set(camera, s);
    return s;
  }

  /** The checks every WHEP request passes, as `/media/ws`: camera, token, then Origin. */
  async function _whepDenied(req: Request, camera: string): Promise<Response | Resolved> {
    if (closed) return Response.json({ error: "shutting down" }, { status: 503 });
    const r = await _authorize(req, camera);
    if (!r.ok) {
      return Response.json(r.body, {
        status: r.status,
        headers: r.status === 401 ? _UNAUTHORIZED : {},
      });
    }
    if (!upgradeOriginAllowed(req, corsOrigins)) {
      return Response.json({ error: "this Origin may not watch here" }, { status: 403 });
    }
    return r;
  }

  const app = new Hono();

  app.post("/media/:camera/whep", async (c) => {
    const r = await _whepDenied(c.req.raw, c.req.param("camera"));
    if (r instanceof Response) return r;
    if (!r.ok) return c.json(r.body, r.status);
    if (c.req.header("content-type")?.split(";")[0].trim() !== "application/sdp") {
      return c.json({ error: "the offer must be application/sdp" }, 415);
    }
    const offer = await c.req.text();
    if (offer.length > _MAX_SDP_BYTES) return c.json({ error: "offer too large" }, 413);
    const res = await whep.create(r.camera, _rtpStream(r.camera, r.spec), offer);
    if (!res.ok) return c.json({ error: res.error }, res.status);
    return c.body(res.answer, 201, {
      "content-type": "application/sdp",
      location: `/media/${r.camera}/whep/${res.id}`,
      "cache-control": "no-store",
    });
  });

  app.patch("/media/:camera/whep/:session", async (c) => {
    const r = await _whepDenied(c.req.raw, c.req.param("camera"));
    if (r instanceof Response) return r;
    if (!r.ok) return c.json(r.body, r.status);
    if (c.req.header("content-type")?.split(";")[0].trim() !== "application/trickle-ice-sdpfrag") {
      return c.json({ error: "candidates must be application/trickle-ice-sdpfrag" }, 415);
    }
    const fragment = await c.req.text();
    if (fragment.length > _MAX_SDP_BYTES) return c.json({ error: "fragment too large" }, 413);
    const found = await whep.addCandidates(r.camera, c.req.param("session"), fragment);
    return found ? c.body(null, 204) : c.json({ error: "no such session" }, 404);
  });

  app.delete("/media/:camera/whep/:session", async (c) => {
    const r = await _whepDenied(c.req.raw, c.req.param("camera"));
    if (r instanceof Response) return r;
    if (!r.ok) return c.json(r.body, r.status);
    const found = await whep.delete(r.camera, c.req.param("session"));
    return found ? c.body(null, 200) : c.json({ error: "no such session" }, 404);
  });

  app.get("/media/status", async (c) => {
    const claims = await watchClaims(c.req.raw, auth);
    if (typeof claims === "string") return c.json({ error: claims }, 401, _UNAUTHORIZED);
    return c.json({
      cameras: [...streams.values()].filter((s) => mayWatchMediaPath(claims, s.camera)).map((
        s,
      ) => ({
        camera: s.camera,
        subscribers: s.subscribers,
        mime: s.init?.mime ?? null,
        // The camera's own codec; "h265" is served as the relay's H.264 transcode.
        source_codec: s.sourceCodec,
        transcoding: s.transcoding,
        dropped: dropped.get(s.camera) ?? 0,
        ...s.stats,
      })),
      webrtc: [...rtpStreams.values()].filter((s) => mayWatchMediaPath(claims, s.camera)).map((
        s,
      ) => ({
        camera: s.camera,
        sessions: whep.count(s.camera),
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
    await whep.closeAll();
    await Promise.all([...streams.values(), ...rtpStreams.values()].map((s) => s.close()));
    streams.clear();
    rtpStreams.clear();
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

  return Object.assign(app, { close, streams, rtpStreams, whep, grabFrame }) as MediaRelay;
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
