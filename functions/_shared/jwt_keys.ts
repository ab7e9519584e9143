/**
 * The token keys of a deployment, and their public half as a JWKS.
 * - STOPLINE_JWT_SECRET: the HS256 shared secret (at least 32 characters).
 * - STOPLINE_JWT_PRIVATE_KEY: an ES256 (P-256) or RS256 private key, PEM (PKCS#8) or JWK. With it
 *   the functions sign the tokens they issue (media tokens) asymmetrically, and publish the public
 *   key at `GET /.well-known/jwks.json` (MediaMTX's `authJWTJWKS` verifies with it).
 * - STOPLINE_JWT_PUBLIC_KEYS: more public keys accepted (PEM SPKI blocks, a JWK, or a JWKS): the
 *   previous key during a rotation, or an external issuer's keys.
 * - STOPLINE_JWT_AUDIENCE / STOPLINE_JWT_ISSUER: when set, every token must carry that `aud` /
 *   `iss`, and the tokens we sign carry them.
 * Key text is imported lazily (WebCrypto imports are async) and once per settings object.
 */
import {
  calculateJwkThumbprint,
  exportJWK,
  importJWK,
  importPKCS8,
  importSPKI,
  type JWK,
} from "jose";

export type AsymmetricAlg = "ES256" | "RS256";
export const ASYMMETRIC_ALGS: readonly AsymmetricAlg[] = ["ES256", "RS256"];

/** Key material as configured (text from the environment). */
export interface TokenKeys {
  /** HS256 shared secret; null = no HS256 tokens. */
  secret: string | null;
  /** PEM (PKCS#8) or JWK text of the signing key. */
  privateKey?: string | null;
  /** PEM SPKI block(s), a JWK or a JWKS of further accepted public keys. */
  publicKeys?: string | null;
  audience?: string | null;
  issuer?: string | null;
}

export interface VerifyingKey {
  kid: string;
  alg: AsymmetricAlg;
  key: CryptoKey;
  /** The public JWK as published (kid, alg, use included). */
  jwk: JWK;
}

/** The imported keys. */
export interface KeyRing {
  secret: Uint8Array | null;
  signing: { kid: string; alg: AsymmetricAlg; key: CryptoKey } | null;
  verifying: VerifyingKey[];
  /** What verification accepts, in no particular order. */
  algorithms: string[];
  audience: string | null;
  issuer: string | null;
}

export class KeyConfigError extends Error {}

/** Whether any key is configured (= auth is on). */
export function hasTokenKeys(keys: TokenKeys): boolean {
  return Boolean(keys.secret || keys.privateKey || keys.publicKeys);
}

const _rings = new WeakMap<object, Promise<KeyRing>>();
const _secretRings = new Map<string, Promise<KeyRing>>();

/** The imported key ring of `keys` (memoized per settings object, or per bare secret). */
export function keyRingOf(keys: TokenKeys): Promise<KeyRing> {
  const bare = !keys.privateKey && !keys.publicKeys && !keys.audience && !keys.issuer;
  if (bare && keys.secret) {
    let ring = _secretRings.get(keys.secret);
    if (!ring) {
      ring = importKeyRing(keys);
      if (_secretRings.size > 100) _secretRings.clear();
      _secretRings.set(keys.secret, ring);
    }
    return ring;
  }
  let ring = _rings.get(keys);
  if (!ring) {
    ring = importKeyRing(keys);
    _rings.set(keys, ring);
  }
  return ring;
}

export async function importKeyRing(keys: TokenKeys): Promise<KeyRing> {
  const verifying: VerifyingKey[] = [];
  let signing: KeyRing["signing"] = null;
  if (keys.privateKey) {
    const { alg, key, kid: given } = await _importPrivate(keys.privateKey.trim());
    // The public half, re-imported from its JWK: what the JWKS publishes is what we verify with.
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub } = await exportJWK(key);
    const kid = given ?? await calculateJwkThumbprint(pub);
    signing = { kid, alg, key };
    verifying.push(await _verifying({ ...pub, kid, alg }));
  }
  for (const jwk of await _publicJwks(keys.publicKeys ?? "")) {
    if (!verifying.some((v) => v.kid === jwk.kid)) verifying.push(await _verifying(jwk));
  }
  const algorithms = [
    ...(keys.secret ? ["HS256"] : []),
    ...new Set(verifying.map((v) => v.alg)),
  ];
  return {
    secret: keys.secret ? new TextEncoder().encode(keys.secret) : null,
    signing,
    verifying,
    algorithms,
    audience: keys.audience || null,
    issuer: keys.issuer || null,
  };
}

