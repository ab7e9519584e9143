/**
 * The whole system on embedded defaults (ARCHITECTURE §3): Postgres (embedded unless
 * DATABASE_URL), migrations, a local object-store directory, all functions on one port with the
 * local media relay, and the supervised analyzer reading the relay's live stream.
 */
import { migrate } from "../shared/db/migrate.ts";
import { startFunctions } from "../functions/main.ts";
import { buildWebBundle } from "../functions/web/build.ts";
import { authFromEnv } from "../functions/_shared/auth.ts";
import { signJwt } from "../functions/_shared/jwt.ts";
import { AnalyzerProcess } from "./analyzer_process.ts";
import { startEmbeddedPostgres } from "./embedded_postgres.ts";
import { freePort } from "./free_port.ts";

const _ROOT = new URL("../", import.meta.url).pathname;

export interface DevStackOptions {
  dataDir: string;
  port: number;
  /** Interface the functions listen on (default 127.0.0.1: this machine only). */
  hostname?: string;
  configPath: string;
  /** Use this Postgres instead of the embedded one. */
  databaseUrl?: string;
  log: (line: string) => void;
  /** Extra environment for the analyzer (e.g. STALL_EXIT_S in tests). */
  analyzerEnv?: Record<string, string>;
}

export interface DevStack {
  url: string;
  databaseUrl: string;
  analyzerUrl: string;
  analyzer: AnalyzerProcess;
  close(): Promise<void>;
}

export async function startDevStack(opts: DevStackOptions): Promise<DevStack> {
  const { log } = opts;
  await Deno.mkdir(`${opts.dataDir}/objects`, { recursive: true });
  let stopPg: (() => Promise<void>) | null = null;
  let databaseUrl = opts.databaseUrl;
  if (!databaseUrl) {
    const t0 = performance.now();
    const pg = await startEmbeddedPostgres({ dataDir: `${opts.dataDir}/pg`, log });
    databaseUrl = pg.url;
    stopPg = pg.stop;
    log(
      `postgres: embedded server on 127.0.0.1:${pg.port} (${
        Math.round(performance.now() - t0)
      } ms)`,
    );
  }
  const applied = await migrate(databaseUrl);
  if (applied.length) log(`postgres: applied ${applied.join(", ")}`);

  const tb = performance.now();
  await buildWebBundle();
  log(`web: bundle built (${Math.round(performance.now() - tb)} ms)`);

  const analyzerPort = freePort();
  const analyzerUrl = `http://127.0.0.1:${analyzerPort}`;
  const functions = startFunctions({
    databaseUrl,
    port: opts.port,
    hostname: opts.hostname,
    configPath: opts.configPath,
    analyzerUrl,
    objectsDir: `${opts.dataDir}/objects`,
    // The local stand-in for MediaMTX: browser video and the analyzer's input.
    mediaRelay: true,
    log: (m) => log(`functions: ${m}`),
  });
  const analyzer = new AnalyzerProcess({
    supervise: true,
    log,
    env: {
      DATABASE_URL: databaseUrl,
      STOPLINE_CONFIG: opts.configPath,
      ANALYZER_PORT: String(analyzerPort),
      STOPLINE_MEDIA_URL: `http://127.0.0.1:${functions.port}/media`,
      ...await _mediaToken(),
      STOPLINE_DATA_DIR: opts.dataDir,
      STOPLINE_MODEL_DIR: `${_ROOT}.data/models`,
      ...opts.analyzerEnv,
    },
  });
  analyzer.start();
  return {
    url: functions.url,
    databaseUrl,
    analyzerUrl,
    analyzer,
    /**
     * Stop in dependency order: the analyzer first, so its last flush (passes, samples, events,
     * crops) still reaches Postgres and the functions; then the functions; then Postgres.
     */
    async close() {
      const steps: [string, () => Promise<void>][] = [
        ["analyzer", () => analyzer.stop()],
        ["functions", () => functions.close()],
      ];
      // An external DATABASE_URL is not ours to stop.
      if (stopPg) steps.push(["postgres", stopPg]);
      for (const [name, stop] of steps) {
        const t0 = performance.now();
        await stop();
        log(`stopped ${name} (${Math.round(performance.now() - t0)} ms)`);
      }
    },
  };
}

/**
 * With auth on (STOPLINE_JWT_SECRET), the media relay wants a token from the analyzer too: a
 * viewer token for every camera, valid as long as a dev stack may run (30 days).
 */
async function _mediaToken(): Promise<Record<string, string>> {
  const { secret } = authFromEnv();
  if (!secret) return {};
  const exp = Math.floor(Date.now() / 1000) + 30 * 86_400;
  return {
    STOPLINE_MEDIA_TOKEN: await signJwt({ sub: "dev analyzer", role: "viewer", exp }, secret),
  };
}
