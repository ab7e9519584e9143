/** A small connection pool for the stateless functions (one per process). */
import pg from "../../shared/db/pg.ts";

export type DbPool = InstanceType<typeof pg.Pool>;

export function createPool(databaseUrl: string, max = 4): DbPool {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max,
    connectionTimeoutMillis: 2000,
    idleTimeoutMillis: 10_000,
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on("error", () => {});
  return pool;
}
