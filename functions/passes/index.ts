/**
 * passes: the judged vehicle passes.
 * - GET /api/passes?camera&after&before&verdict&min_stop_s&max_stop_s&limit&cursor — newest
 *   first (exited_at desc, id desc), keyset pages with an opaque cursor.
 * - GET /api/passes/:id — one pass with its quality figures and raw samples.
 * - GET /api/passes/:id/image — the crop from the object store (works with `?token=` so an
 *   `<img>` can show it when auth is on). `?original=1`: the unblurred crop of a privacy camera
 *   with `keep_originals` (stored under originals/), admins only (403 to anyone else).
 * - GET /api/passes/:id/clip — the replay clip (video/mp4) with Range requests (206) for seeking
 *   and an ETag (304), same rule and `?token=` as the image, so a `<video>` can play it.
 *   `?original=1`: the remuxed (unblurred) clip of a privacy camera with `keep_originals`
 *   (stored under originals/), admins only (403 to anyone else), same Range and ETag.
 * - GET /api/passes.csv — every pass the list filters select, as RFC 4180 CSV, streamed in
 *   keyset chunks (never the whole result in memory): csv_export.ts.
 * - GET /api/passes/:id/reviews, POST /api/passes/:id/reviews, PUT /api/passes/:id/keep — review
 *   and keep (operator, camera claim): reviews.ts.
 * List filters (list and CSV): camera, after/before (exited_at), verdict, min_stop_s/max_stop_s,
 * review=reviewed|unreviewed|disputed (disputed: the latest review says the verdict is wrong).
 * Tokens limited to some cameras see only those: other cameras' passes are 404, like missing ones.
 */
import type { Hono } from "hono";
import { originalUri } from "../../shared/original_uri.ts";
import type { Claims } from "../_shared/jwt.ts";
import { authFromEnv, getClaims } from "../_shared/auth.ts";
import { createPool, type DbPool } from "../_shared/db.ts";
import { ApiError } from "../_shared/errors.ts";
import { type ApiCommonOptions, createApiApp, standaloneFunction } from "../_shared/api_app.ts";
import { corsOriginsFromEnv } from "../_shared/cors.ts";
import { afterCursor, decodeCursor, microsSql, pageOf } from "../_shared/pagination.ts";
import {
  etagMatches,
  QueryParams,
  sha256Hex,
  SqlWhere,
  timeWindow,
  visibleCameras,
  whereCameraTime,
} from "../_shared/query.ts";
import {
  type ObjectStore,
  objectStoreFromEnv,
  parseObjectUri,
} from "../../shared/object_store/mod.ts";
import type { PassRow, PassSample } from "../../shared/pass_row.ts";
import { ifRangeAllows, parseByteRange } from "./byte_range.ts";
import { VERDICTS } from "../../shared/verdict.ts";
import { streamPassesCsv } from "./csv_export.ts";
import { mountReviewRoutes, REVIEW_STATE_SQL } from "./reviews.ts";
import { findPass, type PassDbRow } from "./pass_lookup.ts";

export interface PassesOptions extends ApiCommonOptions {
  pool: DbPool;
  store: ObjectStore;
  /** Rows per query of the CSV export (default 1000): memory stays at one chunk. */
  csvChunkRows?: number;
}

const LIST = "passes";
const COLUMNS = `id, camera, track_id, label, verdict, entered_at, exited_at, time_in_zone_s,
  stop_duration_s, min_speed_px_s, entry_speed_px_s, image, entry_speed_mps, min_speed_mps,
  max_speed_mps, clip_uri, clip_start, clip_duration_s`;

