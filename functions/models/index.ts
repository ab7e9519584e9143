/**
 * models: GET /api/models, POST /api/models?name= (raw ONNX body), POST /api/models/:id/activate,
 * DELETE /api/models/:id. Uploads are validated without onnxruntime by shared/model/ (not ONNX,
 * or an output layout no detector family recognizes -> 422 with the reason); the analyzer refuses
 * on activation what only ONNX Runtime can tell is broken. Activation is announced on the
 * stopline_model channel; the analyzer switches without a restart. Models are shared by every
 * camera, so a token limited to some cameras (`cameras` claim) cannot change them.
 */
import type { Context, Hono } from "hono";
import { MODEL_CHANNEL } from "../../shared/channels.ts";
import type { ObjectStore } from "../../shared/object_store/mod.ts";
import { validateModelFile } from "../../shared/model/validate_model.ts";
import { readCapped } from "../_shared/body.ts";
import type { DbPool } from "../_shared/db.ts";
import { getClaims } from "../_shared/auth.ts";
import { type ApiCommonOptions, createApiApp } from "../_shared/api_app.ts";
import { ApiError } from "../_shared/errors.ts";
import type { RateLimitOptions } from "../_shared/rate_limit.ts";

export interface ModelsOptions extends ApiCommonOptions {
  pool: DbPool;
  store: ObjectStore;
  bucket: string;
  /** Largest accepted upload, bytes (default 256 MiB). */
  maxBytes?: number;
  /** Write rate limit per token subject (default none). */
  rateLimit?: RateLimitOptions | null;
}

const ID_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const COLUMNS =
  "id, name, kind, source, uri, sha256, size_bytes, input_shape, labels, outputs, active, created_at";

export function createModelsApp(opts: ModelsOptions): Hono {
  const maxBytes = opts.maxBytes ?? 256 * 1024 * 1024;
  const app = createApiApp(["/api/models/*"], {
    ...opts,
    maxBodyBytes: maxBytes,
    after: [async (c, next) => {
      if (!_reads(c)) _allCameras(c);
      await next();
    }],
  });

  app.get("/api/models", async (c) => {
    const r = await opts.pool.query(`select ${COLUMNS} from models order by source, created_at`);
    return c.json({ models: r.rows.map(_publicRow) });
  });

  app.post("/api/models", async (c) => {
    const name = (c.req.query("name") ?? "").trim();
    if (!name || name.length > 100) {
      throw new ApiError(400, "query parameter name is required (1-100 characters)");
    }
    const bytes = await readCapped(c.req.raw, maxBytes);
    if (bytes === null) throw new ApiError(413, `model larger than ${maxBytes} bytes`);
    if (bytes.byteLength === 0) throw new ApiError(400, "empty body: send the .onnx file");
    const v = validateModelFile(bytes);
    if (!v.ok) throw new ApiError(422, "model rejected", { reason: v.reason });
    const sha = await _sha256(bytes);
    const id = `upload-${sha.slice(0, 16)}`;
    const uri = `minio://${opts.bucket}/models/${sha}.onnx`;
    const exists = await opts.pool.query("select 1 from models where id = $1", [id]);
    if (exists.rowCount) throw new ApiError(409, "this model is already uploaded", { id });
    await opts.store.put(uri, bytes, "application/octet-stream");
    const r = await opts.pool.query(
      `insert into models (id, name, kind, source, uri, sha256, size_bytes, input_shape, labels, outputs)
       values ($1, $2, $3, 'upload', $4, $5, $6, $7, $8, $9) returning ${COLUMNS}`,
      [
        id,
        name,
        v.kind,
        uri,
        sha,
        bytes.byteLength,
        v.inputShape,
        JSON.stringify(v.labels),
        JSON.stringify(v.outputs),
      ],
    );
    return c.json(_publicRow(r.rows[0]), 201);
  });

  app.post("/api/models/:id/activate", async (c) => {
    const id = c.req.param("id");
    if (!ID_RE.test(id)) throw new ApiError(400, "bad model id");
    const client = await opts.pool.connect();
    try {
      await client.query("begin");
      const found = await client.query("select 1 from models where id = $1 for update", [id]);
      if (!found.rowCount) throw new ApiError(404, "unknown model", { id });
      await client.query("update models set active = false where active and id <> $1", [id]);
      await client.query("update models set active = true where id = $1", [id]);
      await client.query("select pg_notify($1, $2)", [MODEL_CHANNEL, id]);
      await client.query("commit");
    } catch (e) {
      await client.query("rollback").catch(() => {});
      throw e;
    } finally {
      client.release();
    }
    return c.json({ active: id });
  });

  app.delete("/api/models/:id", async (c) => {
    const id = c.req.param("id");
    if (!ID_RE.test(id)) throw new ApiError(400, "bad model id");
    const r = await opts.pool.query("select source, uri, active from models where id = $1", [id]);
    const row = r.rows[0];
    if (!row) throw new ApiError(404, "unknown model", { id });
    if (row.active) {
      throw new ApiError(409, "the active model cannot be deleted; activate another first");
    }
    if (row.source === "builtin") throw new ApiError(409, "built-in models cannot be deleted");
    await opts.pool.query("delete from models where id = $1 and not active", [id]);
    await opts.store.delete(row.uri);
    return c.body(null, 204);
  });

  return app;
}

function _reads(c: Context): boolean {
  return c.req.method === "GET" || c.req.method === "HEAD" || c.req.method === "OPTIONS";
}

/** 403 for a token limited to some cameras: the active model is every camera's. */
function _allCameras(c: Context): void {
  if (getClaims(c)?.cameras) {
    throw new ApiError(403, "a token limited to some cameras cannot change models");
  }
}

function _publicRow(r: Record<string, unknown>) {
  return { ...r, created_at: (r.created_at as Date)?.toISOString?.() ?? r.created_at };
}

async function _sha256(bytes: Uint8Array): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as BufferSource));
  return [...d].map((b) => b.toString(16).padStart(2, "0")).join("");
}