/** `{keys: [...]}` with every public key we accept: an empty set when only HS256 is configured. */
export async function jwksOf(keys: TokenKeys): Promise<{ keys: JWK[] }> {
  return { keys: (await keyRingOf(keys)).verifying.map((v) => v.jwk) };
}

async function _importPrivate(
  text: string,
): Promise<{ alg: AsymmetricAlg; key: CryptoKey; kid?: string }> {
  if (text.startsWith("{")) {
    const jwk = JSON.parse(text) as JWK;
    if (!jwk.d) throw new KeyConfigError("STOPLINE_JWT_PRIVATE_KEY: the JWK has no private part");
    const alg = _algOfJwk(jwk);
    const key = await importJWK({ ...jwk, alg }, alg, {
      extractable: true,
    }) as unknown as CryptoKey;
    return { alg, key, kid: jwk.kid };
  }
  for (const alg of ASYMMETRIC_ALGS) {
    try {
      return { alg, key: await importPKCS8(text, alg, { extractable: true }) as CryptoKey };
    } catch { /* try the next algorithm */ }
  }
  throw new KeyConfigError(
    "STOPLINE_JWT_PRIVATE_KEY must be a P-256 (ES256) or RSA (RS256) key, PKCS#8 PEM or JWK",
  );
}

/** Public JWKs from PEM SPKI blocks, a JWK or a JWKS; each gets a kid (its thumbprint if none). */
async function _publicJwks(text: string): Promise<(JWK & { kid: string; alg: AsymmetricAlg })[]> {
  const t = text.trim();
  if (!t) return [];
  let jwks: JWK[] = [];
  if (t.startsWith("{")) {
    const parsed = JSON.parse(t) as JWK | { keys: JWK[] };
    jwks = "keys" in parsed && Array.isArray(parsed.keys) ? parsed.keys : [parsed as JWK];
  } else {
    const pems = t.match(/-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----/g) ?? [];
    if (!pems.length) throw new KeyConfigError("STOPLINE_JWT_PUBLIC_KEYS: no PUBLIC KEY block");
    for (const pem of pems) jwks.push(await _spkiToJwk(pem));
  }
  const out = [];
  for (const jwk of jwks) {
    if (jwk.d) throw new KeyConfigError("STOPLINE_JWT_PUBLIC_KEYS must hold public keys only");
    const alg = _algOfJwk(jwk);
    out.push({ ...jwk, alg, kid: jwk.kid ?? await calculateJwkThumbprint(jwk) });
  }
  return out;
}

async function _spkiToJwk(pem: string): Promise<JWK> {
  for (const alg of ASYMMETRIC_ALGS) {
    try {
      return await exportJWK(await importSPKI(pem, alg, { extractable: true }));
    } catch { /* try the next algorithm */ }
  }
  throw new KeyConfigError("STOPLINE_JWT_PUBLIC_KEYS: a key is neither P-256 nor RSA");
}

function _algOfJwk(jwk: JWK): AsymmetricAlg {
  if (jwk.kty === "EC" && jwk.crv === "P-256") return "ES256";
  if (jwk.kty === "RSA") return "RS256";
  throw new KeyConfigError(`unsupported key type ${jwk.kty}${jwk.crv ? `/${jwk.crv}` : ""}`);
}

async function _verifying(jwk: JWK & { kid: string; alg: AsymmetricAlg }): Promise<VerifyingKey> {
  const { kty, crv, x, y, n, e, kid, alg } = jwk;
  const pub: JWK = kty === "EC" ? { kty, crv, x, y } : { kty, n, e };
  const key = await importJWK({ ...pub, alg }, alg) as unknown as CryptoKey;
  return { kid, alg, key, jwk: { ...pub, kid, alg, use: "sig" } };
}
