import assert from "node:assert/strict";
import pg from "./pg.ts";
import { startTestDatabase } from "../../dev/testing/postgres.ts";
import { migrate } from "./migrate.ts";

Deno.test("migrate applies every migration once and is idempotent", async () => {
  const db = await startTestDatabase();
  try {
    // startTestDatabase already migrated: a second run applies nothing.
    assert.deepEqual(await migrate(db.url), []);
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      const names = (await c.query("select name from stopline_migrations order by name")).rows;
      assert.ok(names.length >= 1);
      const t = await c.query("select to_regclass('camera_status') as t");
      assert.equal(t.rows[0].t, "camera_status");
    } finally {
      await c.end();
    }
  } finally {
    await db.close();
  }
});
