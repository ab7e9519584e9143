import assert from "node:assert/strict";
import { exportJWK, exportPKCS8, exportSPKI, generateKeyPair, SignJWT } from "jose";
import { AuthError, CLOCK_SKEW_S, signJwt, signToken, verifyJwt } from "./jwt.ts";
import { jwksOf, type TokenKeys } from "./jwt_keys.ts";

const SECRET = "a-test-secret-that-is-long-enough-123";
const nowS = () => Math.floor(Date.now() / 1000);

async function pemKeys(alg: "ES256" | "RS256") {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { privatePem: await exportPKCS8(privateKey), publicPem: await exportSPKI(publicKey) };
}

Deno.test("nbf in the future and iat in the future are refused; skew is tolerated", async () => {
  const base = { sub: "v", role: "viewer" as const, exp: nowS() + 600 };
  await assert.rejects(
    verifyJwt(await signJwt({ ...base, nbf: nowS() + 3600 }, SECRET), SECRET),
    /not valid yet/,
  );
  await assert.rejects(
    verifyJwt(await signJwt({ ...base, iat: nowS() + 3600 }, SECRET), SECRET),
    /future/,
  );
  const slightly = await signJwt({ ...base, nbf: nowS() + CLOCK_SKEW_S - 5 }, SECRET);
  assert.equal((await verifyJwt(slightly, SECRET)).sub, "v");
  await assert.rejects(
    verifyJwt(await signJwt({ ...base, exp: nowS() - CLOCK_SKEW_S - 5 }, SECRET), SECRET),
    /expired/,
  );
});

for (const alg of ["ES256", "RS256"] as const) {
  Deno.test(`${alg}: tokens signed with the private key verify; the JWKS publishes its public half`, async () => {
    const { privatePem } = await pemKeys(alg);
    const keys: TokenKeys = { secret: null, privateKey: privatePem };
    const token = await signToken({ sub: "m", role: "viewer", exp: nowS() + 60 }, keys);
    const [head] = token.split(".");
    const header = JSON.parse(atob(head.replaceAll("-", "+").replaceAll("_", "/")));
    assert.equal(header.alg, alg);
    const claims = await verifyJwt(token, keys);
    assert.equal(claims.sub, "m");
    assert.equal(typeof claims.iat, "number");

    const jwks = await jwksOf(keys);
    assert.equal(jwks.keys.length, 1);
    const [jwk] = jwks.keys;
    assert.equal(jwk.kid, header.kid);
    assert.equal(jwk.alg, alg);
    assert.equal(jwk.use, "sig");
    for (const secret of ["d", "p", "q", "dp", "dq", "qi"]) {
      assert.equal((jwk as Record<string, unknown>)[secret], undefined);
    }

    // Only the private key's holder signs: another key pair's token with the same kid fails.
    const other = await pemKeys(alg);
    const forged = await signToken({ sub: "m", role: "admin", exp: nowS() + 60 }, {
      secret: null,
      privateKey: other.privatePem,
    });
    const [, body, sig] = forged.split(".");
    await assert.rejects(verifyJwt(`${head}.${body}.${sig}`, keys), /signature/);
  });
}

Deno.test("algorithm confusion: HS256 signed with the public key, none, unknown kid", async () => {
  const { privatePem, publicPem } = await pemKeys("RS256");
  const keys: TokenKeys = { secret: null, privateKey: privatePem };
  const claims = { sub: "x", role: "admin" as const, exp: nowS() + 60 };
  // The classic attack: the public key (known to all) used as an HMAC secret.
  await assert.rejects(verifyJwt(await signJwt(claims, publicPem), keys), /algorithm/);
  const none = btoa(JSON.stringify({ alg: "none" })).replace(/=+$/, "");
  const body = btoa(JSON.stringify(claims)).replace(/=+$/, "");
  await assert.rejects(verifyJwt(`${none}.${body}.`, keys), /algorithm/);
  const { privateKey } = await generateKeyPair("RS256");
  const unknownKid = await new SignJWT({ role: "admin" }).setProtectedHeader({
    alg: "RS256",
    kid: "nope",
  }).setSubject("x").setExpirationTime(nowS() + 60).sign(privateKey);
  await assert.rejects(verifyJwt(unknownKid, keys), AuthError);
  // HS256 tokens are refused when no secret is configured at all.
  await assert.rejects(verifyJwt(await signJwt(claims, SECRET), keys), /algorithm/);
});

Deno.test("extra public keys (PEM, JWK, JWKS) verify tokens of a previous key", async () => {
  const old = await pemKeys("ES256");
  const oldToken = await signToken({ sub: "o", role: "viewer", exp: nowS() + 60 }, {
    secret: null,
    privateKey: old.privatePem,
  });
  const current = await pemKeys("ES256");
  for (
    const publicKeys of [
      old.publicPem,
      JSON.stringify(await exportJWK((await jwkPair(old.privatePem)).publicKey)),
      JSON.stringify({ keys: [await exportJWK((await jwkPair(old.privatePem)).publicKey)] }),
    ]
  ) {
    const keys: TokenKeys = { secret: null, privateKey: current.privatePem, publicKeys };
    // A token without kid verifies when one key of its algorithm matches by kid only; ours has a kid
    // (the thumbprint), so the extra key must carry the same thumbprint kid.
    assert.equal((await verifyJwt(oldToken, keys)).sub, "o");
    assert.equal((await jwksOf(keys)).keys.length, 2);
  }
});

async function jwkPair(privatePem: string) {
  const { importPKCS8 } = await import("jose");
  const priv = await importPKCS8(privatePem, "ES256", { extractable: true });
  const { d: _d, ...pub } = await exportJWK(priv);
  const { importJWK } = await import("jose");
  return { publicKey: await importJWK({ ...pub, alg: "ES256" }, "ES256", { extractable: true }) };
}

Deno.test("aud and iss are required when configured, and signed into our tokens", async () => {
  const keys: TokenKeys = { secret: SECRET, audience: "stopline", issuer: "https://id.example" };
  const ours = await signToken({ sub: "a", role: "viewer", exp: nowS() + 60 }, keys);
  const c = await verifyJwt(ours, keys);
  assert.equal(c.aud, "stopline");
  assert.equal(c.iss, "https://id.example");
  const bare = await signJwt({ sub: "a", role: "viewer", exp: nowS() + 60 }, SECRET);
  await assert.rejects(verifyJwt(bare, keys), AuthError);
  const wrongAud = await signJwt({
    sub: "a",
    role: "viewer",
    exp: nowS() + 60,
    aud: "other",
    iss: "https://id.example",
  }, SECRET);
  await assert.rejects(verifyJwt(wrongAud, keys), /audience/);
});

Deno.test("only HS256 configured: the JWKS is an empty key set", async () => {
  assert.deepEqual(await jwksOf({ secret: SECRET }), { keys: [] });
});
