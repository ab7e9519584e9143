import assert from "node:assert/strict";
import pg from "./pg.ts";
import { startEmbeddedPostgres } from "../../dev/embedded_postgres.ts";
import { migrate } from "./migrate.ts";

const MIGRATIONS = new URL("../../supabase/migrations/", import.meta.url);
const SPEED_UNITS = "20261129000000_speed_units.sql";

Deno.test("speed-units migration renames the speed columns and the samples' speed key, keeping values", async () => {
  const dir = await Deno.makeTempDir({ prefix: "stopline-pg-" });
  await Deno.chmod(dir, 0o755);
  const before = await Deno.makeTempDir({ prefix: "stopline-mig-" });
  const server = await startEmbeddedPostgres({ dataDir: `${dir}/data` });
  try {
    // The schema as it was before the rename, with a row of each kind in the old shape.
    for await (const e of Deno.readDir(MIGRATIONS)) {
      if (e.isFile && e.name.endsWith(".sql") && e.name < SPEED_UNITS) {
        await Deno.copyFile(new URL(e.name, MIGRATIONS), `${before}/${e.name}`);
      }
    }
    await migrate(server.url, new URL(`file://${before}/`));
    const c = new pg.Client({ connectionString: server.url });
    await c.connect();
    try {
      await c.query(
        `insert into vehicle_passes (id, camera, track_id, label, verdict, entered_at, exited_at,
          time_in_zone_s, stop_duration_s, min_speed, entry_speed, samples)
         values ('cam:1:1', 'cam', 1, 'car', 'full_stop', now(), now(), 2, 1, 0.5, 80,
          '[{"ts":1,"cx":2,"cy":3,"speed":70.1,"phase":"in_zone"},{"ts":2,"cx":4,"cy":5,"speed":0}]')`,
      );
      await c.query(
        `insert into car_state_history (camera, track_id, ts, cx, cy, speed, phase, bbox)
         values ('cam', 1, now(), 1, 2, 12.5, 'approach', '{0.1,0.2,0.3,0.4}')`,
      );
      assert.ok((await migrate(server.url)).includes(SPEED_UNITS));
      const p = (await c.query(
        "select min_speed_px_s, entry_speed_px_s, samples from vehicle_passes",
      )).rows[0];
      assert.equal(p.min_speed_px_s, 0.5);
      assert.equal(p.entry_speed_px_s, 80);
      assert.deepEqual(p.samples, [
        { ts: 1, cx: 2, cy: 3, speed_px_s: 70.1, phase: "in_zone" },
        { ts: 2, cx: 4, cy: 5, speed_px_s: 0 },
      ]);
      const s = (await c.query("select speed_px_s from car_state_history")).rows[0];
      assert.equal(s.speed_px_s, 12.5);
    } finally {
      await c.end();
    }
  } finally {
    await server.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    await Deno.remove(before, { recursive: true }).catch(() => {});
  }
});
