import assert from "node:assert/strict";
import { signJwt } from "../_shared/jwt.ts";
import type { Claims } from "../_shared/jwt.ts";
import { createMediaAuthApp, type MediaAuthOptions, mediaAuthOptionsFromEnv } from "./index.ts";

const SECRET = "media-auth-test-secret-0123456789abcdef";
const PUB = { user: "publisher", password: "pub-pass-9f8e7d" };
const READER = { user: "analyzer", password: "read-pass-1a2b3c" };
const PROTOCOLS = ["rtsp", "rtmp", "hls", "webrtc", "srt"];

function _app(over: Partial<MediaAuthOptions> = {}) {
  const logs: string[] = [];
  const app = createMediaAuthApp({
    auth: { secret: SECRET },
    publisher: PUB,
    reader: READER,
    log: (m) => logs.push(m),
    // These tests try many wrong credentials on purpose; the limit has its own test.
    failureLimit: { perMinute: 60_000, burst: 100_000 },
    ...over,
  });
  const call = async (body: Record<string, unknown> | string, init: RequestInit = {}) => {
    const r = await app.request("/media-auth", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: typeof body === "string" ? body : JSON.stringify(body),
      ...init,
    });
    await r.body?.cancel();
    return r.status;
  };
  return { call, logs };
}

/** A MediaMTX callback body with every field, as MediaMTX sends it. */
function _body(over: Record<string, unknown>) {
  return {
    user: "",
    password: "",
    token: "",
    ip: "172.18.0.5",
    action: "read",
    path: "cam_01",
    protocol: "rtsp",
    id: crypto.randomUUID(),
    query: "",
    ...over,
  };
}

async function _token(over: Partial<Claims> = {}): Promise<string> {
  const exp = Math.floor(Date.now() / 1000) + 600;
  return await signJwt({ sub: "u", role: "viewer", exp, ...over }, SECRET);
}

Deno.test("media-auth: publish needs the publisher secret, on every protocol", async () => {
  const { call, logs } = _app();
  const admin = await _token({ role: "admin" });
  for (const protocol of PROTOCOLS) {
    const pub = (o: Record<string, unknown>) => call(_body({ action: "publish", protocol, ...o }));
    assert.equal(await pub(PUB), 200, protocol);
    assert.equal(await pub({ ...PUB, password: "wrong" }), 401, protocol);
    assert.equal(await pub({ ...PUB, user: "someone" }), 401, protocol);
    assert.equal(await pub({}), 401, `${protocol}: no credentials`);
    assert.equal(await pub({ token: admin }), 401, `${protocol}: a JWT cannot publish`);
    assert.equal(await pub(READER), 401, `${protocol}: the reader cannot publish`);
  }
  // Fails closed: with no publisher configured nobody publishes.
  const closed = _app({ publisher: null });
  assert.equal(await closed.call(_body({ action: "publish", ...PUB })), 401);
  // Never a password in the log.
  assert.ok(logs.length > 0);
  assert.ok(logs.every((l) => !l.includes("wrong") && !l.includes(PUB.password)), logs.join("\n"));
});

Deno.test("media-auth: read and playback need a viewer JWT covering the camera", async () => {
  const { call, logs } = _app();
  const viewer = await _token();
  const only01 = await _token({ cameras: ["cam_01"] });
  const expired = await _token({ exp: Math.floor(Date.now() / 1000) - 5 });
  const forged = await signJwt(
    { sub: "u", role: "admin", exp: Math.floor(Date.now() / 1000) + 60 },
    "another-secret-0123456789abcdefghijkl",
  );
  for (const action of ["read", "playback"]) {
    for (const protocol of PROTOCOLS) {
      const ask = (o: Record<string, unknown>) => call(_body({ action, protocol, ...o }));
      const what = `${action}/${protocol}`;
      // Three ways a client can carry the token.
      assert.equal(await ask({ token: viewer }), 200, `${what} bearer`);
      assert.equal(await ask({ user: "jwt", password: viewer }), 200, `${what} jwt:password`);
      assert.equal(await ask({ query: `a=1&token=${viewer}` }), 200, `${what} query`);
      // The cameras claim limits paths.
      assert.equal(await ask({ token: only01 }), 200, `${what} allowed camera`);
      assert.equal(await ask({ token: only01, path: "cam_02" }), 401, `${what} other camera`);
      // Bad, missing, expired, forged.
      assert.equal(await ask({}), 401, `${what} no token`);
      assert.equal(await ask({ token: "garbage" }), 401, `${what} garbage`);
      assert.equal(await ask({ token: expired }), 401, `${what} expired`);
      assert.equal(await ask({ token: forged }), 401, `${what} forged`);
      assert.equal(await ask({ user: "viewer", password: viewer }), 401, `${what} not user jwt`);
      // The internal reader (analyzer) reads everything; the publisher does not read.
      assert.equal(await ask({ ...READER, path: "cam_99" }), 200, `${what} reader`);
      assert.equal(await ask({ ...READER, password: "x" }), 401, `${what} bad reader`);
      assert.equal(await ask(PUB), 401, `${what} publisher`);
    }
  }
  assert.ok(logs.some((l) => /token expired/.test(l)));
  assert.ok(logs.some((l) => /does not cover camera "cam_02"/.test(l)));
  for (const t of [viewer, only01, expired, forged, READER.password]) {
    assert.ok(logs.every((l) => !l.includes(t)), "tokens and passwords are never logged");
  }
});

