/**
 * Web function: serves the browser app — `web/static/*` (index.html, css) and the bundle
 * `web/dist/app.js` (+ source map) built by `deno task build:web` — and its runtime config
 * `GET /app-config.json` (player order, MediaMTX URLs, whether auth is on).
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { AppConfig } from "../../web/src/app_config.ts";
import { appConfigFromEnv } from "./app_config.ts";

const _WEB_ROOT = fileURLToPath(new URL("../../web/", import.meta.url));

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
}

export function createWebApp(opts: WebAppOptions = {}): Hono {
  const root = opts.root ?? _WEB_ROOT;
  const app = new Hono();
  const index = (c: Context) => _serveFile(c, join(root, "static", "index.html"));
  app.get("/", index);
  app.get("/index.html", index);
  const appConfig = opts.appConfig ?? (() => appConfigFromEnv());
  app.get("/app-config.json", (c) => c.json(appConfig(), 200, { "cache-control": "no-store" }));
  app.get("/static/:file", (c) => _serveDir(c, join(root, "static"), c.req.param("file")));
  app.get("/dist/:file", async (c) => {
    const res = await _serveDir(c, join(root, "dist"), c.req.param("file"));
    if (res.status === 404 && c.req.param("file") === "app.js") {
      return c.json({ error: "bundle not built", hint: "run `deno task build:web`" }, 404);
    }
    return res;
  });
  return app;
}

function _serveDir(c: Context, dir: string, file: string): Promise<Response> {
  if (!_FILE_NAME.test(file) || file.includes("..")) {
    return Promise.resolve(c.json({ error: "not found" }, 404));
  }
  return _serveFile(c, join(dir, file));
}

async function _serveFile(c: Context, path: string): Promise<Response> {
  let stat: Deno.FileInfo;
  try {
    stat = await Deno.stat(path);
    if (!stat.isFile) throw new Deno.errors.NotFound();
  } catch {
    return c.json({ error: "not found" }, 404);
  }
  // Unhashed file names: always revalidate (no-cache), and make revalidation cheap with an ETag.
  const etag = `W/"${stat.size.toString(16)}-${(stat.mtime?.getTime() ?? 0).toString(16)}"`;
  const headers: Record<string, string> = {
    "content-type": _TYPES[extname(path)] ?? "application/octet-stream",
    "cache-control": "no-cache",
    "etag": etag,
    "x-content-type-options": "nosniff",
  };
  if (c.req.header("if-none-match") === etag) return new Response(null, { status: 304, headers });
  const body = await Deno.readFile(path);
  return new Response(body, { headers });
}

export const app = createWebApp();

export default { fetch: app.fetch };
