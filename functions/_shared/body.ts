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

/** Parse a JSON body of at most `max` bytes; 413 when larger, 400 when not JSON. */
export async function readJsonCapped(req: Request, max: number): Promise<JsonBody> {
  const bytes = await readCapped(req, max);
  if (bytes === null) return { ok: false, status: 413, error: `body larger than ${max} bytes` };
  try {
    return { ok: true, value: JSON.parse(new TextDecoder().decode(bytes)) };
  } catch {
    return { ok: false, status: 400, error: "body is not valid JSON" };
  }
}