Deno.test("media-auth: api, metrics and pprof need an admin JWT", async () => {
  const { call } = _app();
  const admin = await _token({ role: "admin" });
  const operator = await _token({ role: "operator" });
  for (const action of ["api", "metrics", "pprof"]) {
    const ask = (o: Record<string, unknown>) =>
      call(_body({ action, path: "", protocol: "", ...o }));
    assert.equal(await ask({ token: admin }), 200, action);
    assert.equal(await ask({ user: "jwt", password: admin }), 200, action);
    assert.equal(await ask({ token: operator }), 401, `${action}: operator is not enough`);
    assert.equal(await ask({}), 401, action);
    assert.equal(await ask(PUB), 401, `${action}: publisher`);
    assert.equal(await ask(READER), 401, `${action}: reader`);
  }
});

Deno.test("media-auth: auth off opens reads only; malformed and huge bodies are 4xx", async () => {
  const off = _app({ auth: { secret: null }, reader: null });
  assert.equal(await off.call(_body({ action: "read" })), 200);
  assert.equal(await off.call(_body({ action: "playback", protocol: "hls" })), 200);
  assert.equal(await off.call(_body({ action: "api" })), 401, "never open the control API");
  assert.equal(await off.call(_body({ action: "publish" })), 401);

  const { call } = _app();
  assert.equal(await call("{not json"), 400);
  assert.equal(await call(""), 400);
  assert.equal(await call("[1,2]"), 400);
  assert.equal(await call("null"), 400);
  assert.equal(await call(_body({ action: "delete" })), 400);
  assert.equal(await call(_body({ action: undefined })), 400);
  assert.equal(await call(_body({ user: 42 })), 400);
  assert.equal(await call(_body({ token: { a: 1 } })), 400);
  // Fields MediaMTX leaves out (or null) count as empty.
  assert.equal(await call({ action: "read", path: "cam_01", token: await _token() }), 200);
  assert.equal(await call({ ...PUB, action: "publish", path: "cam_01", query: null }), 200);
  // Huge bodies: refused without being buffered, declared or streamed.
  assert.equal(await call(JSON.stringify(_body({ query: "x".repeat(1 << 20) }))), 413);
  const stream = new ReadableStream<Uint8Array>({
    pull(ctl) {
      ctl.enqueue(new Uint8Array(64 * 1024).fill(0x20));
    },
  });
  assert.equal(
    await call("", { body: stream, headers: {} } as RequestInit),
    413,
    "endless chunked body",
  );
  // Only POST.
  const app = createMediaAuthApp({ auth: { secret: SECRET }, publisher: PUB });
  assert.equal((await app.request("/media-auth")).status, 404);
});

Deno.test("media-auth: options from the environment", () => {
  const env: Record<string, string> = {
    STOPLINE_JWT_SECRET: SECRET,
    MEDIA_PUBLISH_USER: "p",
    MEDIA_PUBLISH_PASSWORD: "pp",
    MEDIA_READ_USER: "r",
  };
  const o = mediaAuthOptionsFromEnv((n) => env[n]);
  assert.equal(o.auth.secret, SECRET);
  assert.deepEqual(o.publisher, { user: "p", password: "pp" });
  assert.equal(o.reader, null, "a user without a password is no credential");
});

Deno.test("media-auth: failed attempts are rate limited per client, then even right ones are denied", async () => {
  let t = 0;
  const app = createMediaAuthApp({
    auth: { secret: SECRET },
    publisher: PUB,
    log: () => {},
    failureLimit: { perMinute: 1, burst: 3, now: () => t },
    trustedProxies: ["10.0.0.2"], // MediaMTX
  });
  const ask = async (over: Record<string, unknown>, peer: string) => {
    const r = await app.request("/media-auth", {
      method: "POST",
      body: JSON.stringify(_body({ action: "publish", ...over })),
    }, { remoteAddr: { hostname: peer } });
    await r.body?.cancel();
    return r.status;
  };
  // A guesser calling the hook directly: three wrong passwords, then nothing is checked.
  for (let i = 0; i < 3; i++) {
    assert.equal(await ask({ user: PUB.user, password: `g${i}` }, "6.6.6.6"), 401);
  }
  assert.equal(await ask(PUB, "6.6.6.6"), 429, "the right password is no longer an oracle");
  // Its forged `ip` field buys nothing: an untrusted caller is keyed by its own address.
  assert.equal(await ask({ ...PUB, ip: "1.2.3.4" }, "6.6.6.6"), 429);
  // Through MediaMTX (trusted), clients are told apart by the ip MediaMTX reports.
  for (let i = 0; i < 3; i++) {
    assert.equal(await ask({ user: PUB.user, password: `g${i}`, ip: "7.7.7.7" }, "10.0.0.2"), 401);
  }
  assert.equal(await ask({ ...PUB, ip: "7.7.7.7" }, "10.0.0.2"), 429);
  assert.equal(
    await ask({ ...PUB, ip: "8.8.8.8" }, "10.0.0.2"),
    200,
    "another client is unaffected",
  );
  // Asking without credentials first (what RTSP clients do) is not a failed guess.
  for (let i = 0; i < 5; i++) assert.equal(await ask({ ip: "9.9.9.9" }, "10.0.0.2"), 401);
  assert.equal(await ask({ ...PUB, ip: "9.9.9.9" }, "10.0.0.2"), 200);
  // The budget refills: one attempt a minute.
  t += 60_000;
  assert.equal(await ask(PUB, "6.6.6.6"), 200);
});
