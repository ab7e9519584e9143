/**
 * A real Postgres for tests: `TEST_DATABASE_URL` if set (e.g. the machine's PostgreSQL on
 * 127.0.0.1:5432), else an embedded server in a temporary directory. Migrations applied.
 */
import { migrate } from "../../shared/db/migrate.ts";
import pg, { type Client, type QueryResult } from "../../shared/db/pg.ts";
import { exists } from "../../shared/fs.ts";
import { startEmbeddedPostgres } from "../embedded_postgres.ts";

export interface TestDatabase {
  url: string;
  /** Stop (or disconnect from) the server and remove temporary files. */
  close(): Promise<void>;
  /** Stop the server (embedded only), to test a dead database; `restartServer` brings it back. */
  stopServer?(): Promise<void>;
  restartServer?(): Promise<void>;
  /**
   * Freeze the server (SIGSTOP its processes; embedded only): connections stay open and nothing
   * answers, as when the database host hangs or the network drops packets without a reset.
   * `thawServer` resumes it.
   */
  freezeServer?(): Promise<void>;
  thawServer?(): Promise<void>;
}

let _guarded = false;

/**
 * Twice in full suite runs (never alone, 10+ runs), a module using this database failed with an
 * unhandled rejection whose reason was `null`: no error, no stack. embedded-postgres rejects with
 * no reason when its server process closes; no code of ours rejects so. A reasonless rejection is
 * therefore logged, not allowed to fail whichever module happens to run; every rejection that
 * carries a reason still fails its test.
 */
function _guardReasonlessRejections(): void {
  if (_guarded) return;
  _guarded = true;
  globalThis.addEventListener("unhandledrejection", (e) => {
    if (e.reason !== null && e.reason !== undefined) return;
    e.preventDefault();
    console.warn("test database: a promise was rejected with no reason (ignored)");
  });
}

const TMP = Deno.env.get("TMPDIR") ?? "/tmp";
const TEMPLATE_PREFIX = "stopline-pg-template-";

/**
 * An initialised, stopped cluster (with the `stopline` database) that each test database copies
 * instead of running initdb: initdb took 2.4 s of a test database's 3.0 s start at load 5, a copy
 * of its 48 MB and a start 0.6 s (2026-11-30), and the suite starts about a hundred. One per
 * `deno test` process (its pid in the name; the test files of one process run one after another),
 * built once; the templates of processes no longer running are removed when a new one is built.
 */
async function _templateDataDir(): Promise<string> {
  const dir = `${TMP}/${TEMPLATE_PREFIX}${Deno.pid}`;
  if (await exists(`${dir}/ready`)) return `${dir}/data`;
  await _removeDeadTemplates();
  const build = await Deno.makeTempDir({ prefix: `${TEMPLATE_PREFIX}build-` });
  await Deno.chmod(build, 0o755);
  try {
    const server = await startEmbeddedPostgres({ dataDir: `${build}/data` });
    await server.stop();
    await Deno.writeTextFile(`${build}/ready`, "");
    await Deno.rename(build, dir);
  } catch (e) {
    await Deno.remove(build, { recursive: true }).catch(() => {});
    // Built by a parallel test file of this process meanwhile: use that one.
    if (!(await exists(`${dir}/ready`))) throw e;
  }
  return `${dir}/data`;
}

async function _removeDeadTemplates(): Promise<void> {
  if (!(await exists("/proc/self"))) return;
  for await (const e of Deno.readDir(TMP)) {
    const pid = e.name.startsWith(TEMPLATE_PREFIX) ? e.name.slice(TEMPLATE_PREFIX.length) : "";
    if (!/^\d+$/.test(pid) || Number(pid) === Deno.pid || await exists(`/proc/${pid}`)) continue;
    await Deno.remove(`${TMP}/${e.name}`, { recursive: true }).catch(() => {});
  }
}

export async function startTestDatabase(): Promise<TestDatabase> {
  _guardReasonlessRejections();
  const external = Deno.env.get("TEST_DATABASE_URL");
  if (external) {
    await migrate(external);
    return { url: external, close: () => Promise.resolve() };
  }
  const dir = await Deno.makeTempDir({ prefix: "stopline-pg-" });
  await Deno.chmod(dir, 0o755);
  const copy = await new Deno.Command("cp", {
    args: ["-a", await _templateDataDir(), `${dir}/data`],
    stderr: "piped",
  }).output();
  if (!copy.success) {
    throw new Error(
      `test database: copying the template failed: ${new TextDecoder().decode(copy.stderr)}`,
    );
  }
  const pgServer = await startEmbeddedPostgres({ dataDir: `${dir}/data` });
  await migrate(pgServer.url);
  return {
    url: pgServer.url,
    stopServer: () => pgServer.stop(),
    restartServer: () => pgServer.restart(),
    freezeServer: () => _signalServer(`${dir}/data`, "SIGSTOP"),
    thawServer: () => _signalServer(`${dir}/data`, "SIGCONT"),
    close: async () => {
      await _signalServer(`${dir}/data`, "SIGCONT").catch(() => {}); // a frozen server cannot stop
      await pgServer.stop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

/** Send `signal` to the postmaster of `dataDir` and to each of its child processes. */
async function _signalServer(dataDir: string, signal: "SIGSTOP" | "SIGCONT"): Promise<void> {
  const postmaster = Number((await Deno.readTextFile(`${dataDir}/postmaster.pid`)).split("\n")[0]);
  const children: number[] = [];
  for await (const e of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    const stat = await Deno.readTextFile(`/proc/${e.name}/stat`).catch(() => "");
    // Field 4 (after the command in parentheses, which may hold spaces) is the parent pid.
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (ppid === postmaster) children.push(Number(e.name));
  }
  // Children first when freezing (the postmaster cannot fork a replacement meanwhile), the
  // postmaster first when thawing.
  const order = signal === "SIGSTOP" ? [...children, postmaster] : [postmaster, ...children];
  for (const pid of order) {
    try {
      Deno.kill(pid, signal);
    } catch {
      // exited meanwhile
    }
  }
}

/** A parameterized query on the test client: `(sql, params) => client.query(sql, params)`. */
export type TestQuery = (sql: string, params?: unknown[]) => Promise<QueryResult>;

/**
 * Runs `fn` on a fresh test database with one connected client (`q` queries through it), then
 * ends the client and closes the database, also when `fn` throws: the set-up and teardown about
 * twenty test files wrote out by hand. A test needing more clients, or a pool, makes them from
 * `db.url` inside `fn` and closes them there (they close before this client and the database).
 */
export async function withTestClient<T>(
  fn: (q: TestQuery, client: Client, db: TestDatabase) => Promise<T>,
): Promise<T> {
  const db = await startTestDatabase();
  try {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      return await fn((sql, params) => client.query(sql, params), client, db);
    } finally {
      await client.end();
    }
  } finally {
    await db.close();
  }
}
