/**
 * Every route the functions server mounts × every actor (docs/SECURITY.md, "Who may do what"),
 * against the real server with auth on. The route list comes from the mounted Hono app: a route
 * added without a row in PROBES fails here until someone decides who may call it.
 */
import assert from "node:assert/strict";
import {
  type Actor,
  ACTORS,
  BROKEN,
  CAM_A,
  CAM_B,
  startWorld,
  tryWebSocket,
  type World,
} from "./testing_world.ts";

/**
 * - public: anyone, whatever token it sends;
 * - read: viewer and up; camera-scoped tokens see only their cameras;
 * - read_B: a resource of cam_B: camera-scoped (cam_A) tokens are refused or shown nothing of it;
 * - operator_read: operator and up;
 * - write: operator and up;
 * - write_B: a change to cam_B: also refused to an operator scoped to cam_A;
 * - write_B_hidden: a change to a cam_B pass: an operator scoped to cam_A is told it does not
 *   exist (404, like a read of it) or refused (403), never served;
 * - write_all: a change to every camera (config file, models): refused to any scoped token.
 * - admin_B: a cam_B resource only admins may read (original, unblurred crops and clips): everyone else is
 *   refused (403) or, when scoped to cam_A, told it does not exist (404); never served.
 */
type Rule =
  | "public"
  | "read"
  | "read_B"
  | "operator_read"
  | "write"
  | "write_B"
  | "write_B_hidden"
  | "write_all"
  | "admin_B";

interface Probe {
  rule: Rule;
  method?: string;
  path: (w: World) => string;
  body?: string;
  headers?: Record<string, string>;
  /** How the token travels (default Authorization: Bearer). */
  via?: "bearer" | "media-auth" | "socket" | "apikey-socket";
  /** Answers 5xx by design when a dependency is missing (readiness). */
  mayBeUnavailable?: boolean;
}

/** A well-formed subscription's keys (a P-256 point's size and a 16-byte secret). */
const PUSH_KEYS = { p256dh: `B${"A".repeat(86)}`, auth: "A".repeat(22) };

