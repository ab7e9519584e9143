/**
 * config: the settings file (ARCHITECTURE §4b) over HTTP.
 * - GET /api/config — the YAML as written (credentials redacted), or JSON with
 *   `Accept: application/json`; ETag identifies the file version.
 * - PUT /api/config (operator) — YAML or JSON body, `If-Match` required (428 without, 412 when
 *   stale). Validated first with the path of every bad field (422, nothing changed); then, under
 *   a database advisory lock so concurrent savers serialize across processes: the file is
 *   replaced atomically, a revision row (redacted) is added and `stopline_config` announces it;
 *   the analyzer reloads without a restart.
 * - PATCH /api/config (operator) — a JSON merge patch (RFC 7396, `application/merge-patch+json`)
 *   applied to the file as stored (comments, `${NAME}` references and credentials it does not
 *   touch are kept), then the same If-Match, validation, revision and NOTIFY as PUT. A token
 *   limited to some cameras may patch only `cameras.<its ids>` subtrees.
 * - GET /api/config/revisions?limit — who changed the settings when (operator).
 */
import type { Context, Hono } from "hono";
import {
  isMap,
  isScalar,
  parse as parseYaml,
  parseDocument,
  stringify as stringifyYaml,
} from "yaml";
import { authFromEnv, getClaims, requireRole } from "../_shared/auth.ts";
import { createPool, type DbPool } from "../_shared/db.ts";
import { ApiError } from "../_shared/errors.ts";
import { type ApiCommonOptions, createApiApp, standaloneFunction } from "../_shared/api_app.ts";
import { corsOriginsFromEnv } from "../_shared/cors.ts";
import {
  DEFAULT_WRITE_LIMIT,
  rateLimitFromEnv,
  type RateLimitOptions,
} from "../_shared/rate_limit.ts";
import { etagMatches, QueryParams } from "../_shared/query.ts";
import { MAX_NESTING_DEPTH, nestingDepth, readCapped } from "../_shared/body.ts";
import { CONFIG_CHANNEL } from "../../shared/channels.ts";
import { ConfigError, parseConfigYaml, QUIET_YAML } from "../../shared/config.ts";
import { configEtag, readConfigFile, writeTempBeside } from "./config_file.ts";
import { applyMergePatch, isJsonObject, type JsonObject, patchedCameras } from "./merge_patch.ts";
import { redactConfigText, restoreRedacted } from "./redact.ts";

export interface ConfigOptions extends ApiCommonOptions {
  pool: DbPool;
  /** The settings file (STOPLINE_CONFIG, default config/stopline.yaml). */
  path: string;
  /** Largest accepted body (default 256 KiB). */
  maxBytes?: number;
  /** Write rate limit per token subject (default 30/min, burst 10, no trusted proxies). */
  rateLimit?: RateLimitOptions;
  /** STOPLINE_CONFIG_ENV_ALLOW and STOPLINE_MEDIA_DIR for validation (default Deno.env). */
  env?: (name: string) => string | undefined;
}

/** Serializes saves across every process sharing the database (arbitrary, stable). */
const SAVE_LOCK_KEY = 7_312_026;
const YAML_TYPES = ["application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"];

