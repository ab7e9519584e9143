import assert from "node:assert/strict";
import { DEFAULT_APP_CONFIG } from "../../shared/app_config.ts";
import { createWebApp } from "./index.ts";
import { contentSecurityPolicy } from "./security_headers.ts";

Deno.test("web: every app answer carries CSP (frame-ancestors 'none'), nosniff and Referrer-Policy", async () => {
  const app = createWebApp({ appConfig: () => DEFAULT_APP_CONFIG });
  for (const path of ["/", "/index.html", "/static/style.css", "/app-config.json"]) {
    const r = await app.request(`http://stop.example${path}`);
    await r.body?.cancel();
    assert.equal(r.status, 200, path);
    const csp = r.headers.get("content-security-policy") ?? "";
    assert.match(csp, /frame-ancestors 'none'/, path);
    assert.match(csp, /script-src 'self'(;|$)/, `${path}: no inline or eval'd script`);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, path);
    assert.equal(r.headers.get("x-content-type-options"), "nosniff", path);
    assert.equal(r.headers.get("x-frame-options"), "DENY", path);
    assert.equal(r.headers.get("referrer-policy"), "no-referrer", path);
  }
});

Deno.test("web: the CSP admits what the app is configured to load, and nothing else", () => {
  const csp = contentSecurityPolicy({
    ...DEFAULT_APP_CONFIG,
    player_order: ["whep", "hls", "mse"],
    whep_base: "https://media.example/",
    hls_base: "https://media.example:8888",
    realtime: { kind: "supabase", url: "https://proj.supabase.co", anon_key: "anon" },
  }, "https://stop.example/");
  const directive = (name: string) =>
    csp.split("; ").find((d) => d.startsWith(`${name} `))?.split(" ").slice(1) ?? [];
  assert.deepEqual(directive("media-src"), [
    "'self'",
    "blob:",
    "https://media.example",
    "https://media.example:8888",
  ]);
  assert.deepEqual(directive("connect-src"), [
    "'self'",
    "wss://stop.example",
    "https://media.example",
    "https://media.example:8888",
    "https://proj.supabase.co",
    "wss://proj.supabase.co",
  ]);
  assert.deepEqual(directive("worker-src"), ["'self'", "blob:"]);
  assert.deepEqual(directive("object-src"), ["'none'"]);
});
