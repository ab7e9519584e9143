/**
 * A real Postgres for tests: `TEST_DATABASE_URL` if set (e.g. the machine's PostgreSQL on
 * 127.0.0.1:5432), else an embedded server in a temporary directory. Migrations applied.
 */
import { migrate } from "../../shared/db/migrate.ts";
import { startEmbeddedPostgres } from "../embedded_postgres.ts";

export interface TestDatabase {
  url: string;
  /** Stop (or disconnect from) the server and remove temporary files. */
  close(): Promise<void>;
  /** Stop the server (embedded only), to test a dead database; `restartServer` brings it back. */
  stopServer?(): Promise<void>;
  restartServer?(): Promise<void>;
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

export async function startTestDatabase(): Promise<TestDatabase> {
  _guardReasonlessRejections();
  const external = Deno.env.get("TEST_DATABASE_URL");
  if (external) {
    await migrate(external);
    return { url: external, close: () => Promise.resolve() };
  }
  const dir = await Deno.makeTempDir({ prefix: "stopline-pg-" });
  await Deno.chmod(dir, 0o755);
  const pgServer = await startEmbeddedPostgres({ dataDir: `${dir}/data` });
  await migrate(pgServer.url);
  return {
    url: pgServer.url,
    stopServer: () => pgServer.stop(),
    restartServer: () => pgServer.restart(),
    close: async () => {
      await pgServer.stop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}
