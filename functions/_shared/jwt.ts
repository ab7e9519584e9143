/**
 * JSON Web Tokens through `jose` (works on every edge runtime). Roles: viewer < operator < admin;
 * `cameras` optionally limits which camera paths a token may read.
 *
 * Verification is by allow-list: HS256 when a shared secret is configured, ES256/RS256 only for
 * the public keys configured (jwt_keys.ts). A token never chooses its own key or algorithm
 * ("none", HS256 signed with a public key, an unknown `kid` all fail). `exp` is required; `exp`,
 * `nbf` and `iat` are checked with CLOCK_SKEW_S of tolerance; `aud`/`iss` when configured.
 */
import { decodeProtectedHeader, errors as joseErrors, jwtVerify, SignJWT } from "jose";
import { type KeyRing, keyRingOf, type TokenKeys } from "./jwt_keys.ts";

export type Role = "viewer" | "operator" | "admin";
export const ROLES: readonly Role[] = ["viewer", "operator", "admin"];

export interface Claims {
  sub: string;
  role: Role;
  /** Unix seconds. */
  exp: number;
  iat?: number;
  /** Not valid before (unix seconds). */
  nbf?: number;
  /** Camera ids this token may read; absent = all. */
  cameras?: string[];
  aud?: string | string[];
  iss?: string;
}

/** Claims plus anything else a token carries (e.g. `mediamtx_permissions`). */
export type TokenClaims = Claims & { [claim: string]: unknown };

export class AuthError extends Error {}

/** Tolerance for clocks of token issuers that run a little ahead or behind. */
export const CLOCK_SKEW_S = 5;

/** Longer tokens are refused before any parsing (a JWT of ours is a few hundred bytes). */
const MAX_TOKEN_CHARS = 4096;

const enc = new TextEncoder();

/** base64url (padding optional) to bytes; AuthError on characters outside the alphabet. */
export function decodeBase64Url(s: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) throw new AuthError("malformed token");
  const b = atob(
    s.replaceAll("-", "+").replaceAll("_", "/") + "=".repeat((4 - (s.length % 4)) % 4),
  );
  return Uint8Array.from(b, (c) => c.charCodeAt(0));
}

/** An HS256 token signed with the shared secret (what tests and operators' scripts mint). */
export async function signJwt(claims: TokenClaims, secret: string): Promise<string> {
  const { sub: _s, exp: _e, ...rest } = claims;
  return await new SignJWT(rest).setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(claims.sub).setExpirationTime(claims.exp).sign(enc.encode(secret));
}

/**
 * A token signed with the configured private key (ES256/RS256, with its `kid`), else with the
 * shared secret (HS256). Adds `iat`, and `aud`/`iss` when configured.
 */
export async function signToken(claims: TokenClaims, keys: TokenKeys): Promise<string> {
  const ring = await keyRingOf(keys);
  const { sub: _s, exp: _e, ...rest } = claims;
  const jwt = new SignJWT({
    ...rest,
    ...(ring.audience && rest.aud === undefined ? { aud: ring.audience } : {}),
    ...(ring.issuer && rest.iss === undefined ? { iss: ring.issuer } : {}),
  }).setSubject(claims.sub).setExpirationTime(claims.exp).setIssuedAt();
  if (ring.signing) {
    return await jwt.setProtectedHeader({
      alg: ring.signing.alg,
      kid: ring.signing.kid,
      typ: "JWT",
    })
      .sign(ring.signing.key);
  }
  if (ring.secret) {
    return await jwt.setProtectedHeader({ alg: "HS256", typ: "JWT" }).sign(ring.secret);
  }
  throw new AuthError("no signing key is configured");
}

/**
 * The token's claims, or AuthError (bad format, algorithm not allowed, bad signature, expired,
 * not yet valid, wrong audience/issuer, unknown role). `keys` is the HS256 secret or the full
 * key settings.
 */
export async function verifyJwt(
  token: string,
  keys: string | TokenKeys,
  nowS = Date.now() / 1000,
): Promise<TokenClaims> {
  if (token.length > MAX_TOKEN_CHARS) throw new AuthError("token too long");
  const parts = token.split(".");
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p))) {
    throw new AuthError("malformed token");
  }
  const ring = await keyRingOf(typeof keys === "string" ? { secret: keys } : keys);
  let alg: string | undefined;
  try {
    alg = decodeProtectedHeader(token).alg;
  } catch {
    throw new AuthError("malformed token");
  }
  if (!alg || !ring.algorithms.includes(alg)) throw new AuthError("unsupported token algorithm");
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, (header) => _keyFor(ring, header), {
      algorithms: ring.algorithms,
      clockTolerance: CLOCK_SKEW_S,
      currentDate: new Date(nowS * 1000),
      requiredClaims: ["exp"],
      ...(ring.audience ? { audience: ring.audience } : {}),
      ...(ring.issuer ? { issuer: ring.issuer } : {}),
    }));
  } catch (e) {
    throw new AuthError(_reason(e));
  }
  return _checkClaims(payload, nowS);
}

function _keyFor(ring: KeyRing, header: { alg?: string; kid?: string }): CryptoKey | Uint8Array {
  if (header.alg === "HS256") {
    if (!ring.secret) throw new AuthError("unsupported token algorithm");
    return ring.secret;
  }
  const candidates = ring.verifying.filter((k) => k.alg === header.alg);
  const key = header.kid !== undefined
    ? candidates.find((k) => k.kid === header.kid)
    : candidates.length === 1
    ? candidates[0]
    : undefined;
  if (!key) throw new AuthError("unknown signing key");
  return key.key;
}

function _reason(e: unknown): string {
  if (e instanceof AuthError) return e.message;
  if (e instanceof joseErrors.JWTExpired) return "token expired";
  if (e instanceof joseErrors.JWSSignatureVerificationFailed) return "bad token signature";
  if (e instanceof joseErrors.JWTClaimValidationFailed) {
    if (e.claim === "nbf") return "token is not valid yet";
    if (e.claim === "aud") return "token is for another audience";
    if (e.claim === "iss") return "token is from another issuer";
    if (e.claim === "exp") return "token has no expiry";
    return `bad token claim ${e.claim}`;
  }
  if (e instanceof joseErrors.JOSEAlgNotAllowed) return "unsupported token algorithm";
  return "malformed token";
}

function _checkClaims(c: Record<string, unknown>, nowS: number): TokenClaims {
  // jose accepts a future `iat`; a token issued in the future comes from a wrong clock or a forger.
  if (c.iat !== undefined && (typeof c.iat !== "number" || c.iat > nowS + CLOCK_SKEW_S)) {
    throw new AuthError("token issued in the future");
  }
  if (typeof c.role !== "string" || !ROLES.includes(c.role as Role)) {
    throw new AuthError("token has no valid role");
  }
  if (typeof c.sub !== "string") throw new AuthError("token has no subject");
  if (
    c.cameras !== undefined &&
    (!Array.isArray(c.cameras) || c.cameras.some((x) => typeof x !== "string"))
  ) {
    throw new AuthError("bad cameras claim");
  }
  return c as TokenClaims;
}

export function roleAtLeast(have: Role, need: Role): boolean {
  return ROLES.indexOf(have) >= ROLES.indexOf(need);
}
