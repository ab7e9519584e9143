/**
 * Cross-checks of the deployment files against each other and against the code, since neither
 * Docker nor MediaMTX runs here: docker-compose.yml, deploy/mediamtx.yml, deploy/.env.example,
 * deploy/stopline.yaml, the Dockerfiles and what the code actually reads and serves.
 */
import { h264CopyPathConf } from "../functions/cameras/mediamtx_client.ts";
import assert from "node:assert/strict";
import { parse } from "yaml";
import { healthHandler } from "../analyzer/health/server.ts";
import { ANALYZER_V8_FLAGS } from "../analyzer/runtime_flags.ts";
import { parseConfigYaml } from "../shared/config.ts";
import { createHealthApp } from "../functions/health/index.ts";
import { createMediaAuthApp, MEDIA_AUTH_ROUTE } from "../functions/media-auth/index.ts";

const ROOT = new URL("../", import.meta.url);
const _read = (p: string) => Deno.readTextFileSync(new URL(p, ROOT));

type Service = {
  image?: string;
  build?: { dockerfile: string };
  environment?: Record<string, string>;
  ports?: string[];
  healthcheck?: { test: string[] | string };
  command?: string[] | string;
  entrypoint?: string[] | string;
  restart?: string;
  depends_on?: Record<string, { condition: string }>;
};

const composeText = _read("docker-compose.yml");
const compose = parse(composeText, { merge: true }) as { services: Record<string, Service> };
const services = compose.services;
const mtx = parse(_read("deploy/mediamtx.yml")) as Record<string, unknown>;
const siteConfigText = _read("deploy/stopline.yaml");
const envExample = new Map(
  _read("deploy/.env.example").split("\n")
    .filter((l) => /^[A-Z][A-Z0-9_]*=/.test(l))
    .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)] as [string, string]),
);

