/**
 * A client of the MediaMTX control API v3 path configuration (`/v3/config/paths/...`), made
 * idempotent: `ensure` adds or replaces, `update` patches or adds, `remove` treats a missing path
 * as done. Errors carry the HTTP status (0 = unreachable) and are redacted, because MediaMTX may
 * echo a camera URL with its password in an error message.
 */
import { redactSecrets } from "../../shared/redact.ts";
import { authFromEnv } from "../_shared/auth.ts";
import { signToken } from "../_shared/jwt.ts";

/** The subset of MediaMTX's PathConf that stopline sets; MediaMTX returns many more keys. */
export interface PathConf {
  name?: string;
  source?: string;
  sourceOnDemand?: boolean;
  rtspTransport?: string;
  [key: string]: unknown;
}

export class MediaMtxError extends Error {
  /** HTTP status from MediaMTX; 0 when it could not be reached. */
  constructor(message: string, readonly status: number) {
    super(redactSecrets(message));
    this.name = "MediaMtxError";
  }
}

export interface MediaMtxClientOptions {
  /** e.g. http://mediamtx:9997 */
  baseUrl: string;
  /** The Authorization header value for each call, or null for none. */
  authorization?: () => Promise<string | null>;
  timeoutMs?: number;
}

export class MediaMtxClient {
  readonly baseUrl: string;
  constructor(private readonly opts: MediaMtxClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, "");
  }

  /** Every configured path (all pages). */
  async list(): Promise<PathConf[]> {
    const out: PathConf[] = [];
    for (let page = 0;; page++) {
      const body = await this._call("GET", `list?page=${page}&itemsPerPage=100`) as {
        pageCount?: number;
        items?: PathConf[];
      };
      out.push(...(body.items ?? []));
      if (page + 1 >= (body.pageCount ?? 0)) return out;
    }
  }

  async get(name: string): Promise<PathConf | null> {
    try {
      return await this._call("GET", `get/${_enc(name)}`) as PathConf;
    } catch (e) {
      if (e instanceof MediaMtxError && e.status === 404) return null;
      throw e;
    }
  }

  /** Create the path with exactly `conf`; an existing path is replaced (add is not idempotent). */
  async ensure(name: string, conf: PathConf): Promise<void> {
    try {
      await this._call("POST", `add/${_enc(name)}`, conf);
    } catch (e) {
      // MediaMTX answers 400 both for "already exists" and for a bad conf: ask which it was.
      if (!(e instanceof MediaMtxError) || e.status !== 400 || !(await this.get(name))) throw e;
      await this._call("POST", `replace/${_enc(name)}`, conf);
    }
  }

  /** Patch the path with `conf`; a path that vanished (MediaMTX restarted) is added again. */
  async update(name: string, conf: PathConf): Promise<void> {
    try {
      await this._call("PATCH", `patch/${_enc(name)}`, conf);
    } catch (e) {
      if (!(e instanceof MediaMtxError) || e.status !== 404) throw e;
      await this.ensure(name, conf);
    }
  }

  /**
   * The video codec a path is receiving, from the runtime API `GET /v3/paths/get/<name>`:
   * `tracks2[].codec` (MediaMTX >= 1.15; `tracks` holds the same names, deprecated). "h264",
   * "h265", another codec name lower-cased, or null while nothing is publishing (404, no tracks).
   */
  async videoCodec(name: string): Promise<string | null> {
    let path: RuntimePath;
    try {
      path = await this._call("GET", `get/${_enc(name)}`, undefined, "/v3/paths/") as RuntimePath;
    } catch (e) {
      if (e instanceof MediaMtxError && e.status === 404) return null;
      throw e;
    }
    const names = path?.tracks2?.map((t) => t.codec) ?? path?.tracks ?? [];
    return videoCodecOf(names);
  }

  /** Delete the path; already gone is fine. */
  async remove(name: string): Promise<void> {
    try {
      await this._call("DELETE", `delete/${_enc(name)}`);
    } catch (e) {
      if (!(e instanceof MediaMtxError) || e.status !== 404) throw e;
    }
  }

  /** The JSON answer (null when empty); MediaMtxError on any non-2xx or network failure. */
  private async _call(
    method: string,
    rest: string,
    body?: unknown,
    prefix = "/v3/config/paths/",
  ): Promise<unknown> {
    const headers: Record<string, string> = {};
    const authorization = await this.opts.authorization?.();
    if (authorization) headers.authorization = authorization;
    if (body !== undefined) headers["content-type"] = "application/json";
    let r: Response;
    try {
      r = await fetch(`${this.baseUrl}${prefix}${rest}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 5000),
      });
    } catch (e) {
      throw new MediaMtxError(`MediaMTX unreachable: ${(e as Error).message}`, 0);
    }
    // Always read the body: an unread body keeps the connection (and a resource) open.
    const text = await r.text().catch(() => "");
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      // Not JSON (an older MediaMTX's empty 200, a proxy error page): the status says enough.
    }
    if (r.ok) return json;
    const detail = (json as { error?: string } | null)?.error || `HTTP ${r.status}`;
    throw new MediaMtxError(`MediaMTX ${method} ${rest.split("?")[0]}: ${detail}`, r.status);
  }
}

/** The runtime state of a path (the keys stopline reads; MediaMTX returns many more). */
export interface RuntimePath {
  name?: string;
  /** Deprecated since MediaMTX 1.15 in favour of tracks2; codec names, e.g. ["H265"]. */
  tracks?: string[];
  tracks2?: { codec: string; codecProps?: unknown }[];
}

/** MediaMTX's track codec names -> the video codec ("H264" -> "h264", "H265" -> "h265"). */
export function videoCodecOf(trackCodecs: readonly string[]): string | null {
  for (const codec of trackCodecs) {
    if (codec === "H264") return "h264";
    if (codec === "H265") return "h265";
    if (/^(AV1|VP8|VP9|M-JPEG|MPEG-4 Video|MPEG-1\/2 Video)$/.test(codec)) {
      return codec.toLowerCase();
    }
  }
  return null;
}

/**
 * The path of an H.265 camera's H.264 copy (`<cam>_h264`): MediaMTX runs the transcode on
 * demand (only while someone watches it) with the image's ffmpeg, reading the camera's path with
 * the reader credential and publishing back under `$MTX_PATH` with the publisher credential,
 * both from MediaMTX's own environment (docker-compose.yml; MediaMTX expands `$VAR` in hook
 * commands from its environment), so no secret is stored in the path configuration. The
 * seed's validated settings: libx264 ultrafast, zerolatency, 1 s GOP at 10 fps, no B-frames.
 */
export function h264CopyPathConf(camera: string): PathConf {
  const reader = "$MEDIA_READ_USER:$MEDIA_READ_PASSWORD@";
  const publisher = "$MEDIA_PUBLISH_USER:$MEDIA_PUBLISH_PASSWORD@";
  return {
    source: "publisher",
    runOnDemand: [
      "ffmpeg -hide_banner -loglevel error -rtsp_transport tcp",
      `-i rtsp://${reader}localhost:$RTSP_PORT/${camera}`,
      "-map 0:v:0 -an -c:v libx264 -preset ultrafast -tune zerolatency",
      "-g 10 -keyint_min 10 -bf 0 -pix_fmt yuv420p",
      `-f rtsp -rtsp_transport tcp rtsp://${publisher}localhost:$RTSP_PORT/$MTX_PATH`,
    ].join(" "),
    runOnDemandRestart: true,
    // A copy needs no recording of its own: clips are cut from the camera's path.
    record: false,
  };
}