export function createConfigApp(opts: ConfigOptions): Hono {
  const maxBytes = opts.maxBytes ?? 256 * 1024;
  const app = createApiApp(["/api/config/*"], {
    ...opts,
    maxBodyBytes: maxBytes,
    rateLimit: opts.rateLimit ?? DEFAULT_WRITE_LIMIT,
  });
  const etagOf = (text: string) => configEtag(text, opts.auth.secret);

  app.get("/api/config", async (c) => {
    const text = await readConfigFile(opts.path);
    if (text === null) throw new ApiError(404, "there is no config file yet");
    const etag = await etagOf(text);
    // The representation depends on Accept and on the token's cameras.
    const headers = { etag, "cache-control": "private, no-cache", vary: "accept, authorization" };
    if (etagMatches(c.req.header("if-none-match"), etag, true)) return c.body(null, 304, headers);
    let shown = redactConfigText(text);
    const cameras = getClaims(c)!.cameras;
    if (cameras) shown = _onlyCameras(shown, cameras);
    if ((c.req.header("accept") ?? "").includes("application/json")) {
      let doc: unknown;
      try {
        doc = parseYaml(shown, QUIET_YAML);
      } catch {
        throw new ApiError(409, "the config file on disk is not valid YAML; fetch it as YAML");
      }
      return c.json(doc, 200, headers);
    }
    return c.body(shown, 200, { ...headers, "content-type": "application/yaml; charset=utf-8" });
  });

  app.put("/api/config", async (c) => {
    const claims = getClaims(c)!;
    // The file holds every camera: a token limited to some of them must not rewrite the others.
    if (claims.cameras) {
      throw new ApiError(403, "a token limited to some cameras cannot edit the config");
    }
    const type = _mediaType(c.req.header("content-type"));
    const isJson = type === "application/json";
    if (!isJson && !YAML_TYPES.includes(type)) {
      throw new ApiError(415, "send the config as application/yaml, text/yaml or application/json");
    }
    const ifMatch = c.req.header("if-match");
    if (!ifMatch) {
      throw new ApiError(428, "If-Match is required: send the ETag of the config you edited");
    }
    let text = await _readBodyText(c.req.raw, maxBytes, "config");
    if (isJson) text = _jsonToYaml(text);
    return await _save(c, opts, () => text, ifMatch, claims.sub, etagOf);
  });

  app.patch("/api/config", async (c) => {
    const claims = getClaims(c)!;
    if (_mediaType(c.req.header("content-type")) !== "application/merge-patch+json") {
      throw new ApiError(415, "send a JSON merge patch as application/merge-patch+json");
    }
    const patch = await _readPatch(c.req.raw, maxBytes);
    // The same scope as the GET shows: a camera-limited token changes only its cameras.
    if (claims.cameras) {
      const touched = patchedCameras(patch);
      const allowed = claims.cameras;
      if (!touched || touched.some((id) => !allowed.includes(id))) {
        throw new ApiError(403, "a token limited to some cameras may only patch those cameras");
      }
    }
    const ifMatch = c.req.header("if-match");
    if (!ifMatch) {
      throw new ApiError(428, "If-Match is required: send the ETag of the config you edited");
    }
    return await _save(
      c,
      opts,
      (current) => {
        const doc = parseDocument(current, QUIET_YAML);
        if (doc.errors.length || !isMap(doc.contents)) {
          throw new ApiError(409, "the config file on disk is not a YAML mapping; PUT it whole");
        }
        applyMergePatch(doc, patch);
        return doc.toString();
      },
      ifMatch,
      claims.sub,
      etagOf,
    );
  });

  app.get("/api/config/revisions", requireRole(opts.auth, "operator"), async (c) => {
    const limit = new QueryParams(c.req.url).int("limit", 1, 200) ?? 50;
    const r = await opts.pool.query<{ id: string; created_at: Date; author: string; etag: string }>(
      `select id, created_at, author, etag from config_revisions
       order by id desc limit $1`,
      [limit],
    );
    return c.json({
      revisions: r.rows.map((x) => ({
        id: Number(x.id),
        created_at: x.created_at.toISOString(),
        author: x.author,
        etag: x.etag,
      })),
    });
  });

  return app;
}

/** Validate, then write + revision + notify under the save lock; the response of the PUT. */
async function _save(
  c: Context,
  opts: ConfigOptions,
  edit: (current: string) => string,
  ifMatch: string,
  author: string,
  etagOf: (text: string) => Promise<string>,
): Promise<Response> {
  const client = await opts.pool.connect();
  let tmp: string | null = null;
  try {
    await client.query("begin");
    await client.query("select pg_advisory_xact_lock($1)", [SAVE_LOCK_KEY]);
    // Read under the lock: the ETag check and the write must see the same file.
    const current = await readConfigFile(opts.path);
    const currentEtag = current === null ? null : await etagOf(current);
    if (currentEtag === null || !etagMatches(ifMatch, currentEtag, false)) {
      throw new ApiError(
        412,
        "the config changed since you read it; fetch it again",
        { etag: currentEtag },
        currentEtag ? { etag: currentEtag } : {},
      );
    }
    const { text, unresolved } = restoreRedacted(edit(current ?? ""), current ?? "");
    _validate(text, unresolved, opts.env ?? ((n) => Deno.env.get(n)));
    const etag = await etagOf(text);
    tmp = await writeTempBeside(opts.path, text);
    const rev = await client.query<{ id: string }>(
      "insert into config_revisions (author, etag, yaml) values ($1, $2, $3) returning id::text",
      [author.slice(0, 200), etag, redactConfigText(text)],
    );
    const id = rev.rows[0].id;
    // Delivered at COMMIT, after the rename: a listener always reads the new file.
    await client.query("select pg_notify($1, $2)", [CONFIG_CHANNEL, id]);
    await Deno.rename(tmp, opts.path);
    tmp = null;
    try {
      await client.query("commit");
    } catch (e) {
      // No revision was recorded: put the previous file back rather than keep an unlogged change.
      if (current !== null) await _restore(opts.path, current);
      throw e;
    }
    return c.json({ revision: Number(id), etag }, 200, { etag });
  } catch (e) {
    await client.query("rollback").catch(() => {});
    throw e;
  } finally {
    if (tmp) await Deno.remove(tmp).catch(() => {});
    client.release();
  }
}

