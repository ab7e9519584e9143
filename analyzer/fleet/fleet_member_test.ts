import assert from "node:assert/strict";
import pg from "../../shared/db/pg.ts";
import { startTestDatabase, withTestClient } from "../../dev/testing/postgres.ts";
import { waitFor } from "../../dev/testing/wait.ts";
import { FleetMemberLoop, NO_EPOCH } from "./fleet_member.ts";
import { LEASE_EXPIRY_MS, LEASE_STOP_JUDGING_MS } from "./leases.ts";

function _member(
  url: string,
  holder: string,
  held: Set<string>[],
  flushes: number[],
  heartbeatMs = 200,
) {
  return new FleetMemberLoop({
    databaseUrl: url,
    holder,
    maxCameras: 4,
    healthUrl: null,
    configured: () => ["a", "b", "c", "d"],
    setHeld: (cams) => {
      held.push(new Set(cams));
      return Promise.resolve();
    },
    flush: () => Promise.resolve(flushes.push(Date.now())),
    log: () => {},
    heartbeatMs,
  });
}

Deno.test({
  name: "fleet member: shares with a newcomer at a clean point; releases everything on stop",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const db = await startTestDatabase();
    const [h1, h2]: Set<string>[][] = [[], []];
    const [f1, f2]: number[][] = [[], []];
    const m1 = _member(db.url, "m1", h1, f1);
    const m2 = _member(db.url, "m2", h2, f2);
    try {
      m1.start();
      await waitFor("m1 holds all 4", () => Promise.resolve(m1.leases.length === 4), 10_000);
      assert.deepEqual([...h1.at(-1)!].sort(), ["a", "b", "c", "d"]);
      assert.equal(m1.epochOf("a"), 1);
      m2.start();
      await waitFor(
        "2 and 2",
        () => Promise.resolve(m1.leases.length === 2 && m2.leases.length === 2),
        15_000,
      );
      assert.ok(f1.length >= 1, "m1 flushed before handing over");
      for (const l of m2.leases) {
        assert.equal(l.epoch, 2, "a camera handed over gets a new epoch");
        assert.equal(m1.epochOf(l.camera), NO_EPOCH);
      }
      await m1.stop();
      assert.deepEqual(h1.at(-1), new Set(), "m1 stopped every camera");
      await waitFor("m2 takes m1's cameras", () => Promise.resolve(m2.leases.length === 4), 10_000);
    } finally {
      await m1.stop();
      await m2.stop();
      await db.close();
    }
  },
});

Deno.test({
  name: "fleet member: without the database it stops judging before its leases can expire",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const db = await startTestDatabase();
    if (!db.stopServer || !db.restartServer) return; // an external database cannot be stopped
    const held: Set<string>[] = [];
    const m = _member(db.url, "m1", held, []);
    try {
      m.start();
      await waitFor("claimed", () => Promise.resolve(m.leases.length === 4), 10_000);
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      const expires = Number(
        (await c.query(`select extract(epoch from max(expires_at)) * 1000 as t from camera_leases`))
          .rows[0].t,
      );
      await c.end();
      await db.stopServer();
      await waitFor("stopped judging", () => Promise.resolve(held.at(-1)!.size === 0), 12_000);
      const stoppedAt = Date.now();
      assert.equal(m.leases.length, 0);
      assert.ok(
        stoppedAt < expires,
        `stopped ${expires - stoppedAt} ms before the lease could expire`,
      );
      console.log(
        `stopped ${
          Math.round(expires - stoppedAt)
        } ms before expiry (guard ${LEASE_STOP_JUDGING_MS} of ${LEASE_EXPIRY_MS} ms)`,
      );
      // The database back: the member claims again, under new epochs.
      await db.restartServer();
      await waitFor("claimed again", () => Promise.resolve(m.leases.length === 4), 30_000);
      assert.ok(m.leases.every((l) => l.epoch === 2));
    } finally {
      await m.stop();
      await db.close();
    }
  },
});

Deno.test({
  name: "fleet member: claims a dead holder's camera when its lease expires, not a heartbeat later",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withTestClient(async (q, _c, db) => {
      // A long heartbeat, so a claim at the next heartbeat would be seconds late.
      const m = _member(db.url, "m1", [], [], 6_000);
      try {
        // "d" is held by a holder that will never renew; its lease runs out 4 s from now, after
        // the member's first heartbeat (which took over 1.5 s on a loaded 2-core box, 2026-12-02,
        // and then claimed "d" in that round, late) and 2 s before its second.
        await q(`insert into camera_leases (camera, holder, epoch, expires_at)
        values ('d', 'dead', 1, now() + interval '4 s')`);
        const expiresAt = Number(
          (await q(`select extract(epoch from expires_at) * 1000 as t from camera_leases`))
            .rows[0].t,
        );
        m.start();
        await waitFor("a, b, c claimed", () => Promise.resolve(m.leases.length === 3), 10_000);
        await waitFor("d claimed", () => Promise.resolve(m.epochOf("d") === 2), 10_000);
        const lateMs = Date.now() - expiresAt;
        console.log(`claimed ${lateMs} ms after the lease expired (heartbeat 6000 ms)`);
        assert.ok(lateMs < 1000, `claimed ${lateMs} ms after expiry`);
      } finally {
        await m.stop();
      }
    }),
});