/** Every `METHOD path` the server mounts. `middleware` rows hold no handler of their own. */
const PROBES: Record<string, Probe[] | "middleware"> = {
  "ALL /healthz": "middleware",
  "ALL /readyz": "middleware",
  "ALL /metrics": "middleware",
  "GET /healthz": [{ rule: "public", path: () => "/healthz" }],
  "GET /readyz": [{ rule: "public", path: () => "/readyz", mayBeUnavailable: true }],
  "GET /metrics": [{ rule: "operator_read", path: () => "/metrics" }],
  "ALL /media-auth": "middleware",
  "POST /media-auth": [{
    rule: "read_B",
    method: "POST",
    path: () => "/media-auth",
    via: "media-auth",
  }],
  "ALL /api/media-token": "middleware",
  "GET /api/media-token": [
    { rule: "read", path: () => "/api/media-token" },
    { rule: "read_B", path: () => `/api/media-token?camera=${CAM_B}` },
  ],
  "ALL /.well-known/jwks.json": "middleware",
  "GET /.well-known/jwks.json": [{ rule: "public", path: () => "/.well-known/jwks.json" }],
  // The cameras function is mounted as one forwarder; these are its routes.
  "ALL /api/cameras": [
    { rule: "read", path: () => "/api/cameras" },
    {
      rule: "write_B",
      method: "POST",
      path: () => "/api/cameras",
      body: JSON.stringify({ id: CAM_B, name: "B", source: "rtsp://10.0.0.9:554/s" }),
    },
  ],
  "ALL /api/cameras/*": [
    {
      rule: "write_B",
      method: "PATCH",
      path: () => `/api/cameras/${CAM_B}`,
      body: JSON.stringify({ name: "renamed" }),
    },
    { rule: "write_B", method: "DELETE", path: () => `/api/cameras/${CAM_B}` },
    {
      rule: "write_B",
      method: "POST",
      path: () => `/api/cameras/${CAM_B}/analysis`,
      body: JSON.stringify({ enabled: true }),
    },
    // A frame of cam_B: viewers and up, a cam_A token never (404 here: no frame source).
    { rule: "read_B", path: () => `/api/cameras/${CAM_B}/snapshot.jpg` },
  ],
  "ALL /api/models/*": "middleware",
  "GET /api/models": [{ rule: "read", path: () => "/api/models" }],
  "POST /api/models": [{ rule: "write_all", method: "POST", path: () => "/api/models?name=x" }],
  "POST /api/models/:id/activate": [
    { rule: "write_all", method: "POST", path: () => "/api/models/nope/activate" },
  ],
  "DELETE /api/models/:id": [
    { rule: "write_all", method: "DELETE", path: () => "/api/models/nope" },
  ],
  "ALL /api/passes/*": "middleware",
  "GET /api/passes": [
    { rule: "read", path: () => "/api/passes" },
    { rule: "read_B", path: () => `/api/passes?camera=${CAM_B}` },
  ],
  "GET /api/passes/:id": [
    { rule: "read", path: (w) => `/api/passes/${encodeURIComponent(w.passA)}` },
    { rule: "read_B", path: (w) => `/api/passes/${encodeURIComponent(w.passB)}` },
  ],
  "GET /api/passes/:id/image": [
    { rule: "read_B", path: (w) => `/api/passes/${encodeURIComponent(w.passB)}/image` },
    {
      rule: "admin_B",
      path: (w) => `/api/passes/${encodeURIComponent(w.passB)}/image?original=1`,
    },
  ],
  "GET /api/passes/:id/clip": [
    { rule: "read_B", path: (w) => `/api/passes/${encodeURIComponent(w.passB)}/clip` },
    {
      rule: "admin_B",
      path: (w) => `/api/passes/${encodeURIComponent(w.passB)}/clip?original=1`,
    },
  ],
  "ALL /api/passes.csv": "middleware",
  "GET /api/passes.csv": [
    { rule: "read", path: () => "/api/passes.csv" },
    { rule: "read_B", path: () => `/api/passes.csv?camera=${CAM_B}` },
  ],
  "GET /api/passes/:id/reviews": [
    { rule: "read", path: (w) => `/api/passes/${encodeURIComponent(w.passA)}/reviews` },
    { rule: "read_B", path: (w) => `/api/passes/${encodeURIComponent(w.passB)}/reviews` },
  ],
  "POST /api/passes/:id/reviews": [{
    rule: "write_B_hidden",
    method: "POST",
    path: (w) => `/api/passes/${encodeURIComponent(w.passB)}/reviews`,
    body: JSON.stringify({ correct: true }),
  }],
  "PUT /api/passes/:id/keep": [{
    rule: "write_B_hidden",
    method: "PUT",
    path: (w) => `/api/passes/${encodeURIComponent(w.passB)}/keep`,
    body: JSON.stringify({ keep: true }),
  }],
  "ALL /api/events/*": "middleware",
  "GET /api/events": [
    { rule: "read", path: () => "/api/events" },
    { rule: "read_B", path: () => `/api/events?camera=${CAM_B}` },
  ],
  "ALL /api/stats/*": "middleware",
  "GET /api/stats/reviews": [
    { rule: "read", path: () => "/api/stats/reviews" },
    { rule: "read_B", path: () => `/api/stats/reviews?camera=${CAM_B}` },
  ],
  "GET /api/stats/records": [
    { rule: "read", path: () => "/api/stats/records" },
    { rule: "read_B", path: () => `/api/stats/records?camera=${CAM_B}` },
  ],
  "ALL /api/study": "middleware",
  "GET /api/study": [
    { rule: "read", path: () => `/api/study?camera=${CAM_A}` },
    { rule: "read_B", path: () => `/api/study?camera=${CAM_B}` },
  ],
  "GET /api/stats": [
    { rule: "read", path: () => "/api/stats" },
    { rule: "read_B", path: () => `/api/stats?camera=${CAM_B}` },
  ],
  // Subscribing is a viewer's own business; a cam_A token cannot ask for cam_B's passes.
  "ALL /api/push/*": "middleware",
  "GET /api/push/key": [{ rule: "read", path: () => "/api/push/key" }],
  "POST /api/push/subscriptions": [
    {
      rule: "read",
      method: "POST",
      path: () => "/api/push/subscriptions",
      body: JSON.stringify({
        endpoint: "https://push.example.com/send/route-matrix",
        keys: PUSH_KEYS,
      }),
    },
    {
      rule: "read_B",
      method: "POST",
      path: () => "/api/push/subscriptions",
      body: JSON.stringify({
        endpoint: "https://push.example.com/send/route-matrix-b",
        keys: PUSH_KEYS,
        cameras: [CAM_B],
      }),
    },
  ],
  "DELETE /api/push/subscriptions": [{
    rule: "read",
    method: "DELETE",
    path: () => "/api/push/subscriptions",
    body: JSON.stringify({ endpoint: "https://push.example.com/send/route-matrix" }),
  }],
  "ALL /api/config/*": "middleware",
  "GET /api/config": [{ rule: "read_B", path: () => "/api/config" }],
  "PUT /api/config": [{
    rule: "write_all",
    method: "PUT",
    path: () => "/api/config",
    body: "cameras: {}\n",
    headers: { "content-type": "application/yaml" },
  }],
  "PATCH /api/config": [{
    rule: "write_B",
    method: "PATCH",
    path: () => "/api/config",
    body: JSON.stringify({ cameras: { [CAM_B]: { loop: true } } }),
    headers: { "content-type": "application/merge-patch+json" },
  }],
  "GET /api/config/revisions": [{ rule: "operator_read", path: () => "/api/config/revisions" }],
  "ALL /ws": "middleware",
  "ALL /realtime/*": "middleware",
  "GET /ws": [{ rule: "read_B", path: () => `/ws?camera=${CAM_B}`, via: "socket" }],
  "GET /realtime/v1/websocket": [
    { rule: "read", path: () => "/realtime/v1/websocket?vsn=2.0.0", via: "apikey-socket" },
  ],
  "ALL /": "middleware",
  "ALL /index.html": "middleware",
  "ALL /app-config.json": "middleware",
  "ALL /static/*": "middleware",
  "ALL /dist/*": "middleware",
  "ALL /favicon.ico": "middleware",
  "GET /favicon.ico": [{ rule: "public", path: () => "/favicon.ico" }],
  "GET /": [{ rule: "public", path: () => "/" }],
  "GET /index.html": [{ rule: "public", path: () => "/index.html" }],
  "GET /app-config.json": [{ rule: "public", path: () => "/app-config.json" }],
  "GET /static/:file": [{ rule: "public", path: () => "/static/style.css" }],
  "GET /dist/:file": [{ rule: "public", path: () => "/dist/app.js" }],
};

