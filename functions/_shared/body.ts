/** Request bodies read with a size cap, so a huge or endless body is never buffered whole. */

/** The body bytes, or null as soon as they exceed `max`. */
export async function readCapped(req: Request, max: number): Promise<Uint8Array | null> {
  const declared = Number(req.headers.get("content-length") ?? "NaN");
  if (declared > max) return null;
  if (!req.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of req.body) {
    size += chunk.byteLength;
    if (size > max) return null;
    chunks.push(chunk);
  }
  const out = new Uint8Array(size);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.byteLength;
  }
  return out;
}

export type JsonBody =
  | { ok: true; value: unknown }
  | { ok: false; status: 400 | 413; error: string };

/** Deeper than this is no document of ours, and recursive code walking it could overflow. */
export const MAX_NESTING_DEPTH = 64;

/**
 * Parse a JSON body of at most `max` bytes; 413 when larger, 400 when not JSON or nested deeper
 * than MAX_NESTING_DEPTH.
 */
export async function readJsonCapped(req: Request, max: number): Promise<JsonBody> {
  const bytes = await readCapped(req, max);
  if (bytes === null) return { ok: false, status: 413, error: `body larger than ${max} bytes` };
  const text = new TextDecoder().decode(bytes);
  if (nestingDepth(text) > MAX_NESTING_DEPTH) {
    return { ok: false, status: 400, error: `body nested deeper than ${MAX_NESTING_DEPTH} levels` };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, status: 400, error: "body is not valid JSON" };
  }
}

/**
 * The deepest bracket nesting (`[` / `{`) of JSON or YAML flow text, outside quoted strings. A
 * linear scan, so a hostile body is measured without recursing into it.
 */
export function nestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === "\\" && quote === '"') i++;
      else if (ch === quote) quote = null;
      continue;
    }
    if (ch === '"' || ch === "'") quote = ch;
    else if (ch === "[" || ch === "{") max = Math.max(max, ++depth);
    else if (ch === "]" || ch === "}") depth = Math.max(0, depth - 1);
  }
  return max;
}
