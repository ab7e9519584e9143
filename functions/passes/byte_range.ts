/**
 * HTTP Range requests (RFC 9110 §14) for one stored object: what the `<video>` element sends to
 * seek in a clip. One range per request (a browser never asks for more); a multi-range request
 * is answered with the whole body, which RFC 9110 allows.
 */

/** Inclusive byte offsets of the part to send. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * The range a `Range` header asks for in a body of `size` bytes: a ByteRange, "all" (no header,
 * another unit, several ranges or a malformed header: send 200 with everything), or
 * "unsatisfiable" (416).
 */
export function parseByteRange(
  header: string | undefined | null,
  size: number,
): ByteRange | "all" | "unsatisfiable" {
  if (!header) return "all";
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m) return "all";
  const [first, last] = [m[1], m[2]];
  if (first === "" && last === "") return "all";
  if (first === "") {
    // A suffix: the last N bytes.
    const n = Number(last);
    if (n === 0 || size === 0) return "unsatisfiable";
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(first);
  if (start >= size) return "unsatisfiable";
  const end = last === "" ? size - 1 : Math.min(Number(last), size - 1);
  if (end < start) return "all"; // syntactically invalid: ignore the header
  return { start, end };
}

/**
 * Whether a conditional range still applies: `If-Range` with another validator than the
 * current one means the client's partial copy is stale, so it gets the whole body.
 */
export function ifRangeAllows(ifRange: string | undefined | null, etag: string): boolean {
  if (!ifRange) return true;
  return ifRange.trim() === etag; // strong comparison; a date never matches our ETags
}