type Outcome = { status: number; text: string } | "open" | "refused";

async function _call(w: World, p: Probe, token: string | null): Promise<Outcome> {
  const path = p.path(w);
  if (p.via === "socket" || p.via === "apikey-socket") {
    const ws = w.base.replace(/^http/, "ws") + path;
    const param = p.via === "socket" ? "token" : "apikey";
    return await tryWebSocket(token ? `${ws}&${param}=${encodeURIComponent(token)}` : ws);
  }
  let body = p.body;
  const headers: Record<string, string> = { "content-type": "application/json", ...p.headers };
  if (p.via === "media-auth") {
    // MediaMTX forwards the viewer's token in the body, asking to read cam_B's video.
    body = JSON.stringify({
      action: "read",
      path: CAM_B,
      protocol: "hls",
      ip: "203.0.113.9",
      token: token ?? "",
    });
  } else if (token) headers.authorization = `Bearer ${token}`;
  const r = await fetch(w.base + path, { method: p.method ?? "GET", headers, body });
  return { status: r.status, text: await r.text() };
}

/** Whether the outcome shows nothing of cam_B (refused, missing, or filtered out). */
function _hidesB(o: Outcome): boolean {
  if (o === "open") return false;
  if (o === "refused") return true;
  if ([401, 403, 404].includes(o.status)) return true;
  return o.status < 300 && !o.text.includes(CAM_B);
}

/** Whether a write went through (2xx). */
function _allowed200(o: Outcome): boolean {
  return typeof o !== "string" && o.status >= 200 && o.status < 300;
}

function _allowed(o: Outcome): boolean {
  if (o === "open") return true;
  if (o === "refused") return false;
  return o.status !== 401 && o.status !== 403;
}

function _check(rule: Rule, actor: Actor, o: Outcome, what: string): void {
  const shown = typeof o === "string" ? o : `${o.status} ${o.text.slice(0, 200)}`;
  const msg = `${what} as ${actor}: ${shown}`;
  const denied = (code: number) =>
    assert.ok(o === "refused" || (typeof o !== "string" && o.status === code), msg);
  if (rule === "public") return assert.ok(_allowed(o), msg);
  if (actor === "anonymous" || BROKEN.includes(actor)) {
    if (o === "refused" || o === "open") return assert.equal(o, "refused", msg);
    // media-auth answers MediaMTX: any non-2xx denies.
    return what.startsWith("POST /media-auth") ? assert.ok(o.status >= 400, msg) : denied(401);
  }
  const scoped = actor === "viewer_A" || actor === "operator_A";
  const operator = actor === "operator" || actor === "admin" || actor === "operator_A";
  switch (rule) {
    case "read":
      return assert.ok(_allowed(o), msg);
    case "read_B":
      return scoped ? assert.ok(_hidesB(o), msg) : assert.ok(_allowed(o), msg);
    case "operator_read":
      return operator ? assert.ok(_allowed(o), msg) : denied(403);
    case "write":
      return operator ? assert.ok(_allowed(o), msg) : denied(403);
    case "write_B_hidden":
      if (scoped && operator) return assert.ok(_hidesB(o) && !_allowed200(o), msg);
      return operator ? assert.ok(_allowed(o), msg) : denied(403);
    case "write_B":
    case "write_all":
      return operator && !scoped ? assert.ok(_allowed(o), msg) : denied(403);
    case "admin_B":
      if (actor === "admin") return assert.ok(_allowed(o), msg);
      return scoped ? assert.ok(_hidesB(o) && !_allowed200(o), msg) : denied(403);
  }
}

