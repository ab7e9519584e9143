/**
 * Keyset pagination over (timestamp desc, id desc) with opaque base64url cursors. The cursor
 * carries the timestamp in microseconds as Postgres stores it (a JS Date would round to ms and
 * skip or repeat rows that share a millisecond), and the id breaks ties between equal times.
 * A cursor is tagged with its list so one from /api/events is not accepted by /api/passes.
 */
import { ApiError } from "./errors.ts";
import type { SqlWhere } from "./query.ts";

export interface Keyset {
  /** Microseconds since the epoch, as a decimal string (exact beyond 2^53 µs). */
  us: string;
  id: string;
}

/** The id column's type: text ids compare as text, bigserial ids as numbers. */
export type KeyIdType = "text" | "bigint";

const US_RE = /^-?\d{1,18}$/;
const BIGINT_RE = /^\d{1,18}$/;
const MAX_CURSOR_LENGTH = 1024;

export function encodeCursor(list: string, k: Keyset): string {
  const bytes = new TextEncoder().encode(JSON.stringify({ l: list, t: k.us, i: k.id }));
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** The cursor's keyset; a 400 for anything this list did not produce. */
export function decodeCursor(list: string, cursor: string, idType: KeyIdType): Keyset {
  const bad = new ApiError(400, "query parameter cursor is not a valid cursor");
  if (cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw bad;
  let v: { l?: unknown; t?: unknown; i?: unknown };
  try {
    const bin = atob(cursor.replaceAll("-", "+").replaceAll("_", "/"));
    v = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(
      Uint8Array.from(bin, (c) => c.charCodeAt(0)),
    ));
  } catch {
    throw bad;
  }
  if (
    typeof v !== "object" || v === null || v.l !== list || typeof v.t !== "string" ||
    !US_RE.test(v.t) || typeof v.i !== "string" || v.i.length === 0 || v.i.length > 256 ||
    (idType === "bigint" && !BIGINT_RE.test(v.i))
  ) throw bad;
  return { us: v.t, id: v.i };
}

/** SQL selecting a row's timestamp as exact microseconds (for its cursor). */
export function microsSql(timeColumn: string): string {
  return `(extract(epoch from ${timeColumn}) * 1000000)::bigint::text`;
}

/** Restricts `where` to rows after the cursor in (time desc, id desc) order. */
export function afterCursor(
  where: SqlWhere,
  timeColumn: string,
  idColumn: string,
  k: Keyset,
  idType: KeyIdType,
): void {
  const t = `timestamptz 'epoch' + ${where.param(k.us)}::bigint * interval '1 microsecond'`;
  where.and(`(${timeColumn}, ${idColumn}) < (${t}, ${where.param(k.id)}::${idType})`);
}

/**
 * One page from `limit + 1` fetched rows: the extra row only tells that there is a next page,
 * so the last page has `next_cursor: null` instead of an empty page after it.
 */
export function pageOf<R>(
  list: string,
  rows: R[],
  limit: number,
  keyOf: (row: R) => Keyset,
): { items: R[]; next_cursor: string | null } {
  const items = rows.slice(0, limit);
  const more = rows.length > limit && items.length > 0;
  return { items, next_cursor: more ? encodeCursor(list, keyOf(items[items.length - 1])) : null };
}
