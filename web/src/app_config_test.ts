import assert from "node:assert/strict";
import { DEFAULT_APP_CONFIG, effectiveOrder, parseAppConfig } from "./app_config.ts";

Deno.test("player order: URL override, unconfigured modes skipped, MSE floor", () => {
  const cfg = {
    ...DEFAULT_APP_CONFIG,
    player_order: ["whep" as const, "hls" as const, "mse" as const],
    whep_base: "http://w",
    hls_base: null,
  };
  assert.deepEqual(effectiveOrder(cfg, ""), ["whep", "mse"]);
  assert.deepEqual(effectiveOrder(cfg, "?player=mse,whep"), ["mse", "whep"]);
  assert.deepEqual(effectiveOrder(cfg, "?player=hls"), ["mse"]);
  assert.deepEqual(effectiveOrder(cfg, "?player=nonsense"), ["whep", "mse"]);
});

Deno.test("app config parsing is defensive", () => {
  assert.deepEqual(parseAppConfig(null), DEFAULT_APP_CONFIG);
  assert.deepEqual(
    parseAppConfig({ player_order: "whep", whep_base: 3, auth: "yes" }),
    DEFAULT_APP_CONFIG,
  );
  assert.equal(parseAppConfig({ hls_base: "http://h/" }).hls_base, "http://h");
});
