import assert from "node:assert/strict";
import { appConfigFromEnv } from "./app_config.ts";
import { createWebApp } from "./index.ts";

const envOf = (vars: Record<string, string>) => (n: string) => vars[n];

Deno.test("app config: dev default is the MSE relay, auth off", () => {
  assert.deepEqual(appConfigFromEnv(envOf({})), {
    player_order: ["mse"],
    whep_base: null,
    hls_base: null,
    auth: false,
    realtime: { kind: "relay" },
    push: false,
  });
});

Deno.test("app config: MediaMTX configured -> whep,hls,mse; PLAYER_ORDER wins; auth flag", () => {
  const cfg = appConfigFromEnv(envOf({
    MEDIAMTX_WHEP_URL: "https://media.example:8889/",
    MEDIAMTX_HLS_URL: "https://media.example:8888",
    STOPLINE_JWT_SECRET: "x".repeat(32),
  }));
  assert.deepEqual(cfg, {
    player_order: ["whep", "hls", "mse"],
    whep_base: "https://media.example:8889",
    hls_base: "https://media.example:8888",
    auth: true,
    realtime: { kind: "relay" },
    push: false,
  });
  const ordered = appConfigFromEnv(envOf({
    PLAYER_ORDER: "hls, bogus ,mse,hls",
    MEDIAMTX_HLS_URL: "http://h",
  }));
  assert.deepEqual(ordered.player_order, ["hls", "mse"]);
});

Deno.test("app config: with the dev media relay, WHEP on the relay first, then MSE", () => {
  const dev = appConfigFromEnv(envOf({ STOPLINE_MEDIA_RELAY: "1" }));
  assert.deepEqual(dev.player_order, ["whep", "hls", "mse"]);
  assert.equal(dev.whep_base, "/media");
  assert.equal(dev.hls_base, null, "no playlist: the page skips LL-HLS");
  // The dev stack mounts the relay without the variable.
  assert.equal(appConfigFromEnv(envOf({}), () => {}, true).whep_base, "/media");
  // A configured MediaMTX wins over the relay.
  const mtx = appConfigFromEnv(envOf({ STOPLINE_MEDIA_RELAY: "1", MEDIAMTX_WHEP_URL: "http://m" }));
  assert.equal(mtx.whep_base, "http://m");
});

Deno.test("app config: served as JSON, never cached", async () => {
  const app = createWebApp({
    appConfig: () => appConfigFromEnv(envOf({ PLAYER_ORDER: "whep,mse" })),
  });
  const res = await app.request("/app-config.json");
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("cache-control"), "no-store");
  assert.deepEqual(await res.json(), {
    player_order: ["whep", "mse"],
    whep_base: null,
    hls_base: null,
    auth: false,
    realtime: { kind: "relay" },
    push: false,
  });
});

const SERVICE_ROLE = "service-role-secret-0123456789abcdef";
const SUPABASE = {
  REALTIME: "supabase",
  SUPABASE_URL: "https://abc.supabase.co/",
  SUPABASE_SERVICE_ROLE_KEY: SERVICE_ROLE,
};

Deno.test("app config: REALTIME=supabase hands out the URL and the anon key", () => {
  const warned: string[] = [];
  const cfg = appConfigFromEnv(
    envOf({ ...SUPABASE, SUPABASE_ANON_KEY: "anon-key" }),
    (m) => warned.push(m),
  );
  assert.deepEqual(cfg.realtime, {
    kind: "supabase",
    url: "https://abc.supabase.co",
    anon_key: "anon-key",
  });
  assert.deepEqual(warned, []);
  // The default (and REALTIME=postgres) is the relay, without a note.
  assert.deepEqual(appConfigFromEnv(envOf({ REALTIME: "Postgres" })).realtime, { kind: "relay" });
});

Deno.test("app config: REALTIME=supabase without a usable anon key falls back to the relay", () => {
  const jwtOf = (claims: object) =>
    ["e30", btoa(JSON.stringify(claims)).replace(/=+$/, ""), "sig"].join(".");
  const cases: [Record<string, string>, RegExp][] = [
    [SUPABASE, /SUPABASE_ANON_KEY is not set/],
    [{ ...SUPABASE, SUPABASE_URL: "", SUPABASE_ANON_KEY: "anon" }, /SUPABASE_URL/],
    [{ ...SUPABASE, SUPABASE_ANON_KEY: SERVICE_ROLE }, /service-role/],
    [{ ...SUPABASE, SUPABASE_ANON_KEY: "sb_secret_abc" }, /service-role/],
    [{ ...SUPABASE, SUPABASE_ANON_KEY: jwtOf({ role: "service_role" }) }, /service-role/],
    [{ ...SUPABASE, SUPABASE_URL: "ftp://abc", SUPABASE_ANON_KEY: "anon" }, /http\(s\) url/],
    [{ REALTIME: "kafka" }, /REALTIME must be postgres or supabase/],
  ];
  for (const [env, why] of cases) {
    const warned: string[] = [];
    const r = appConfigFromEnv(envOf(env), (m) => warned.push(m)).realtime;
    assert.equal(r.kind, "relay", JSON.stringify(env));
    assert.match((r as { note?: string }).note ?? "", why);
    assert.equal(warned.length, 1);
    assert.match(warned[0], why);
  }
  // A legacy anon JWT (role anon) is fine.
  const anon = jwtOf({ role: "anon" });
  const ok = appConfigFromEnv(envOf({ ...SUPABASE, SUPABASE_ANON_KEY: anon }), () => {});
  assert.deepEqual(ok.realtime, {
    kind: "supabase",
    url: "https://abc.supabase.co",
    anon_key: anon,
  });
});

Deno.test("app config: SUPABASE_SERVICE_ROLE_KEY never appears in /app-config.json", async () => {
  const envs: Record<string, string>[] = [
    SUPABASE,
    { ...SUPABASE, SUPABASE_ANON_KEY: "anon-key" },
    { ...SUPABASE, SUPABASE_ANON_KEY: SERVICE_ROLE },
    { ...SUPABASE, SUPABASE_ANON_KEY: `  ${SERVICE_ROLE} ` },
    { ...SUPABASE, REALTIME: "postgres", SUPABASE_ANON_KEY: "anon-key" },
    { ...SUPABASE, STOPLINE_JWT_SECRET: "x".repeat(32), SUPABASE_ANON_KEY: "anon-key" },
  ];
  for (const env of envs) {
    const app = createWebApp({ appConfig: () => appConfigFromEnv(envOf(env), () => {}) });
    const res = await app.request("/app-config.json");
    const text = await res.text();
    assert.equal(res.status, 200);
    assert.ok(!text.includes(SERVICE_ROLE), `service-role key leaked: ${text}`);
    assert.ok(!text.includes("x".repeat(32)), "the JWT secret leaked");
  }
});

Deno.test("app config: push is on only when the server has a VAPID public key", () => {
  assert.equal(appConfigFromEnv(envOf({})).push, false);
  assert.equal(appConfigFromEnv(envOf({ STOPLINE_VAPID_PUBLIC_KEY: "BOr0" })).push, true);
});
