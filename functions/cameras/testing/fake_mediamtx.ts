/**
 * A fake MediaMTX control API v3 (path configuration, and the runtime `paths/get` of a path a
 * test marks online with `publish`), following its OpenAPI contract:
 * 200 on success, 400 `{"error": ...}` for invalid input or adding an existing path, 404
 * `{"error": ...}` for an unknown path, `{pageCount, itemCount, items}` lists. Like MediaMTX it
 * answers a full PathConf (defaults filled in) and rejects unknown keys. `stop()` / `start()`
 * take it down and bring it back on the same port, to test MediaMTX being unreachable.
 */
import type { PathConf } from "../mediamtx_client.ts";

/** A few of MediaMTX's path defaults, so reads look like the real thing. */
const _DEFAULTS: PathConf = {
  source: "publisher",
  sourceOnDemand: false,
  rtspTransport: "automatic",
  record: false,
  maxReaders: 0,
};
/** Keys MediaMTX accepts besides those (the `<cam>_h264` copy's hook). */
const _KNOWN = new Set([...Object.keys(_DEFAULTS), "runOnDemand", "runOnDemandRestart"]);
const _TRANSPORTS = ["automatic", "udp", "multicast", "tcp"];
const _SOURCE_RE = /^(publisher|redirect|(rtsps?|rtmps?|https?|srt|wheps?|udp\+mpegts):\/\/\S+)$/;

export class FakeMediaMtx {
  readonly paths = new Map<string, PathConf>();
  /** Every request as "METHOD /path". */
  readonly calls: string[] = [];
  /** When set, requests without exactly this Authorization header get 401. */
  requiredAuthorization: string | null = null;
  /** Sources this MediaMTX accepts (tighten it to simulate a build without some protocol). */
  sourcePattern: RegExp = _SOURCE_RE;
  private server: Deno.HttpServer | null = null;
  private _port = 0;

  get url(): string {
    return `http://127.0.0.1:${this._port}`;
  }

  start(): void {
    if (this.server) return;
    this.server = Deno.serve(
      { hostname: "127.0.0.1", port: this._port, onListen: () => {} },
      (req) => this.handle(req),
    );
    this._port = (this.server.addr as Deno.NetAddr).port;
  }

  async stop(): Promise<void> {
    await this.server?.shutdown();
    this.server = null;
  }

  /** Paths with a publisher or a connected source, and their track codecs (e.g. ["H265"]). */
  readonly online = new Map<string, string[]>();

  /** A camera connects (or a publisher starts) on `name`, sending these codecs. */
  publish(name: string, codecs: string[]): void {
    this.online.set(name, codecs);
  }

  /** A path added outside stopline (mediamtx.yml, another tool). */
  seed(name: string, conf: PathConf): void {
    this.paths.set(name, { ..._DEFAULTS, ...conf, name });
  }

  async handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    this.calls.push(`${req.method} ${url.pathname}`);
    if (
      this.requiredAuthorization && req.headers.get("authorization") !== this.requiredAuthorization
    ) {
      return _err(401, "authentication error");
    }
    const runtime = url.pathname.match(/^\/v3\/paths\/get\/(.+)$/);
    if (runtime) {
      if (req.method !== "GET") return _err(404, "not found");
      return this._runtimePath(decodeURIComponent(runtime[1]));
    }
    const m = url.pathname.match(
      /^\/v3\/config\/paths\/(list|get|add|patch|replace|delete)(?:\/(.+))?$/,
    );
    if (!m) return _err(404, "not found");
    const [, op, rawName] = m;
    const name = rawName ? decodeURIComponent(rawName) : "";
    const want = {
      list: "GET",
      get: "GET",
      add: "POST",
      patch: "PATCH",
      replace: "POST",
      delete: "DELETE",
    }[op];
    if (req.method !== want) return _err(404, "not found");
    if (op === "list") return this._list(url);
    if (!name) return _err(400, "invalid name");
    const existing = this.paths.get(name);
    if (op === "get") return existing ? Response.json(existing) : _err(404, "path not found");
    if (op === "delete") {
      if (!existing) return _err(404, "path not found");
      this.paths.delete(name);
      return _ok();
    }
    let body: unknown;
    try {
      body = await req.json();
    } catch {
      return _err(400, "invalid JSON");
    }
    const bad = _validate(body, this.sourcePattern);
    if (bad) return _err(400, bad);
    const conf = body as PathConf;
    if (op === "add") {
      if (existing) return _err(400, "path already exists");
      this.paths.set(name, { ..._DEFAULTS, ...conf, name });
    } else {
      if (!existing) return _err(404, "path not found");
      this.paths.set(
        name,
        op === "patch" ? { ...existing, ...conf, name } : { ..._DEFAULTS, ...conf, name },
      );
    }
    return _ok();
  }

  /**
   * The runtime Path object (`GET /v3/paths/get/<name>`): only a path with a source online
   * exists (404 otherwise); `tracks` (deprecated) and `tracks2` name the codecs.
   */
  private _runtimePath(name: string): Response {
    const codecs = this.online.get(name);
    if (!codecs) return _err(404, "path not found");
    const now = new Date().toISOString();
    return Response.json({
      name,
      confName: this.paths.has(name) ? name : "all_others",
      source: { type: "rtspSource", id: "" },
      available: true,
      availableTime: now,
      online: true,
      onlineTime: now,
      ready: true,
      readyTime: now,
      tracks: codecs,
      tracks2: codecs.map((codec) => ({ codec, codecProps: null })),
      readers: [],
    });
  }

  private _list(url: URL): Response {
    const page = Number(url.searchParams.get("page") ?? "0");
    const per = Number(url.searchParams.get("itemsPerPage") ?? "100");
    if (!Number.isInteger(page) || page < 0 || !Number.isInteger(per) || per < 1) {
      return _err(400, "invalid pagination");
    }
    const all = [...this.paths.values()].sort((a, b) =>
      String(a.name).localeCompare(String(b.name))
    );
    return Response.json({
      pageCount: Math.ceil(all.length / per),
      itemCount: all.length,
      items: all.slice(page * per, (page + 1) * per),
    });
  }
}

function _validate(body: unknown, sources: RegExp): string | null {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return "invalid body";
  for (const [k, v] of Object.entries(body)) {
    if (!_KNOWN.has(k)) return `json: unknown field "${k}"`;
    // Like MediaMTX, the error names the bad value: the client must redact it.
    if (k === "source" && (typeof v !== "string" || !sources.test(v))) {
      return `invalid source: '${v}'`;
    }
    if (k === "sourceOnDemand" && typeof v !== "boolean") return "invalid sourceOnDemand";
    if (k === "rtspTransport" && !_TRANSPORTS.includes(v as string)) return "invalid rtspTransport";
  }
  return null;
}

function _ok(): Response {
  return Response.json({ status: "ok" });
}

function _err(status: number, error: string): Response {
  return Response.json({ status: "error", error }, { status });
}
