import assert from "node:assert/strict";
import { withTestClient } from "../../dev/testing/postgres.ts";
import { migrate } from "./migrate.ts";

Deno.test("migrate applies every migration once and is idempotent", () =>
  withTestClient(async (q, _c, db) => {
    // startTestDatabase already migrated: a second run applies nothing.
    assert.deepEqual(await migrate(db.url), []);
    const names = (await q("select name from stopline_migrations order by name")).rows;
    assert.ok(names.length >= 1);
    const t = await q("select to_regclass('camera_status') as t");
    assert.equal(t.rows[0].t, "camera_status");
  }));
