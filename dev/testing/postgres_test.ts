import assert from "node:assert/strict";
import pg from "../../shared/db/pg.ts";
import { type TestDatabase, withTestClient } from "./postgres.ts";

Deno.test("withTestClient: runs fn on a migrated database, returns its value, closes both after", async () => {
  let client: pg.Client | undefined;
  let db: TestDatabase | undefined;
  const n = await withTestClient(async (q, c, d) => {
    [client, db] = [c, d];
    // Migrated: the tables are there, through `q` and through the client itself.
    assert.equal((await q("select to_regclass('camera_status') as t")).rows[0].t, "camera_status");
    return Number((await c.query("select count(*)::int as n from vehicle_passes")).rows[0].n);
  });
  assert.equal(n, 0);
  await assert.rejects(client!.query("select 1"), "the client is ended");
  await _assertClosed(db!);
});

Deno.test("withTestClient: when fn throws, the error comes through and client and database are closed", async () => {
  let client: pg.Client | undefined;
  let db: TestDatabase | undefined;
  await assert.rejects(
    withTestClient(async (_q, c, d) => {
      [client, db] = [c, d];
      await c.query("select 1");
      throw new Error("boom");
    }),
    /boom/,
  );
  await assert.rejects(client!.query("select 1"), "the client is ended");
  await _assertClosed(db!);
});

/** An embedded test database's server is stopped: a new connection is refused. */
async function _assertClosed(db: TestDatabase): Promise<void> {
  if (Deno.env.get("TEST_DATABASE_URL")) return; // an external database stays up by design
  const c = new pg.Client({ connectionString: db.url, connectionTimeoutMillis: 5_000 });
  await assert.rejects(c.connect(), "the database server is stopped");
  await c.end().catch(() => {});
}
