import assert from "node:assert/strict";
import pg from "../../shared/db/pg.ts";
import { withTestClient } from "../../dev/testing/postgres.ts";
import { DbWriter } from "../persist/db_writer.ts";
import { testPassRecord } from "../persist/testing.ts";
import {
  claimLeases,
  fairShare,
  type FleetMember,
  fleetState,
  MEMBER_GONE_MS,
  nextForeignExpiryMs,
  registerMember,
  releaseLease,
  renewLeases,
} from "./leases.ts";

Deno.test({
  name: "leases: one holder per camera, epoch +1 per claim, expired leases not revived",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withTestClient(async (q) => {
      const cams = ["a", "b", "c"];
      for (const holder of ["h1", "h2"]) {
        await registerMember(q, { holder, maxCameras: 2, healthUrl: null, cameras: cams });
      }
      const h1 = await claimLeases(q, "h1", cams, 2);
      assert.deepEqual(h1, [{ camera: "a", epoch: 1 }, { camera: "b", epoch: 1 }]);
      // Held leases are not claimable: h2 gets only the free one.
      assert.deepEqual(await claimLeases(q, "h2", cams, 2), [{ camera: "c", epoch: 1 }]);
      assert.deepEqual(await renewLeases(q, "h1", cams), h1);
      assert.deepEqual(await renewLeases(q, "h2", ["a"]), [], "not renewed for a non-holder");

      // h1's lease on "a" expires: it cannot renew it, and h2 takes it with a new epoch.
      await q(`update camera_leases set expires_at = now() - interval '1 s' where camera = 'a'`);
      assert.deepEqual(await renewLeases(q, "h1", ["a", "b"]), [{ camera: "b", epoch: 1 }]);
      assert.deepEqual(await claimLeases(q, "h2", cams, 1), [{ camera: "a", epoch: 2 }]);

      // The next foreign expiry: h2's leases ("a", "c") seen from h1; none of h1's own.
      await q(`update camera_leases set expires_at = now() + interval '3 s' where camera = 'a'`);
      const ms = await nextForeignExpiryMs(q, "h1", cams);
      assert.ok(ms !== null && ms > 2500 && ms <= 3000, `next foreign expiry ${ms} ms`);
      assert.equal(await nextForeignExpiryMs(q, "h2", ["a", "c"]), null, "its own leases");
      assert.equal(await nextForeignExpiryMs(q, "h1", []), null);

      // A released lease is claimable at once (epoch +1); a stale release does nothing.
      assert.equal(await releaseLease(q, "h1", { camera: "a", epoch: 1 }), false);
      assert.equal(await releaseLease(q, "h1", { camera: "b", epoch: 1 }), true);
      assert.deepEqual(await claimLeases(q, "h2", cams, 5), [{ camera: "b", epoch: 2 }]);

      const state = await fleetState(q);
      assert.equal(state.cameras, 3);
      assert.deepEqual(state.members.map((m) => [m.holder, m.cameras.length]), [["h1", 0], [
        "h2",
        3,
      ]]);
    }),
});

Deno.test({
  name: "leases: a dead member's are claimable once its session ended and heartbeats stopped",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withTestClient(async (q, _client, db) => {
      const cams = ["a", "b", "c", "d"];
      const clients: InstanceType<typeof pg.Client>[] = [];
      // Each member heartbeats on its own connection, as analyzers do.
      const member = async (holder: string) => {
        const c = new pg.Client({ connectionString: db.url });
        c.on("error", () => {}); // the database may go first when an assertion fails
        clients.push(c);
        await c.connect();
        const mq = (sql: string, params?: unknown[]) => c.query(sql, params);
        await registerMember(mq, { holder, maxCameras: 2, healthUrl: null, cameras: cams });
        return { c, leases: await claimLeases(mq, holder, cams, 2) };
      };
      try {
        const [crashed, paused] = [await member("crashed"), await member("paused")];
        await registerMember(q, { holder: "taker", maxCameras: 4, healthUrl: null, cameras: cams });
        const missed = (holder: string) =>
          q(
            `update analyzer_fleet set seen_at = now() - make_interval(secs => $2::float8 / 1000)
             where holder = $1`,
            [holder, MEMBER_GONE_MS + 500],
          );

        // Heartbeating members' leases are not claimable, whatever their sessions.
        assert.deepEqual(await claimLeases(q, "taker", cams, 4), []);
        // "crashed" dies: its connection closes, but it heartbeated just now: not gone yet (a
        // member whose query timed out reconnects on a later heartbeat).
        await crashed.c.end();
        assert.deepEqual(await claimLeases(q, "taker", cams, 4), []);
        // Heartbeats missed with its session gone: its unexpired leases are claimable, with a
        // new epoch (its late writes are fenced), and it no longer counts in the fleet.
        await missed("crashed");
        const expiresIn = await q(
          `select min(extract(epoch from expires_at - now())) as s from camera_leases
           where holder = 'crashed'`,
        );
        assert.ok(Number(expiresIn.rows[0].s) > 5, "its leases had not expired");
        assert.deepEqual(
          await claimLeases(q, "taker", cams, 4),
          crashed.leases.map((l) => ({ camera: l.camera, epoch: l.epoch + 1 })),
        );
        assert.deepEqual((await fleetState(q)).members.map((m) => m.holder), ["paused", "taker"]);
        // "paused" missed its heartbeats too but its session lives (SIGSTOP, a long GC): only the
        // expiry frees its leases.
        await missed("paused");
        assert.deepEqual(await claimLeases(q, "taker", cams, 4), []);
        assert.deepEqual((await fleetState(q)).members.map((m) => m.holder), ["paused", "taker"]);
        await q(
          `update camera_leases set expires_at = now() - interval '1 s' where holder = 'paused'`,
        );
        assert.equal((await claimLeases(q, "taker", cams, 4)).length, paused.leases.length);
      } finally {
        await Promise.all(clients.map((c) => c.end().catch(() => {})));
      }
    }),
});