Deno.test({
  name: "attacker: every mounted route x every actor (auth on, real Postgres)",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const w = await startWorld();
    try {
      const mounted = [...new Set(w.functions.app.routes.map((r) => `${r.method} ${r.path}`))];
      const unknown = mounted.filter((k) => !(k in PROBES));
      assert.deepEqual(unknown, [], "routes without a security rule: add them to PROBES");
      const gone = Object.keys(PROBES).filter((k) => !mounted.includes(k));
      assert.deepEqual(gone, [], "rules for routes that are not mounted");
      let checked = 0;
      for (const [route, probes] of Object.entries(PROBES)) {
        if (!Array.isArray(probes)) continue;
        for (const p of probes) {
          for (const actor of ACTORS) {
            const o = await _call(w, p, w.tokens[actor]);
            const what = `${route} (${p.method ?? "GET"} ${p.path(w)})`;
            if (typeof o !== "string" && !p.mayBeUnavailable) {
              assert.ok(o.status < 500, `${what} as ${actor}: ${o.status} ${o.text}`);
            }
            _check(p.rule, actor, o, what);
            checked++;
          }
        }
      }
      assert.ok(checked > 300, `${checked} checks`);
    } finally {
      await w.close();
    }
  },
});

Deno.test({
  name: "attacker: the dev media relay needs a viewer token for that camera (#11 item 1)",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    // Production (the matrix's world) does not mount it at all; here it is on, as in the dev stack.
    const w = await startWorld({ mediaRelay: true });
    try {
      for (const path of ["/media/status", `/media/${CAM_B}.mp4`]) {
        const r = await fetch(w.base + path);
        await r.body?.cancel();
        assert.equal(r.status, 401, path);
      }
      const ws = `${w.base.replace(/^http/, "ws")}/media/ws?camera=${CAM_B}`;
      assert.equal(await tryWebSocket(ws), "refused");
      const scoped = w.tokens.viewer_A!;
      const r = await fetch(`${w.base}/media/${CAM_B}.mp4?token=${scoped}`);
      await r.body?.cancel();
      assert.ok([401, 403, 404].includes(r.status), `scoped viewer: ${r.status}`);
      assert.equal(await tryWebSocket(`${ws}&token=${scoped}`), "refused");
      const status = await fetch(`${w.base}/media/status?token=${scoped}`);
      const text = await status.text();
      assert.equal(status.status, 200, text);
      assert.ok(!text.includes(CAM_B), `a cam_A token sees cam_B in /media/status: ${text}`);

      // WebRTC (#14 §1): the WHEP routes follow the same rule, on every method; a good token
      // from another site's page is refused too (a browser sends its Origin on these).
      const offer = "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n";
      const whep: [string, string, string][] = [
        ["POST", `/media/${CAM_B}/whep`, "application/sdp"],
        ["PATCH", `/media/${CAM_B}/whep/s0`, "application/trickle-ice-sdpfrag"],
        ["DELETE", `/media/${CAM_B}/whep/s0`, "application/sdp"],
      ];
      for (const [method, path, type] of whep) {
        for (const token of [null, "not.a.token", scoped]) {
          const res = await fetch(w.base + path, {
            method,
            headers: {
              "content-type": type,
              ...(token ? { authorization: `Bearer ${token}` } : {}),
            },
            body: method === "DELETE" ? undefined : offer,
          });
          await res.body?.cancel();
          assert.equal(res.status, 401, `${method} ${path} with ${token ?? "no token"}`);
        }
        const full = w.tokens.viewer!;
        const foreign = await fetch(w.base + path.replace(CAM_B, CAM_A), {
          method,
          headers: {
            "content-type": type,
            authorization: `Bearer ${full}`,
            origin: "https://evil.example",
          },
          body: method === "DELETE" ? undefined : offer,
        });
        await foreign.body?.cancel();
        assert.equal(foreign.status, 403, `${method} ${path} from another Origin`);
      }
    } finally {
      await w.close();
    }
  },
});