export function createPassesApp(opts: PassesOptions): Hono {
  const app = createApiApp(["/api/passes/*", "/api/passes.csv"], opts);

  app.get("/api/passes.csv", (c) => {
    const q = new QueryParams(c.req.url);
    const where = passFilters(q, getClaims(c)!);
    return streamPassesCsv(c, opts.pool, where, opts.csvChunkRows);
  });

  app.get("/api/passes", async (c) => {
    const q = new QueryParams(c.req.url);
    const where = passFilters(q, getClaims(c)!);
    const limit = q.int("limit", 1, 200) ?? 50;
    const cursor = q.one("cursor");
    if (cursor !== undefined) {
      afterCursor(where, "exited_at", "id", decodeCursor(LIST, cursor, "text"), "text");
    }
    const r = await opts.pool.query<PassDbRow>(
      `select ${COLUMNS}, ${microsSql("exited_at")} as _us from vehicle_passes ${where}
       order by exited_at desc, id desc limit ${where.param(limit + 1)}`,
      where.params,
    );
    const page = pageOf(LIST, r.rows, limit, (p) => ({ us: p._us!, id: p.id }));
    return c.json({ passes: page.items.map(publicPass), next_cursor: page.next_cursor });
  });

  mountReviewRoutes(app, opts.pool);

  app.get("/api/passes/:id", async (c) => {
    const row = await findPass(
      c,
      opts.pool,
      `${COLUMNS}, quality, samples, keep, ${REVIEW_STATE_SQL} as review_state`,
    );
    return c.json({
      ...publicPass(row),
      keep: row.keep ?? false,
      review_state: row.review_state ?? "unreviewed",
      quality: row.quality ?? {},
      samples: Array.isArray(row.samples) ? row.samples.map(_publicSample) : [],
    });
  });

  app.get("/api/passes/:id/image", async (c) => {
    const row = await findPass(c, opts.pool, "camera, image");
    const original = c.req.query("original") === "1";
    // After the camera check: a scoped token learns nothing about another camera's pass.
    if (original && getClaims(c)?.role !== "admin") {
      throw new ApiError(403, "only admins may fetch original (unblurred) images");
    }
    if (!row.image) throw new ApiError(404, "this pass has no image");
    let uri: string;
    try {
      parseObjectUri(row.image);
      uri = original ? originalUri(row.image) : row.image;
    } catch {
      // A malformed uri in the row is bad data, not a server fault: the image is just missing.
      throw new ApiError(404, "the image of this pass is missing");
    }
    const obj = await opts.store.get(uri);
    if (!obj) throw new ApiError(404, "the image of this pass is missing");
    const etag = `"${await sha256Hex(obj.data, 32)}"`;
    const headers = {
      "cache-control": "private, max-age=86400",
      etag,
      "x-content-type-options": "nosniff",
    };
    if (etagMatches(c.req.header("if-none-match"), etag, true)) {
      return c.body(null, 304, headers);
    }
    const type = obj.contentType.startsWith("image/") ? obj.contentType : "image/jpeg";
    return c.body(obj.data as Uint8Array<ArrayBuffer>, 200, { ...headers, "content-type": type });
  });

  app.get("/api/passes/:id/clip", async (c) => {
    const row = await findPass(c, opts.pool, "camera, clip_uri");
    const original = c.req.query("original") === "1";
    // After the camera check, as for the image: another camera's pass is 404 to a scoped token.
    if (original && getClaims(c)?.role !== "admin") {
      throw new ApiError(403, "only admins may fetch original (unblurred) clips");
    }
    if (!row.clip_uri) throw new ApiError(404, "this pass has no clip");
    let uri: string;
    try {
      parseObjectUri(row.clip_uri);
      uri = original ? originalUri(row.clip_uri) : row.clip_uri;
    } catch {
      throw new ApiError(404, "the clip of this pass is missing");
    }
    const obj = await opts.store.get(uri);
    if (!obj) throw new ApiError(404, "the clip of this pass is missing");
    // Strong: a byte range is only valid against the same bytes.
    const etag = `"${await sha256Hex(obj.data, 32)}"`;
    const headers: Record<string, string> = {
      "accept-ranges": "bytes",
      "cache-control": "private, max-age=86400",
      etag,
      "x-content-type-options": "nosniff",
    };
    if (etagMatches(c.req.header("if-none-match"), etag, true)) {
      return c.body(null, 304, headers);
    }
    headers["content-type"] = "video/mp4";
    const size = obj.data.byteLength;
    const range = ifRangeAllows(c.req.header("if-range"), etag)
      ? parseByteRange(c.req.header("range"), size)
      : "all";
    if (range === "unsatisfiable") {
      return c.body(null, 416, { ...headers, "content-range": `bytes */${size}` });
    }
    if (range === "all") return c.body(obj.data as Uint8Array<ArrayBuffer>, 200, headers);
    const part = obj.data.subarray(range.start, range.end + 1) as Uint8Array<ArrayBuffer>;
    return c.body(part, 206, {
      ...headers,
      "content-length": String(part.byteLength),
      "content-range": `bytes ${range.start}-${range.end}/${size}`,
    });
  });

  return app;
}