function _enc(name: string): string {
  return encodeURIComponent(name);
}

/** URL schemes MediaMTX can pull a path `source` from (besides "publisher"). */
export const PULL_SCHEMES = [
  "rtsp",
  "rtsps",
  "rtmp",
  "rtmps",
  "http",
  "https",
  "srt",
  "whep",
  "wheps",
];

/**
 * The path configuration stopline wants for a camera source: pull continuously (the analyzer
 * reads it all the time, so on-demand would only add start-up delay), RTSP over TCP (no UDP loss
 * or NAT trouble between camera and server). "publisher" = the camera pushes to MediaMTX.
 */
export function pathConfFor(source: string): PathConf {
  if (source === "publisher") return { source: "publisher" };
  const conf: PathConf = { source, sourceOnDemand: false };
  if (/^rtsps?:/i.test(source)) conf.rtspTransport = "tcp";
  return conf;
}

/** Whether MediaMTX's conf differs from the wanted one in any key stopline sets. */
export function drifted(actual: PathConf, wanted: PathConf): boolean {
  return Object.entries(wanted).some(([k, v]) => actual[k] !== v);
}

/**
 * How to authenticate to the control API: MEDIAMTX_API_USER/MEDIAMTX_API_PASSWORD (HTTP Basic,
 * for a MediaMTX with internal users), else a short-lived admin JWT signed with
 * STOPLINE_JWT_PRIVATE_KEY when set (it carries `mediamtx_permissions: [{action: "api"}]`, so
 * MediaMTX's own `authMethod: jwt` accepts it through the JWKS) or STOPLINE_JWT_SECRET (what
 * media-auth accepts for the `api` action), else nothing.
 */
export function mediaMtxAuthFromEnv(
  env: (n: string) => string | undefined,
): () => Promise<string | null> {
  const user = env("MEDIAMTX_API_USER");
  const password = env("MEDIAMTX_API_PASSWORD");
  if (user && password) {
    const basic = `Basic ${btoa(`${user}:${password}`)}`;
    return () => Promise.resolve(basic);
  }
  const keys = authFromEnv(env);
  if (!keys.secret && !keys.privateKey) return () => Promise.resolve(null);
  let cached: { header: string; exp: number } | null = null;
  return async () => {
    const now = Math.floor(Date.now() / 1000);
    if (!cached || cached.exp - now < 60) {
      const exp = now + 600;
      const token = await signToken({
        sub: "stopline-cameras",
        role: "admin",
        exp,
        mediamtx_permissions: [{ action: "api", path: "" }],
      }, keys);
      cached = { header: `Bearer ${token}`, exp };
    }
    return cached.header;
  };
}
