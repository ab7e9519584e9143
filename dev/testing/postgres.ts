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

export async function startTestDatabase(): Promise<TestDatabase> {
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