/** `${VAR}`, `${VAR:?msg}`, `${VAR:-default}` references (not `$$VAR`, which compose escapes). */
function _composeVars(text: string): Set<string> {
  return new Set([...text.matchAll(/(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]));
}

/** Every env name the code reads: Deno.env.get("X") and env("X") in non-test sources. */
function _codeEnvNames(): Set<string> {
  const names = new Set<string>();
  const walk = (dir: URL) => {
    for (const e of Deno.readDirSync(dir)) {
      const u = new URL(e.name + (e.isDirectory ? "/" : ""), dir);
      if (e.isDirectory && !["node_modules", "testing"].includes(e.name)) walk(u);
      else if (e.isFile && e.name.endsWith(".ts") && !e.name.endsWith("_test.ts")) {
        const src = Deno.readTextFileSync(u);
        for (const m of src.matchAll(/(?:Deno\.env\.get|\benv)\(\s*["'`]([A-Z][A-Z0-9_]*)["'`]/g)) {
          names.add(m[1]);
        }
      }
    }
  };
  for (const d of ["analyzer/", "functions/", "shared/", "deploy/"]) walk(new URL(d, ROOT));
  return names;
}

function _port(addr: unknown): number {
  const m = String(addr).match(/:(\d+)$/);
  assert.ok(m, `address ${addr}`);
  return Number(m[1]);
}

/** Container-side ports of a service (`"host:container[/proto]"`). */
function _containerPorts(s: Service): string[] {
  return (s.ports ?? []).map((p) => p.split(":").at(-1)!.replace(/\/tcp$/, ""));
}

function _healthUrl(s: Service): URL {
  const test = Array.isArray(s.healthcheck?.test)
    ? s.healthcheck!.test.join(" ")
    : String(s.healthcheck?.test);
  const m = test.match(/https?:\/\/[^'"\s)]+/);
  assert.ok(m, `no URL in healthcheck ${test}`);
  return new URL(m[0]);
}

Deno.test("compose: every image pinned (no latest), Dockerfile bases pinned, restarts set", () => {
  for (const [name, s] of Object.entries(services)) {
    if (s.image) {
      assert.match(s.image, /^[^:]+:[^:]+$/, `${name}: image needs a tag`);
      assert.ok(!/:latest\b|:main$|:stable$/.test(s.image), `${name}: ${s.image} is not pinned`);
    } else {
      assert.ok(s.build?.dockerfile, `${name}: image or build`);
      const from = _read(s.build!.dockerfile).match(/^FROM\s+(\S+)/m)?.[1] ?? "";
      assert.match(from, /^[^:]+:\d[^:]*$|^[^:]+:[a-z]+-\d/, `${name}: FROM ${from} not pinned`);
      assert.ok(!from.includes("latest"));
    }
    const oneShot = name === "minio_init";
    assert.equal(s.restart, oneShot ? "no" : "unless-stopped", `${name}: restart policy`);
    if (!oneShot) assert.ok(s.healthcheck || name === "video_publisher", `${name}: healthcheck`);
  }
});

Deno.test("compose: no secret in git; every ${VAR} is in deploy/.env.example", () => {
  const vars = _composeVars(composeText);
  for (const v of vars) assert.ok(envExample.has(v), `${v} missing from deploy/.env.example`);
  for (const [k, v] of envExample) {
    if (/PASSWORD|SECRET|_KEY$|TOKEN/.test(k)) assert.equal(v, "", `.env.example gives ${k}`);
  }
  for (const [name, s] of Object.entries(services)) {
    for (const [k, v] of Object.entries(s.environment ?? {})) {
      if (/PASSWORD|SECRET|_KEY$|TOKEN|ACCESS_KEY/.test(k)) {
        assert.match(String(v), /^\$\{[A-Z0-9_]+:\?[^}]*\}$/, `${name}.${k} must be \${VAR:?}`);
      }
      // Credentials inside URLs come from variables too.
      const cred = String(v).match(/:\/\/([^@/\s]+)@/);
      if (cred) assert.match(cred[1], /\$\{[A-Z0-9_]+:\?/, `${name}.${k}: literal credential`);
    }
  }
  assert.equal(mtx.authInternalUsers, undefined, "mediamtx.yml holds no users");
  assert.doesNotMatch(siteConfigText, /:\/\/[^$\s]+:[^$\s]+@/, "site config: literal credential");
});

Deno.test("compose: service env names are ones the code (or its config) reads", () => {
  const code = _codeEnvNames();
  const configVars = _composeVars(siteConfigText);
  const thirdParty: Record<string, RegExp> = {
    mediamtx: /^MTX_[A-Z0-9_]+$/,
    postgres: /^POSTGRES_(DB|USER|PASSWORD)$/,
    minio: /^MINIO_ROOT_(USER|PASSWORD)$/,
    grafana: /^GF_[A-Z0-9_]+$/,
  };
  for (const [name, s] of Object.entries(services)) {
    const shell = [s.command, s.entrypoint].flat().filter(Boolean).join(" ");
    for (const k of Object.keys(s.environment ?? {})) {
      const ok = thirdParty[name]?.test(k) ||
        (name === "proxy" && _read("deploy/Caddyfile").includes(`{$${k}}`)) ||
        // MediaMTX's hook commands stopline provisions (the H.265 camera's H.264 copy).
        (name === "mediamtx" && String(h264CopyPathConf("x").runOnDemand).includes(`$${k}`)) ||
        (s.build && (code.has(k) || configVars.has(k))) ||
        shell.includes(`$$${k}`);
      assert.ok(ok, `${name}: ${k} is read by nothing`);
    }
  }
  // And what the code needs is given.
  for (
    const k of ["DATABASE_URL", "STOPLINE_JWT_SECRET", "STOPLINE_SECRET_KEY", "MEDIAMTX_API_URL"]
  ) {
    assert.ok(services.functions.environment?.[k], `functions needs ${k}`);
  }
  for (const k of configVars) {
    for (const svc of ["functions", "analyzer"]) {
      assert.ok(services[svc].environment?.[k], `${svc} needs ${k} for deploy/stopline.yaml`);
    }
  }
});

Deno.test("ports agree: compose, mediamtx.yml, URLs and code defaults", () => {
  const rtsp = _port(mtx.rtspAddress);
  const api = _port(mtx.apiAddress);
  assert.equal(rtsp, 8554);
  const published = _containerPorts(services.mediamtx);
  assert.ok(published.includes(String(_port(mtx.rtspAddress))), "rtspAddress published");
  // LL-HLS and WHEP reach browsers through the one-origin proxy only (deploy/Caddyfile).
  for (const key of ["hlsAddress", "webrtcAddress"]) {
    assert.ok(!published.includes(String(_port(mtx[key]))), `${key} not published`);
  }
  const proxy = services.proxy.environment!;
  assert.equal(proxy.MEDIAMTX_HLS_UPSTREAM, `mediamtx:${_port(mtx.hlsAddress)}`);
  assert.equal(proxy.MEDIAMTX_WEBRTC_UPSTREAM, `mediamtx:${_port(mtx.webrtcAddress)}`);
  assert.equal(proxy.FUNCTIONS_UPSTREAM, `functions:${services.functions.environment!.PORT}`);
  assert.match(String(services.proxy.image), /^caddy:\d+\.\d+\.\d+/, "pinned proxy image");
  assert.ok(published.includes(`${_port(mtx.webrtcLocalUDPAddress)}/udp`), "WebRTC UDP");
  assert.ok(published.includes(String(_port(mtx.webrtcLocalTCPAddress))), "WebRTC TCP fallback");
  assert.ok(!published.includes(String(api)), "the control API stays off the host");
  assert.ok(!published.includes(String(_port(mtx.metricsAddress))), "metrics stay off the host");
  assert.equal(mtx.hlsVariant, "lowLatency");
  assert.equal(mtx.hlsPartDuration, "200ms");
  assert.equal(mtx.hlsSegmentDuration, "1s");
  assert.equal(mtx.metrics, true);

  const fn = services.functions.environment!;
  const api_ = new URL(fn.MEDIAMTX_API_URL);
  assert.equal(api_.hostname, "mediamtx");
  assert.equal(Number(api_.port), api);
  const pub = [services.video_publisher.command].flat().join(" ");
  assert.match(pub, new RegExp(`@mediamtx:${rtsp}/cam_01"?$`));
  assert.match(pub, /-rtsp_transport tcp/);
  assert.match(pub, /-g 10 .*-bf 0/);
  const site = parseConfigYaml(siteConfigText, (n) => `x${n.length}`);
  for (const [id, cam] of Object.entries(site.cameras)) {
    const u = new URL(cam.source);
    assert.deepEqual([u.hostname, Number(u.port), u.pathname], ["mediamtx", rtsp, `/${id}`]);
  }

  // Functions: PORT = published port = the code default; analyzer likewise.
  assert.equal(fn.PORT, "8000");
  assert.ok(_containerPorts(services.functions).includes(fn.PORT));
  assert.match(_read("deploy/functions_server.ts"), /env\("PORT"\) \?\? "8000"/);
  const an = services.analyzer.environment!;
  assert.match(
    _read("analyzer/main.ts"),
    new RegExp(`env\\("ANALYZER_PORT"\\) \\?\\? "${an.ANALYZER_PORT}"`),
  );
  assert.equal(_healthUrl(services.analyzer).port, an.ANALYZER_PORT);
  assert.equal(_healthUrl(services.functions).port, fn.PORT);
});

Deno.test("the MediaMTX auth hook resolves to media-auth on the functions port", async () => {
  assert.equal(mtx.authMethod, "http");
  const hook = new URL(String(mtx.authHTTPAddress));
  assert.ok(hook.hostname in services, `${hook.hostname} is a compose service`);
  assert.equal(hook.hostname, "functions");
  assert.equal(hook.port, services.functions.environment!.PORT);
  assert.equal(hook.pathname, MEDIA_AUTH_ROUTE);
  assert.deepEqual(mtx.authHTTPExclude, [], "api/metrics go through the hook too");
  // The route answers the MediaMTX body.
  const app = createMediaAuthApp({
    auth: { secret: null },
    publisher: { user: "u", password: "p" },
  });
  const r = await app.request(hook.pathname, {
    method: "POST",
    body: JSON.stringify({
      user: "u",
      password: "p",
      action: "publish",
      path: "cam_01",
      protocol: "rtsp",
    }),
  });
  assert.equal(r.status, 200);
  // And functions/main.ts mounts it (so it is on that port in the container).
  const main = _read("functions/main.ts");
  assert.match(main, /media-auth\/index\.ts/, "functions/main.ts must mount createMediaAuthApp");
});

Deno.test("healthcheck URLs hit real routes", async () => {
  const fnPath = _healthUrl(services.functions).pathname;
  const fnApp = createHealthApp({ pool: null });
  assert.equal((await fnApp.request(fnPath)).status, 200, `functions ${fnPath}`);
  const anPath = _healthUrl(services.analyzer).pathname;
  const an = healthHandler({
    readiness: () => ({ ready: false, reasons: ["x"] }),
    metrics: () => "",
  });
  assert.equal(an(new Request(`http://x${anPath}`)).status, 200, `analyzer ${anPath}`);
  assert.ok(["/healthz", "/readyz"].includes(fnPath) && ["/healthz", "/readyz"].includes(anPath));
  // Ordering: the analyzer waits for migrations (functions) and MediaMTX.
  assert.equal(services.analyzer.depends_on?.functions?.condition, "service_healthy");
  assert.equal(services.functions.depends_on?.postgres?.condition, "service_healthy");
  assert.equal(
    services.functions.depends_on?.minio_init?.condition,
    "service_completed_successfully",
  );
});

Deno.test("every analyzer launch uses the same V8 flags", () => {
  const flag = `--v8-flags=${ANALYZER_V8_FLAGS}`;
  const tasks = JSON.parse(_read("deno.json")).tasks as Record<string, string>;
  assert.ok(tasks.analyzer.split(" ").includes(flag), `deno task analyzer: ${tasks.analyzer}`);
  const cmd = /^CMD (\[.*\])$/m.exec(_read("deploy/Dockerfile.analyzer"))?.[1];
  assert.ok(cmd && (JSON.parse(cmd) as string[]).includes(flag), `Dockerfile CMD: ${cmd}`);
  assert.ok(_read("dev/analyzer_process.ts").includes("--v8-flags=${ANALYZER_V8_FLAGS}"));
});

Deno.test("pass clips on a site: MediaMTX records fMP4 and the analyzer cuts from its playback server", () => {
  const defaults = mtx.pathDefaults as Record<string, unknown>;
  assert.equal(defaults.record, true);
  assert.equal(defaults.recordFormat, "fmp4");
  // The playback server finds segments by path and time in their names.
  assert.match(String(defaults.recordPath), /%path/);
  for (const v of ["%Y", "%m", "%d", "%H", "%M", "%S"]) {
    assert.ok(String(defaults.recordPath).includes(v));
  }
  // Clips need at least the default 10 minutes of recording (config `record.retain_minutes`).
  const keep = /^(\d+)(m|h)$/.exec(String(defaults.recordDeleteAfter));
  assert.ok(keep, `recordDeleteAfter ${defaults.recordDeleteAfter}`);
  assert.ok(Number(keep[1]) * (keep[2] === "h" ? 60 : 1) >= 10);
  assert.equal(mtx.playback, true);
  const playback = _port(mtx.playbackAddress);
  assert.ok(
    !_containerPorts(services.mediamtx).includes(String(playback)),
    "playback stays off the host",
  );
  const analyzer = services.analyzer.environment!;
  const url = new URL(analyzer.MEDIA_PLAYBACK_URL);
  assert.equal(url.hostname, "mediamtx");
  assert.equal(Number(url.port), playback);
  assert.ok(
    analyzer.MEDIA_READ_USER && analyzer.MEDIA_READ_PASSWORD,
    "reader credentials for /get",
  );
  const volumes = (services.mediamtx as { volumes?: string[] }).volumes ?? [];
  const recordDir = String(defaults.recordPath).split("/%path")[0];
  assert.ok(volumes.some((v) => v.endsWith(`:${recordDir}`)), "recordings on a volume");
});
