/**
 * Our JWKS and media tokens against MediaMTX's documented contract for `authMethod: jwt`
 * (mediamtx.org/docs/features/authentication, mediamtx.yml): MediaMTX pulls the JWKS from
 * `authJWTJWKS` once, picks the key by the token header's `kid`, verifies the signature with
 * that key's algorithm, and reads the claim named by `authJWTClaimKey` (default
 * `mediamtx_permissions`): a list of `{action, path}` in the format of user permissions, actions
 * publish|read|playback|api|metrics|pprof, an empty path meaning any path.
 */
import assert from "node:assert/strict";
import {
  createLocalJWKSet,
  decodeProtectedHeader,
  exportPKCS8,
  generateKeyPair,
  type JWK,
  jwtVerify,
} from "jose";
import { signJwt } from "../_shared/jwt.ts";
import type { AuthSettings } from "../_shared/auth.ts";
import { createMediaAuthApp } from "../media-auth/index.ts";
import { createTokensApp, JWKS_ROUTE, MEDIA_TOKEN_ROUTE, MEDIA_TOKEN_TTL_S } from "./index.ts";

const SECRET = "tokens-test-secret-0123456789abcdefghij";
const MEDIAMTX_ACTIONS = ["publish", "read", "playback", "api", "metrics", "pprof"];
/** Asymmetric algorithms MediaMTX's JWKS verification (keyfunc) accepts. */
const MEDIAMTX_ALGS = ["RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "EdDSA"];
const nowS = () => Math.floor(Date.now() / 1000);

function _served(auth: AuthSettings) {
  const app = createTokensApp({ auth });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
  return { app, base: `http://127.0.0.1:${server.addr.port}`, close: () => server.shutdown() };
}

for (const alg of ["ES256", "RS256"] as const) {
  Deno.test(`tokens (${alg}): the JWKS and a media token check out the way MediaMTX checks them`, async () => {
    const { privateKey } = await generateKeyPair(alg, { extractable: true });
    const auth: AuthSettings = { secret: SECRET, privateKey: await exportPKCS8(privateKey) };
    const s = _served(auth);
    try {
      // 1. The JWKS over HTTP, no token needed (MediaMTX fetches it anonymously).
      const res = await fetch(`${s.base}${JWKS_ROUTE}`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-type") ?? "", /json/);
      const jwks = await res.json() as { keys: JWK[] };
      assert.equal(jwks.keys.length, 1);
      const [key] = jwks.keys;
      assert.ok(key.kid && key.kty && key.alg === alg && key.use === "sig", JSON.stringify(key));
      for (const priv of ["d", "p", "q", "dp", "dq", "qi", "k"]) {
        assert.equal((key as Record<string, unknown>)[priv], undefined, `no ${priv} in the JWKS`);
      }

      // 2. A viewer scoped to two cameras asks for a media token for one of them.
      const viewer = await signJwt(
        { sub: "wall", role: "viewer", exp: nowS() + 3600, cameras: ["cam_01", "cam_02"] },
        SECRET,
      );
      const got = await fetch(`${s.base}${MEDIA_TOKEN_ROUTE}?camera=cam_01`, {
        headers: { authorization: `Bearer ${viewer}` },
      });
      assert.equal(got.status, 200);
      assert.equal(got.headers.get("cache-control"), "no-store");
      const { token } = await got.json() as { token: string };

      // 3. As MediaMTX: the header's kid selects a JWKS key, its alg is one MediaMTX accepts.
      const header = decodeProtectedHeader(token);
      assert.equal(header.kid, key.kid);
      assert.equal(header.alg, key.alg);
      assert.ok(MEDIAMTX_ALGS.includes(header.alg!), header.alg);
      const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), { algorithms: [alg] });
      assert.ok(typeof payload.exp === "number" && payload.exp <= nowS() + MEDIA_TOKEN_TTL_S);

      // 4. The permissions claim: exactly [{action, path}] with MediaMTX's actions.
      const perms = payload.mediamtx_permissions as { action: string; path: string }[];
      assert.deepEqual(perms, [{ action: "read", path: "cam_01" }]);
      for (const p of perms) {
        assert.deepEqual(Object.keys(p).sort(), ["action", "path"]);
        assert.ok(MEDIAMTX_ACTIONS.includes(p.action));
      }
      // It is also a stopline viewer token, so the http hook (media-auth) accepts it alike.
      const hook = createMediaAuthApp({ auth, publisher: null, log: () => {} });
      const ask = (path: string) =>
        hook.request("/media-auth", {
          method: "POST",
          body: JSON.stringify({ action: "read", path, token, protocol: "hls" }),
        });
      assert.equal((await ask("cam_01")).status, 200);
      assert.equal((await ask("cam_02")).status, 401, "narrowed to what was asked");

      // 5. Never wider than the caller: another camera is 403, no camera = the caller's own list.
      const wider = await fetch(`${s.base}${MEDIA_TOKEN_ROUTE}?camera=cam_09`, {
        headers: { authorization: `Bearer ${viewer}` },
      });
      assert.equal(wider.status, 403);
      await wider.body?.cancel();
      const all = await (await fetch(`${s.base}${MEDIA_TOKEN_ROUTE}`, {
        headers: { authorization: `Bearer ${viewer}` },
      })).json();
      assert.deepEqual(all.permissions, [
        { action: "read", path: "cam_01" },
        { action: "read", path: "cam_02" },
      ]);
      // An unscoped viewer gets MediaMTX's "any path" (empty path); anonymous gets nothing.
      const open = await signJwt({ sub: "v", role: "viewer", exp: nowS() + 60 }, SECRET);
      const any = await (await fetch(`${s.base}${MEDIA_TOKEN_ROUTE}`, {
        headers: { authorization: `Bearer ${open}` },
      })).json();
      assert.deepEqual(any.permissions, [{ action: "read", path: "" }]);
      assert.ok(any.exp <= nowS() + 60, "not longer than the caller's own token");
      const anon = await fetch(`${s.base}${MEDIA_TOKEN_ROUTE}`);
      assert.equal(anon.status, 401);
      await anon.body?.cancel();
    } finally {
      await s.close();
    }
  });
}

Deno.test("tokens: with only HS256 the JWKS is an empty key set (the secret is never published)", async () => {
  const s = _served({ secret: SECRET });
  try {
    const r = await fetch(`${s.base}${JWKS_ROUTE}`);
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), { keys: [] });
  } finally {
    await s.close();
  }
});