async function _restore(path: string, text: string): Promise<void> {
  const tmp = await writeTempBeside(path, text);
  await Deno.rename(tmp, path).catch(() => Deno.remove(tmp).catch(() => {}));
}

/** 422 with every bad field, including values left with redacted credentials. */
function _validate(
  text: string,
  unresolved: string[],
  env: (name: string) => string | undefined,
): void {
  const issues = unresolved.map((path) => ({
    path,
    message: "holds redacted credentials (***) that match no stored value: " +
      "enter them again, or reference an environment variable as ${NAME}",
  }));
  try {
    // `${NAME}` names are checked against the allow-list but never substituted: the analyzer,
    // not this process, has the secrets, and a value read here could leak through an answer.
    parseConfigYaml(text, env, { substitute: false });
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    issues.push(...e.issues);
  }
  if (issues.length) throw new ApiError(422, "invalid config", { issues });
}

/**
 * A PUT or PATCH body as text: at most `maxBytes` (413), UTF-8 (400), and nested no deeper than
 * MAX_NESTING_DEPTH (422): parsers and the YAML writer recurse, so a hostile depth is refused
 * before either runs.
 */
async function _readBodyText(
  req: Request,
  maxBytes: number,
  what: "config" | "patch",
): Promise<string> {
  const body = await readCapped(req, maxBytes);
  if (body === null) throw new ApiError(413, `the ${what} must not exceed ${maxBytes} bytes`);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(body);
  } catch {
    throw new ApiError(400, "the body is not UTF-8 text");
  }
  if (nestingDepth(text) > MAX_NESTING_DEPTH) {
    throw new ApiError(422, "invalid config", {
      issues: [{ path: "(body)", message: `nested deeper than ${MAX_NESTING_DEPTH} levels` }],
    });
  }
  return text;
}

/** The PATCH body: a JSON object (a merge patch for the whole file), else 400/413/422. */
async function _readPatch(req: Request, maxBytes: number): Promise<JsonObject> {
  const text = await _readBodyText(req, maxBytes, "patch");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new ApiError(422, "invalid config", {
      issues: [{ path: "(json)", message: (e as Error).message.split("\n")[0] }],
    });
  }
  // Anything but an object would replace the whole file with a non-mapping: never a config.
  if (!isJsonObject(value)) {
    throw new ApiError(422, "invalid config", {
      issues: [{ path: "(json)", message: "a merge patch of the config must be a JSON object" }],
    });
  }
  return value;
}

/** A JSON body as YAML text (the file format); 422 when it is not JSON. */
function _jsonToYaml(text: string): string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new ApiError(422, "invalid config", {
      issues: [{ path: "(json)", message: (e as Error).message.split("\n")[0] }],
    });
  }
  return stringifyYaml(value);
}

/** The redacted YAML with only `cameras` kept (for tokens limited to some cameras). */
function _onlyCameras(text: string, cameras: string[]): string {
  const doc = parseDocument(text, QUIET_YAML);
  const map = doc.get("cameras", true);
  if (doc.errors.length || !isMap(map)) return text;
  map.items = map.items.filter((p) =>
    cameras.includes(String(isScalar(p.key) ? p.key.value : p.key))
  );
  return doc.toString();
}

function _mediaType(header: string | undefined): string {
  return (header ?? "").split(";")[0].trim().toLowerCase();
}

// Deployed alone (edge host): `deno serve -A functions/config/index.ts` with DATABASE_URL set;
// the file must be on a disk this instance shares with the analyzer.
export default standaloneFunction((url) =>
  createConfigApp({
    pool: createPool(url),
    path: Deno.env.get("STOPLINE_CONFIG") ?? "config/stopline.yaml",
    auth: authFromEnv(),
    corsOrigins: corsOriginsFromEnv(),
    rateLimit: rateLimitFromEnv(),
  })
);
