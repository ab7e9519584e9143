/**
 * Web function: serves the browser app — `web/static/*` (index.html, css, favicon.svg, which
 * also answers `/favicon.ico`) and the bundle `web/dist/app.js` with its on-demand chunks and
 * source maps, built by `deno task build:web` (gzipped twins are sent to browsers that accept
 * gzip) — and its runtime config `GET /app-config.json` (player order, MediaMTX URLs, whether
 * auth is on). Every answer carries the security headers of security_headers.ts (CSP with
 * frame-ancestors 'none', nosniff, Referrer-Policy).
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { basename, extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { AppConfig } from "../../shared/app_config.ts";
import { appConfigFromEnv } from "./app_config.ts";
import { securityHeaders } from "./security_headers.ts";

const _WEB_ROOT = fileURLToPath(new URL("../../web/", import.meta.url));

/** A chunk named by its content hash (esbuild's `name-HASH.js`): it never changes under that name. */
const _HASHED_CHUNK = /^[a-z0-9_]+-[A-Z0-9]{8}\.js(\.map)?$/;

/** Only plain file names: no directories, no dot-files, so nothing outside the folder is reachable. */
const _FILE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;

const _TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".webmanifest": "application/manifest+json",
};

export interface WebAppOptions {
  /** The `web/` directory (default: next to this repo's functions/). */
  root?: string;
  /** Runtime config for the app (default: from the environment, read per request). */
  appConfig?: () => AppConfig;
  /** The dev media relay is mounted beside the app: its WHEP is the default player. */
  mediaRelay?: boolean;
}

export function createWebApp(opts: WebAppOptions = {}): Hono {
  const root = opts.root ?? _WEB_ROOT;
  const app = new Hono();
  const appConfig = opts.appConfig ??
    (() => appConfigFromEnv(undefined, undefined, opts.mediaRelay || undefined));
  // Only on the app's own paths: mounted at "/" beside the API, a "*" here would reach theirs.
  for (
    const path of ["/", "/index.html", "/app-config.json", "/static/*", "/dist/*", "/favicon.ico"]
  ) {
    app.use(path, async (c, next) => {
      await next();
      for (const [k, v] of Object.entries(securityHeaders(appConfig(), c.req.url))) {
        c.res.headers.set(k, v);
      }
    });
  }
  const index = (c: Context) => _serveFile(c, join(root, "static", "index.html"));
  app.get("/", index);
  app.get("/index.html", index);
  app.get("/app-config.json", (c) => c.json(appConfig(), 200, { "cache-control": "no-store" }));
  // Browsers and tools ask for /favicon.ico whatever the page links: the same SVG icon, not a 404.
  app.get("/favicon.ico", (c) => _serveFile(c, join(root, "static", "favicon.svg")));
  app.get("/static/:file", (c) => _serveDir(c, join(root, "static"), c.req.param("file")));
  app.get("/dist/:file", async (c) => {
    const res = await _serveDir(c, join(root, "dist"), c.req.param("file"), true);
    if (res.status === 404 && c.req.param("file") === "app.js") {
      return c.json({ error: "bundle not built", hint: "run `deno task build:web`" }, 404);
    }
    return res;
  });
  return app;
}

/** `gzipped`: the folder has `<file>.gz` twins (web/dist). */
function _serveDir(c: Context, dir: string, file: string, gzipped = false): Promise<Response> {
  if (!_FILE_NAME.test(file) || file.includes("..")) {
    return Promise.resolve(c.json({ error: "not found" }, 404));
  }
  return _serveFile(c, join(dir, file), gzipped);
}

async function _fileStat(path: string): Promise<Deno.FileInfo | null> {
  try {
    const stat = await Deno.stat(path);
    return stat.isFile ? stat : null;
  } catch {
    return null;
  }
}

/** Whether Accept-Encoding allows gzip: named (or `*` when it is not) without q=0. */
export function acceptsGzip(header: string | undefined): boolean {
  const codings = (header ?? "").split(",").map((part) => {
    const [name, ...params] = part.trim().toLowerCase().split(";").map((x) => x.trim());
    const q = params.find((p) => p.startsWith("q="));
    return { name, q: q ? Number(q.slice(2)) : 1 };
  });
  const gzip = codings.find((c) => c.name === "gzip") ?? codings.find((c) => c.name === "*");
  return gzip !== undefined && gzip.q > 0;
}

async function _serveFile(c: Context, path: string, gzipped = false): Promise<Response> {
  const plain = await _fileStat(path);
  if (!plain) return c.json({ error: "not found" }, 404);
  const gz = gzipped && acceptsGzip(c.req.header("accept-encoding"))
    ? await _fileStat(`${path}.gz`)
    : null;
  const stat = gz ?? plain;
  // Unhashed file names: always revalidate (no-cache), and make revalidation cheap with an ETag.
  // Hashed chunks are cached for good: a new build names its chunks anew.
  const immutable = gzipped && _HASHED_CHUNK.test(basename(path));
  const version = `${stat.size.toString(16)}-${(stat.mtime?.getTime() ?? 0).toString(16)}`;
  const etag = `W/"${version}${gz ? "-gz" : ""}"`;
  const headers: Record<string, string> = {
    "content-type": _TYPES[extname(path)] ?? "application/octet-stream",
    "cache-control": immutable ? "public, max-age=31536000, immutable" : "no-cache",
    "etag": etag,
    "x-content-type-options": "nosniff",
  };
  if (gzipped) headers["vary"] = "accept-encoding";
  if (gz) headers["content-encoding"] = "gzip";
  if (c.req.header("if-none-match") === etag) return new Response(null, { status: 304, headers });
  const body = await Deno.readFile(gz ? `${path}.gz` : path);
  return new Response(body, { headers });
}

export const app = createWebApp();

export default { fetch: app.fetch };