/** The list filters shared by GET /api/passes and /api/passes.csv (cursor and limit aside). */
export function passFilters(q: QueryParams, claims: Claims): SqlWhere {
  const cameras = visibleCameras(claims, q.cameras());
  const where = whereCameraTime(new SqlWhere(), cameras, timeWindow(q), "exited_at");
  const verdicts = q.oneOf("verdict", VERDICTS);
  if (verdicts) where.and(`verdict = any(${where.param(verdicts)}::text[])`);
  const minStop = q.decimal("min_stop_s", 86_400);
  const maxStop = q.decimal("max_stop_s", 86_400);
  if (minStop !== undefined && maxStop !== undefined && minStop > maxStop) {
    throw new ApiError(400, "query parameter min_stop_s must not exceed max_stop_s");
  }
  if (minStop !== undefined) where.and(`stop_duration_s >= ${where.param(minStop)}`);
  if (maxStop !== undefined) where.and(`stop_duration_s <= ${where.param(maxStop)}`);
  const review = q.oneOf("review", REVIEW_FILTERS);
  if (review) {
    const states = new Set(review.flatMap((r) => REVIEW_FILTER_STATES[r]));
    where.and(`${REVIEW_STATE_SQL} = any(${where.param([...states])}::text[])`);
  }
  return where;
}

export const REVIEW_FILTERS = ["reviewed", "unreviewed", "disputed"] as const;
const REVIEW_FILTER_STATES: Record<(typeof REVIEW_FILTERS)[number], string[]> = {
  reviewed: ["confirmed", "corrected"],
  unreviewed: ["unreviewed"],
  disputed: ["corrected"],
};

export function publicPass(p: PassDbRow): PassRow {
  return {
    id: p.id,
    camera: p.camera,
    track_id: p.track_id,
    label: p.label,
    verdict: p.verdict,
    entered_at: p.entered_at.toISOString(),
    exited_at: p.exited_at.toISOString(),
    time_in_zone_s: p.time_in_zone_s,
    stop_duration_s: p.stop_duration_s,
    min_speed_px_s: p.min_speed_px_s,
    entry_speed_px_s: p.entry_speed_px_s,
    entry_speed_mps: p.entry_speed_mps ?? null,
    min_speed_mps: p.min_speed_mps ?? null,
    max_speed_mps: p.max_speed_mps ?? null,
    image_url: p.image ? `/api/passes/${encodeURIComponent(p.id)}/image` : null,
    clip_url: p.clip_uri ? `/api/passes/${encodeURIComponent(p.id)}/clip` : null,
    clip_start: p.clip_uri && p.clip_start ? p.clip_start.toISOString() : null,
    clip_duration_s: p.clip_uri ? p.clip_duration_s : null,
  };
}

/** Only the documented sample fields leave the API, whatever else the analyzer stored. */
function _publicSample(s: Record<string, unknown>): PassSample {
  const out: Record<string, unknown> = {
    ts: s.ts,
    cx: s.cx,
    cy: s.cy,
    speed_px_s: s.speed_px_s,
    phase: s.phase ?? null,
  };
  const box = s.box;
  if (Array.isArray(box) && box.length === 4 && box.every((v) => typeof v === "number")) {
    out.box = box;
  }
  return out as PassSample; // as the analyzer stored it (shared/pass_row.ts PassSampleSchema)
}

// Deployed alone (edge host): `deno serve -A functions/passes/index.ts` with DATABASE_URL set.
export default standaloneFunction((url) =>
  createPassesApp({
    pool: createPool(url),
    store: objectStoreFromEnv(),
    auth: authFromEnv(),
    corsOrigins: corsOriginsFromEnv(),
  })
);
