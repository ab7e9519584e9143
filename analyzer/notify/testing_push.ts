/**
 * A fake push service for the Web Push tests: what a browser vendor's endpoint would receive,
 * decrypted here with WebCrypto per RFC 8291 (aes128gcm, RFC 8188) using the subscription's
 * private key, and its VAPID header (RFC 8292) verified with jose.
 */
import { importJWK, jwtVerify } from "jose";

const enc = new TextEncoder();

export function b64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_")
    .replace(/=+$/, "");
}

export function fromB64url(text: string): Uint8Array {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(
    atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4)),
    (c) => c.charCodeAt(0),
  );
}

/** A browser's side of a subscription: its P-256 key pair and auth secret. */
export interface TestSubscriber {
  p256dh: string;
  auth: string;
  privateKey: CryptoKey;
  publicRaw: Uint8Array;
  authSecret: Uint8Array;
}

export async function newSubscriber(): Promise<TestSubscriber> {
  const pair = await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, [
    "deriveBits",
  ]) as CryptoKeyPair;
  const publicRaw = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
  const authSecret = crypto.getRandomValues(new Uint8Array(16));
  return {
    p256dh: b64url(publicRaw),
    auth: b64url(authSecret),
    privateKey: pair.privateKey,
    publicRaw,
    authSecret,
  };
}

async function _hkdf(salt: Uint8Array, ikm: Uint8Array, info: Uint8Array, bytes: number) {
  const key = await crypto.subtle.importKey("raw", ikm as BufferSource, "HKDF", false, [
    "deriveBits",
  ]);
  return new Uint8Array(
    await crypto.subtle.deriveBits(
      { name: "HKDF", hash: "SHA-256", salt: salt as BufferSource, info: info as BufferSource },
      key,
      bytes * 8,
    ),
  );
}

function _concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** RFC 8291 §3.4 / RFC 8188: the plaintext of one aes128gcm push message body. */
export async function decryptPush(sub: TestSubscriber, body: Uint8Array): Promise<string> {
  const salt = body.subarray(0, 16);
  const idLen = body[20];
  const asPublic = body.subarray(21, 21 + idLen);
  const ciphertext = body.subarray(21 + idLen);
  const asKey = await crypto.subtle.importKey(
    "raw",
    asPublic as BufferSource,
    { name: "ECDH", namedCurve: "P-256" },
    false,
    [],
  );
  const ecdh = new Uint8Array(
    await crypto.subtle.deriveBits({ name: "ECDH", public: asKey }, sub.privateKey, 256),
  );
  const keyInfo = _concat(enc.encode("WebPush: info\0"), sub.publicRaw, asPublic);
  const ikm = await _hkdf(sub.authSecret, ecdh, keyInfo, 32);
  const cek = await _hkdf(salt, ikm, enc.encode("Content-Encoding: aes128gcm\0"), 16);
  const nonce = await _hkdf(salt, ikm, enc.encode("Content-Encoding: nonce\0"), 12);
  const key = await crypto.subtle.importKey("raw", cek as BufferSource, "AES-GCM", false, [
    "decrypt",
  ]);
  const padded = new Uint8Array(
    await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: nonce as BufferSource },
      key,
      ciphertext as BufferSource,
    ),
  );
  // The last record ends with the delimiter 0x02, then zero padding.
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 2) throw new Error("not the last record (delimiter missing)");
  return new TextDecoder().decode(padded.subarray(0, end));
}

/** The claims of a valid `Authorization: vapid t=<jwt>, k=<key>` header for `audience`. */
export async function verifyVapid(header: string | null, publicKey: string, audience: string) {
  const m = header?.match(/^vapid t=([^,]+),\s*k=(.+)$/);
  if (!m) throw new Error(`not a VAPID header: ${header}`);
  if (m[2] !== publicKey) throw new Error("the VAPID key is not the server's");
  const raw = fromB64url(publicKey);
  const jwk = {
    kty: "EC",
    crv: "P-256",
    x: b64url(raw.subarray(1, 33)),
    y: b64url(raw.subarray(33)),
  };
  const { payload } = await jwtVerify(m[1], await importJWK(jwk, "ES256"), { audience });
  return payload;
}

export interface PushReceived {
  path: string;
  headers: Headers;
  body: Uint8Array;
}

/** An HTTP push service on 127.0.0.1: `/gone/*` answers 410, everything else 201. */
export function startPushService() {
  const got: PushReceived[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const path = new URL(req.url).pathname;
    got.push({ path, headers: req.headers, body: new Uint8Array(await req.arrayBuffer()) });
    return new Response(null, { status: path.startsWith("/gone/") ? 410 : 201 });
  });
  return {
    origin: `http://127.0.0.1:${server.addr.port}`,
    got,
    close: () => server.shutdown(),
  };
}
