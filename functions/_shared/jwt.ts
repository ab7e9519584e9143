/**
 * HS256 JSON Web Tokens with WebCrypto (works on every edge runtime). Roles: viewer < operator <
 * admin. `cameras` optionally limits which camera paths a viewer may read.
 */

export type Role = "viewer" | "operator" | "admin";
export const ROLES: readonly Role[] = ["viewer", "operator", "admin"];

export interface Claims {
  sub: string;
  role: Role;
  /** Unix seconds. */
  exp: number;
  iat?: number;
  /** Camera ids this token may read; absent = all. */
  cameras?: string[];
}

export class AuthError extends Error {}

const enc = new TextEncoder();

function _b64url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** base64url (padding optional) to bytes; AuthError on characters outside the alphabet. */
export function decodeBase64Url(s: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) throw new AuthError("malformed token");
  const b = atob(
    s.replaceAll("-", "+").replaceAll("_", "/") + "=".repeat((4 - (s.length % 4)) % 4),
  );
  return Uint8Array.from(b, (c) => c.charCodeAt(0));
}

const _keys = new Map<string, Promise<CryptoKey>>();
function _key(secret: string): Promise<CryptoKey> {
  let k = _keys.get(secret);
  if (!k) {
    k = crypto.subtle.importKey(
      "raw",
      enc.encode(secret),
      { name: "HMAC", hash: "SHA-256" },
      false,
      [
        "sign",
        "verify",
      ],
    );
    _keys.set(secret, k);
  }
  return k;
}

export async function signJwt(claims: Claims, secret: string): Promise<string> {
  const head = _b64url(enc.encode(JSON.stringify({ alg: "HS256", typ: "JWT" })));
  const body = _b64url(enc.encode(JSON.stringify(claims)));
  const sig = await crypto.subtle.sign("HMAC", await _key(secret), enc.encode(`${head}.${body}`));
  return `${head}.${body}.${_b64url(new Uint8Array(sig))}`;
}

/** The token's claims, or AuthError (bad format, bad signature, expired, unknown role). */
export async function verifyJwt(
  token: string,
  secret: string,
  nowS = Date.now() / 1000,
): Promise<Claims> {
  if (token.length > 4096) throw new AuthError("token too long");
  const parts = token.split(".");
  if (parts.length !== 3) throw new AuthError("malformed token");
  const [head, body, sig] = parts;
  let header: { alg?: string };
  try {
    header = JSON.parse(new TextDecoder().decode(decodeBase64Url(head)));
  } catch {
    throw new AuthError("malformed token");
  }
  // Only HS256: never let the token choose "none" or another algorithm.
  if (header.alg !== "HS256") throw new AuthError("unsupported token algorithm");
  const ok = await crypto.subtle.verify(
    "HMAC",
    await _key(secret),
    decodeBase64Url(sig) as BufferSource,
    enc.encode(`${head}.${body}`),
  );
  if (!ok) throw new AuthError("bad token signature");
  let c: Partial<Claims>;
  try {
    c = JSON.parse(new TextDecoder().decode(decodeBase64Url(body)));
  } catch {
    throw new AuthError("malformed token");
  }
  if (typeof c.exp !== "number" || c.exp <= nowS) throw new AuthError("token expired");
  if (!c.role || !ROLES.includes(c.role)) throw new AuthError("token has no valid role");
  if (typeof c.sub !== "string") throw new AuthError("token has no subject");
  if (
    c.cameras !== undefined &&
    (!Array.isArray(c.cameras) || c.cameras.some((x) => typeof x !== "string"))
  ) {
    throw new AuthError("bad cameras claim");
  }
  return c as Claims;
}

export function roleAtLeast(have: Role, need: Role): boolean {
  return ROLES.indexOf(have) >= ROLES.indexOf(need);
}
