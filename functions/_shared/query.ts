/**
 * Strict request input for the API functions: every query parameter is parsed by a typed reader
 * that throws a 400 ApiError naming the parameter, so a bad value can never reach SQL (which
 * only ever sees bind parameters) or silently widen a query. Plus the camera/time filter shared
 * by passes, events and stats, and ETag helpers.
 */
import type { Claims } from "./jwt.ts";
import { mayReadCamera } from "./auth.ts";
import { ApiError } from "./errors.ts";
import { CAMERA_ID_RE } from "../../shared/channels.ts";

/** Longest accepted value of one query parameter (lists of cameras fit easily). */
const MAX_PARAM_LENGTH = 1024;
/** Unix ms: at most 15 digits (up to year ~33658), so the Date never overflows. */
const UNIX_MS_RE = /^\d{1,15}$/;
const ISO_RE =
  /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;
const DECIMAL_RE = /^\d{1,9}(?:\.\d{1,9})?$/;
const INT_RE = /^\d{1,10}$/;

export class QueryParams {
  readonly #params: URLSearchParams;

  constructor(url: string) {
    this.#params = new URL(url).searchParams;
  }

  /** The single value of `name`; a repeated parameter is ambiguous, hence an error. */
  one(name: string): string | undefined {
    const all = this.#params.getAll(name);
    if (all.length > 1) throw _bad(name, "must be given once");
    const v = all[0];
    if (v === undefined) return undefined;
    if (v.length > MAX_PARAM_LENGTH) throw _bad(name, "is too long");
    return v;
  }

  /** ISO-8601 date/time (no zone = UTC) or unix milliseconds. */
  time(name: string): Date | undefined {
    const v = this.one(name);
    if (v === undefined) return undefined;
    let ms: number;
    if (UNIX_MS_RE.test(v)) ms = Number(v);
    else if (ISO_RE.test(v)) {
      // Date.parse reads a date-time without a zone as local time: pin it to UTC.
      const zoned = /T|\s/i.test(v) && !/(?:Z|[+-]\d{2}:?\d{2})$/i.test(v) ? `${v}Z` : v;
      ms = Date.parse(zoned.replace(" ", "T"));
    } else ms = NaN;
    // Year 10000+ and rolled-over dates ("2026-02-31") are not real times.
    if (!Number.isFinite(ms) || ms > 253402300799999 || !_realCalendarDay(v)) {
      throw _bad(name, "must be an ISO-8601 date-time or unix milliseconds");
    }
    return new Date(ms);
  }

  /** A whole number in [min, max], or undefined when absent. */
  int(name: string, min: number, max: number): number | undefined {
    const v = this.one(name);
    if (v === undefined) return undefined;
    const n = INT_RE.test(v) ? Number(v) : NaN;
    if (!(n >= min && n <= max)) throw _bad(name, `must be an integer from ${min} to ${max}`);
    return n;
  }

  /** A non-negative decimal (no exponent, no sign) up to `max`. */
  decimal(name: string, max: number): number | undefined {
    const v = this.one(name);
    if (v === undefined) return undefined;
    const n = DECIMAL_RE.test(v) ? Number(v) : NaN;
    if (!(n >= 0 && n <= max)) throw _bad(name, `must be a number from 0 to ${max}`);
    return n;
  }

  /** A comma list of values from `allowed` (duplicates folded), or undefined when absent. */
  oneOf<T extends string>(name: string, allowed: readonly T[]): T[] | undefined {
    const v = this.one(name);
    if (v === undefined) return undefined;
    const parts = v.split(",").map((s) => s.trim());
    if (parts.some((p) => !allowed.includes(p as T))) {
      throw _bad(name, `must be one or more of ${allowed.join(", ")} (comma separated)`);
    }
    return [...new Set(parts as T[])];
  }

  /** A comma list of camera ids, or undefined when absent. */
  cameras(name = "camera"): string[] | undefined {
    const v = this.one(name);
    if (v === undefined) return undefined;
    const parts = v.split(",").map((s) => s.trim());
    if (parts.length > 64 || parts.some((p) => !CAMERA_ID_RE.test(p))) {
      throw _bad(name, "must be camera ids ([A-Za-z0-9_-]{1,64}), comma separated");
    }
    return [...new Set(parts)];
  }
}

/** Rejects "2026-02-31": Date.parse rolls it over to March instead of failing. */
function _realCalendarDay(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(text);
  if (!m) return true; // unix ms
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // Checked as written: the zone may move the instant to another UTC day.
  const probe = new Date(Date.UTC(y, mo - 1, d));
  return probe.getUTCMonth() === mo - 1 && probe.getUTCDate() === d;
}

function _bad(name: string, what: string): ApiError {
  return new ApiError(400, `query parameter ${name} ${what}`);
}

/**
 * The cameras a request may see: the requested ones (all when absent), narrowed by a `cameras`
 * claim. Asking for a camera outside the claim is a 404, exactly like a camera that does not
 * exist, so a restricted token learns nothing about the others. null = no restriction.
 */
export function visibleCameras(claims: Claims, requested: string[] | undefined): string[] | null {
  if (requested) {
    const hidden = requested.find((c) => !mayReadCamera(claims, c));
    if (hidden !== undefined) throw new ApiError(404, "unknown camera", { camera: hidden });
    return requested;
  }
  return claims.cameras ?? null;
}

/** A SQL `where` clause built from fragments; values only ever travel as bind parameters. */
export class SqlWhere {
  readonly params: unknown[] = [];
  readonly #parts: string[] = [];

  /** `$n` for a new bind parameter. */
  param(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  and(fragment: string): this {
    this.#parts.push(fragment);
    return this;
  }

  toString(): string {
    return this.#parts.length ? `where ${this.#parts.join(" and ")}` : "";
  }
}

/** The window of a time filter: `after` inclusive, `before` exclusive. */
export interface TimeWindow {
  after?: Date;
  before?: Date;
}

/** Reads `after`/`before` (rejecting an empty window the wrong way round). */
export function timeWindow(q: QueryParams): TimeWindow {
  const after = q.time("after");
  const before = q.time("before");
  if (after && before && after.getTime() > before.getTime()) {
    throw new ApiError(400, "query parameter after must not be later than before");
  }
  return { after, before };
}

/** Adds the camera scope and time window on `timeColumn` to `where`. */
export function whereCameraTime(
  where: SqlWhere,
  cameras: string[] | null,
  window: TimeWindow,
  timeColumn: string,
): SqlWhere {
  if (cameras) where.and(`camera = any(${where.param(cameras)}::text[])`);
  if (window.after) where.and(`${timeColumn} >= ${where.param(window.after)}`);
  if (window.before) where.and(`${timeColumn} < ${where.param(window.before)}`);
  return where;
}

/** Hex SHA-256 of `data`, first `chars` characters (ETags). */
export async function sha256Hex(data: Uint8Array | string, chars = 64): Promise<string> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as BufferSource));
  return [...d].map((b) => b.toString(16).padStart(2, "0")).join("").slice(0, chars);
}

/**
 * Whether an If-Match / If-None-Match header names `etag` (or is `*`). If-None-Match compares
 * weakly; If-Match strongly (a `W/` tag never matches), as RFC 9110 says.
 */
export function etagMatches(header: string | undefined, etag: string, weak: boolean): boolean {
  if (!header) return false;
  if (header.trim() === "*") return true;
  return header.split(",").map((t) => t.trim()).some((t) =>
    (weak ? t.replace(/^W\//, "") : t) === etag
  );
}
