/**
 * One attack per rule of issue #11 (items 4 and 6, the token and key rules), tried as an attacker
 * would against the real functions server with auth on and a real Postgres. Each of these
 * succeeded against the server before the fix.
 */
import assert from "node:assert/strict";
import process from "node:process";
import {
  CAM_A,
  CAM_B,
  CORS_ORIGIN,
  PUBLISHER,
  SECRET,
  startWorld,
  tryWebSocket,
  type World,
} from "./testing_world.ts";
import { signJwt } from "../_shared/jwt.ts";

const nowS = () => Math.floor(Date.now() / 1000);

function _bearer(token: string | null, extra: Record<string, string> = {}) {
  return { ...(token ? { authorization: `Bearer ${token}` } : {}), ...extra };
}

async function _status(r: Response): Promise<number> {
  await r.body?.cancel();
  return r.status;
}

Deno.test({
  name: "attacks on the functions server (auth on)",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const w: World = await startWorld();
    const { tokens, base } = w;
    const ws = base.replace(/^http/, "ws");
    try {
      await t.step(
        "a camera-scoped operator cannot create, change or delete another camera",
        async () => {
          const scoped = tokens.operator_A;
          const tries: [string, string, unknown][] = [
            ["POST", "/api/cameras", { id: CAM_B, name: "mine now", source: "rtsp://10.9.9.9/s" }],
            ["POST", "/api/cameras", { id: "cam_new", name: "N", source: "rtsp://10.9.9.9/s" }],
            ["PATCH", `/api/cameras/${CAM_B}`, { enabled: false }],
            ["DELETE", `/api/cameras/${CAM_B}`, undefined],
          ];
          for (const [method, path, body] of tries) {
            const r = await fetch(base + path, {
              method,
              headers: _bearer(scoped, { "content-type": "application/json" }),
              body: body === undefined ? undefined : JSON.stringify(body),
            });
            assert.equal(await _status(r), 403, `${method} ${path}`);
          }
          const rows = await w.pool.query("select id from cameras");
          assert.deepEqual(rows.rows, [], "nothing was written");
          // Nor replace the whole config, nor swap the model every camera runs.
          const put = await fetch(`${base}/api/config`, {
            method: "PUT",
            headers: _bearer(scoped, { "content-type": "application/yaml", "if-match": "*" }),
            body: "cameras: {}\n",
          });
          assert.equal(await _status(put), 403);
          const activate = await fetch(`${base}/api/models/any/activate`, {
            method: "POST",
            headers: _bearer(scoped),
          });
          assert.equal(await _status(activate), 403);
        },
      );

      await t.step(
        "tokens: not-yet-valid, expired, alg none, other alg, other key are refused",
        async () => {
          for (
            const who of ["nbf_future", "expired", "alg_none", "wrong_alg", "wrong_key"] as const
          ) {
            const r = await fetch(`${base}/api/passes`, { headers: _bearer(tokens[who]) });
            assert.equal(await _status(r), 401, who);
          }
          // A token issued in the future (a forger's clock) too.
          const future = await signJwt(
            { sub: "x", role: "viewer", exp: nowS() + 7200, iat: nowS() + 3600 },
            SECRET,
          );
          assert.equal(
            await _status(await fetch(`${base}/api/passes`, { headers: _bearer(future) })),
            401,
          );
          // The JWKS publishes no key when only the HS256 secret exists (never the secret).
          const jwks = await (await fetch(`${base}/.well-known/jwks.json`)).json();
          assert.deepEqual(jwks, { keys: [] });
        },
      );

      await t.step("JSON nested 100,000 deep is a 4xx on every JSON-accepting route", async () => {
        const deepArray = "[".repeat(100_000) + "]".repeat(100_000);
        const deepObject = '{"a":'.repeat(100_000) + "1" + "}".repeat(100_000);
        const op = tokens.operator;
        const sends: [string, string, string, Record<string, string>][] = [
          ["PUT", "/api/config", deepArray, {
            "content-type": "application/json",
            "if-match": "*",
          }],
          ["PUT", "/api/config", deepObject, {
            "content-type": "application/json",
            "if-match": "*",
          }],
          // The same as YAML flow collections.
          ["PUT", "/api/config", `cameras: ${deepArray}\n`, {
            "content-type": "application/yaml",
            "if-match": "*",
          }],
          ["POST", "/api/cameras", deepObject, { "content-type": "application/json" }],
          ["PATCH", `/api/cameras/${CAM_A}`, deepArray, { "content-type": "application/json" }],
          ["POST", "/media-auth", deepObject, { "content-type": "application/json" }],
        ];
        for (const [method, path, body, headers] of sends) {
          // A fresh ETag each time so the PUT gets as far as parsing.
          const etag = (await fetch(`${base}/api/config`, { headers: _bearer(op) })).headers
            .get("etag") ?? "*";
          const r = await fetch(base + path, {
            method,
            headers: _bearer(op, {
              ...headers,
              ...(headers["if-match"] ? { "if-match": etag } : {}),
            }),
            body,
          });
          const status = await _status(r);
          assert.ok(
            status >= 400 && status < 500,
            `${method} ${path} (${body.slice(0, 8)}…): ${status}`,
          );
        }
      });

      await t.step(
        "the web app cannot be framed and sends nosniff and a referrer policy",
        async () => {
          for (const path of ["/", "/index.html", "/app-config.json"]) {
            const r = await fetch(base + path);
            await r.body?.cancel();
            const csp = r.headers.get("content-security-policy") ?? "";
            assert.match(csp, /frame-ancestors 'none'/, path);
            assert.equal(r.headers.get("x-content-type-options"), "nosniff", path);
            assert.ok(r.headers.get("referrer-policy"), path);
          }
        },
      );

      await t.step("realtime: an invalid apikey never gets a socket", async () => {
        for (
          const apikey of ["not-a-token", tokens.expired!, tokens.wrong_key!, tokens.alg_none!]
        ) {
          assert.equal(
            await tryWebSocket(`${ws}/realtime/v1/websocket?vsn=2.0.0&apikey=${apikey}`),
            "refused",
            apikey.slice(0, 20),
          );
          const r = await fetch(`${base}/realtime/v1/websocket?vsn=2.0.0&apikey=${apikey}`, {
            headers: { upgrade: "websocket" },
          });
          assert.equal(await _status(r), 401);
        }
        assert.equal(
          await tryWebSocket(`${ws}/realtime/v1/websocket?vsn=2.0.0&apikey=${tokens.viewer}`),
          "open",
        );
      });

      await t.step("anonymous writes do not use up an operator's write budget", async () => {
        // Everyone behind the same address (a TLS proxy): 30 anonymous writes first.
        for (let i = 0; i < 30; i++) {
          const r = await fetch(`${base}/api/config`, {
            method: "PUT",
            headers: { "content-type": "application/yaml" },
            body: "x: 1\n",
          });
          assert.equal(await _status(r), 401);
        }
        // The operator's own write still reaches the handler (428: no If-Match), not 429.
        const r = await fetch(`${base}/api/config`, {
          method: "PUT",
          headers: _bearer(tokens.admin, { "content-type": "application/yaml" }),
          body: "x: 1\n",
        });
        assert.equal(await _status(r), 428);
        // A forged X-Forwarded-For buys a limited operator nothing (no trusted proxies set).
        let last = 0;
        for (let i = 0; i < 15; i++) {
          last = await _status(
            await fetch(`${base}/api/config`, {
              method: "PUT",
              headers: _bearer(tokens.operator, {
                "content-type": "application/yaml",
                "x-forwarded-for": `198.51.100.${i}`,
              }),
              body: "x: 1\n",
            }),
          );
        }
        assert.equal(last, 429, "keyed by the operator, whatever address it claims");
      });

      await t.step("media-auth is no password oracle", async () => {
        const ask = async (password: string) =>
          await _status(
            await fetch(`${base}/media-auth`, {
              method: "POST",
              body: JSON.stringify({
                action: "publish",
                path: CAM_A,
                protocol: "rtsp",
                ip: "203.0.113.50",
                user: PUBLISHER.user,
                password,
              }),
            }),
          );
        for (let i = 0; i < 10; i++) assert.equal(await ask(`guess-${i}`), 401);
        // The 11th try is refused without being checked: even the right password fails now.
        assert.equal(await ask(PUBLISHER.password), 429);
      });

      await t.step("subscribing to many camera ids leaves no relay state behind", async () => {
        const metric = async () => {
          const text = await (await fetch(`${base}/metrics`, { headers: _bearer(tokens.admin) }))
            .text();
          return Number(/^stopline_relay_cameras (\d+)/m.exec(text)?.[1]);
        };
        const before = await metric();
        assert.ok(Number.isFinite(before), "the relay reports its camera state");
        const sockets: WebSocket[] = [];
        for (let i = 0; i < 200; i++) {
          const s = new WebSocket(`${ws}/ws?camera=made_up_${i}&token=${tokens.viewer}`);
          sockets.push(s);
        }
        await Promise.all(sockets.map((s) =>
          new Promise((r) => {
            s.onopen = r;
            s.onerror = r;
          })
        ));
        assert.equal(await metric(), before);
        for (const s of sockets) s.close();
      });

      await t.step(
        "YAML parser warnings never print a config line (with its password)",
        async () => {
          const printed: string[] = [];
          const saved = { warn: console.warn, error: console.error, log: console.log };
          const savedEmit = process.emitWarning;
          const grab = (...a: unknown[]) => void printed.push(a.map(String).join(" "));
          console.warn = console.error = console.log = grab;
          process.emitWarning = ((x: unknown) => void printed.push(String(x))) as never;
          try {
            const etag = (await fetch(`${base}/api/config`, { headers: _bearer(tokens.admin) }))
              .headers.get("etag")!;
            const r = await fetch(`${base}/api/config`, {
              method: "PUT",
              headers: _bearer(tokens.admin, {
                "content-type": "application/yaml",
                "if-match": etag,
              }),
              body: "cameras:\n  cam_09:\n    source: !weird rtsp://admin:hunter2@10.0.0.9/s\n",
            });
            const body = await r.text();
            // Parsed for real (not stopped by a limit before the parser ran).
            assert.ok([200, 422].includes(r.status), `${r.status} ${body}`);
            assert.doesNotMatch(body, /hunter2/);
          } finally {
            Object.assign(console, saved);
            process.emitWarning = savedEmit;
          }
          assert.deepEqual(printed.filter((l) => l.includes("hunter2")), []);
          assert.ok(w.logs.every((l) => !l.includes("hunter2")), w.logs.join("\n"));
        },
      );

      await t.step("CORS on cameras and models: the allowed origin only", async () => {
        for (const path of ["/api/cameras", "/api/models"]) {
          const pre = await fetch(base + path, {
            method: "OPTIONS",
            headers: { origin: CORS_ORIGIN, "access-control-request-method": "POST" },
          });
          assert.equal(await _status(pre), 204, path);
          assert.equal(pre.headers.get("access-control-allow-origin"), CORS_ORIGIN, path);
          const evil = await fetch(base + path, {
            headers: _bearer(tokens.viewer, { origin: "https://evil.example" }),
          });
          await evil.body?.cancel();
          assert.equal(evil.headers.get("access-control-allow-origin"), null, path);
        }
      });

      await t.step("the server listens on 127.0.0.1 unless told otherwise", async () => {
        const other = Deno.networkInterfaces().find((i) =>
          i.family === "IPv4" && !i.address.startsWith("127.")
        );
        if (other) {
          await assert.rejects(Deno.connect({ hostname: other.address, port: w.functions.port }));
        }
        const conn = await Deno.connect({ hostname: "127.0.0.1", port: w.functions.port });
        conn.close();
      });
    } finally {
      await w.close();
    }
  },
});
