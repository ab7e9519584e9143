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

Deno.test("realtime config: relay by default, supabase only with an http(s) url and a key", () => {
  assert.deepEqual(DEFAULT_APP_CONFIG.realtime, { kind: "relay" });
  assert.deepEqual(parseAppConfig({}).realtime, { kind: "relay" });
  assert.deepEqual(
    parseAppConfig({
      realtime: { kind: "supabase", url: "https://abc.supabase.co/", anon_key: "anon" },
    }).realtime,
    { kind: "supabase", url: "https://abc.supabase.co", anon_key: "anon" },
  );
  for (
    const bad of [
      { kind: "supabase", url: "https://abc.supabase.co" },
      { kind: "supabase", url: "https://abc.supabase.co", anon_key: "" },
      { kind: "supabase", url: "javascript:alert(1)", anon_key: "anon" },
      { kind: "supabase", url: "abc.supabase.co", anon_key: "anon" },
      { kind: "supabase", url: 3, anon_key: "anon" },
    ]
  ) {
    const r = parseAppConfig({ realtime: bad }).realtime;
    assert.equal(r.kind, "relay", JSON.stringify(bad));
    assert.match((r as { note?: string }).note ?? "", /supabase needs/);
  }
  for (const other of ["supabase", null, 3, { kind: "pusher" }, { kind: "relay", note: 7 }]) {
    assert.deepEqual(parseAppConfig({ realtime: other }).realtime, { kind: "relay" });
  }
  assert.deepEqual(parseAppConfig({ realtime: { kind: "relay", note: "why" } }).realtime, {
    kind: "relay",
    note: "why",
  });
});
