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
  });
  const ordered = appConfigFromEnv(envOf({
    PLAYER_ORDER: "hls, bogus ,mse,hls",
    MEDIAMTX_HLS_URL: "http://h",
  }));
  assert.deepEqual(ordered.player_order, ["hls", "mse"]);
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
  });
});
