/**
 * Applies `supabase/migrations/*.sql` in file-name order, once each, to any Postgres.
 * An advisory lock makes concurrent starters (dev, analyzer, tests) safe.
 */
import pg from "./pg.ts";

const MIGRATIONS_DIR = new URL("../../supabase/migrations/", import.meta.url);
const LOCK_KEY = 7_312_025; // arbitrary, stable: serializes migrators across processes

export async function migrate(databaseUrl: string, dir: URL = MIGRATIONS_DIR): Promise<string[]> {
  const files: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (e.isFile && e.name.endsWith(".sql")) files.push(e.name);
  }
  files.sort();
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const applied: string[] = [];
  try {
    await client.query("select pg_advisory_lock($1)", [LOCK_KEY]);
    await client.query(
      "create table if not exists stopline_migrations (name text primary key, applied_at timestamptz not null default now())",
    );
    const done = new Set(
      (await client.query("select name from stopline_migrations")).rows.map((r) => r.name),
    );
    for (const name of files) {
      if (done.has(name)) continue;
      const sql = await Deno.readTextFile(new URL(name, dir));
      await client.query("begin");
      try {
        await client.query(sql);
        await client.query("insert into stopline_migrations(name) values ($1)", [name]);
        await client.query("commit");
      } catch (e) {
        await client.query("rollback");
        throw new Error(`migration ${name} failed: ${(e as Error).message}`);
      }
      applied.push(name);
    }
  } finally {
    await client.query("select pg_advisory_unlock($1)", [LOCK_KEY]).catch(() => {});
    await client.end();
  }
  return applied;
}