Deno.test({
  name: "fencing: writes with a stale or expired epoch are refused, counted and not retried",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withTestClient(async (q, _c, db) => {
      const spoolDir = await Deno.makeTempDir();
      let epoch = 0;
      const w = new DbWriter({
        databaseUrl: db.url,
        spoolDir,
        flushMs: 50,
        leaseEpoch: () => epoch,
      });
      const count = async (table: string) =>
        Number((await q(`select count(*)::int as n from ${table}`)).rows[0].n);
      try {
        await registerMember(q, { holder: "h1", maxCameras: 1, healthUrl: null, cameras: ["cam"] });
        epoch = (await claimLeases(q, "h1", ["cam"], 1))[0].epoch;
        await w.addPass(testPassRecord(1, { camera: "cam" }));
        w.addEvent({ camera: "cam", track_id: 1, event: "new", ts: 1, before: null, after: {} });
        assert.equal(await w.flush(), true);
        assert.equal(await count("vehicle_passes"), 1);
        assert.equal(w.rowsRefused, 0);

        // Taken over by h2 (epoch +1): h1's rows with its old epoch are refused and dropped.
        await q(`update camera_leases set expires_at = now() - interval '1 s'`);
        await claimLeases(q, "h2", ["cam"], 1);
        await w.addPass(testPassRecord(2, { camera: "cam" }));
        w.addSamples([{
          camera: "cam",
          track_id: 2,
          ts: 5,
          cx: 1,
          cy: 1,
          speed_px_s: 0,
          phase: null,
          bbox: [0, 0, 1, 1],
        }]);
        assert.equal(await w.flush(), true, "refused rows are not kept for retry");
        assert.equal(w.rowsRefused, 2);
        assert.equal(await count("vehicle_passes"), 1);
        assert.equal(await count("car_state_history"), 0);
        assert.equal((await Array.fromAsync(Deno.readDir(spoolDir))).length, 0, "spool emptied");

        // The database itself refuses a stale epoch, whoever writes; no epoch (no fleet) passes.
        await q(
          `insert into track_events (camera, track_id, event, ts, lease_epoch)
         values ('cam', 9, 'new', now(), 1), ('cam', 10, 'new', now(), null)`,
        );
        assert.deepEqual(
          (await q(`select track_id from track_events where track_id > 1 order by 1`)).rows,
          [{ track_id: 10 }],
        );
      } finally {
        await w.close();
        await Deno.remove(spoolDir, { recursive: true });
      }
    }),
});

const _member = (holder: string, n: number, max = 10): FleetMember => ({
  holder,
  max_cameras: max,
  health_url: null,
  cameras: Array.from({ length: n }, (_, i) => ({ camera: `${holder}${i}`, epoch: 1 })),
});

Deno.test("fair share: ceil(cameras / members) capped by capacity; the richest hands over", () => {
  const three = [_member("a", 2), _member("b", 2), _member("c", 2)];
  assert.deepEqual(fairShare("a", 10, { members: three, cameras: 6 }), { target: 2, handOver: 0 });
  assert.deepEqual(fairShare("a", 1, { members: three, cameras: 6 }), { target: 1, handOver: 1 });
  // A fourth member joins with none: one hand-over per round, by the first of the richest.
  const four = [...three, _member("d", 0)];
  assert.deepEqual(fairShare("a", 10, { members: four, cameras: 6 }), { target: 1, handOver: 1 });
  assert.deepEqual(fairShare("b", 10, { members: four, cameras: 6 }), { target: 2, handOver: 0 });
  assert.deepEqual(fairShare("d", 10, { members: four, cameras: 6 }), { target: 2, handOver: 0 });
  // Level (2,1,2,1): nobody below floor(6/4) = 1, nothing moves.
  const level = [_member("a", 1), _member("b", 2), _member("c", 2), _member("d", 1)];
  assert.deepEqual(fairShare("b", 10, { members: level, cameras: 6 }), { target: 2, handOver: 0 });
  // A survivor of a crash takes the dead member's cameras up to its capacity.
  const two = [_member("a", 2), _member("b", 2)];
  assert.deepEqual(fairShare("a", 4, { members: two, cameras: 6 }), { target: 3, handOver: 0 });
});
