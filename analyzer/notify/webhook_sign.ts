/**
 * Webhook signatures: `X-Stopline-Signature: sha256=<hex HMAC-SHA256 of the raw body>` under the
 * rule's secret (`secret_env`). The body carries `sent_at`, equal to `X-Stopline-Timestamp`, so
 * the signature covers the time too and a receiver can refuse old replays.
 */

export const SIGNATURE_HEADER = "x-stopline-signature";
export const TIMESTAMP_HEADER = "x-stopline-timestamp";
export const DELIVERY_HEADER = "x-stopline-delivery";

async function _key(secret: string): Promise<CryptoKey> {
  return await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign", "verify"],
  );
}

function _hex(bytes: ArrayBuffer): string {
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The header value for `body`: `sha256=<hex>`. */
export async function signBody(secret: string, body: string): Promise<string> {
  const mac = await crypto.subtle.sign("HMAC", await _key(secret), new TextEncoder().encode(body));
  return `sha256=${_hex(mac)}`;
}

/** What a receiver does: true when `header` is the signature of `body` (constant time). */
export async function verifySignature(
  secret: string,
  body: string,
  header: string | null,
): Promise<boolean> {
  const m = header?.match(/^sha256=([0-9a-f]{64})$/);
  if (!m) return false;
  const mac = new Uint8Array(m[1].match(/../g)!.map((h) => parseInt(h, 16)));
  return await crypto.subtle.verify(
    "HMAC",
    await _key(secret),
    mac,
    new TextEncoder().encode(body),
  );
}
