import assert from "node:assert/strict";
import { startTestDatabase } from "../../dev/testing/postgres.ts";
import { createPool } from "../_shared/db.ts";
import { bearer } from "../passes/testing.ts";
import { createEventsApp } from "./index.ts";

const SECRET = "events-test-secret-0123456789abcdef";

Deno.test("events API: filters, keyset pages over equal timestamps, cameras claim", async () => {
  const db = await startTestDatabase();
  const pool = createPool(db.url, 2);
  const app = createEventsApp({ pool, auth: { secret: SECRET } });
  const viewer = await bearer(SECRET, { sub: "v", role: "viewer" });
  const get = async (path: string, headers: HeadersInit = viewer) => {
    const r = await app.request(path, { headers });
    return { status: r.status, body: await r.json() };
  };
  try {
    // Lifecycles of 6 tracks on two cameras, several events per capture instant.
    const t0 = Date.UTC(2026, 10, 21, 8, 0, 0);
    for (let track = 1; track <= 6; track++) {
      const camera = track % 3 === 0 ? "cam_02" : "cam_01";
      const box = { id: track, label: "car", bbox: [0.1, 0.2, 0.05, 0.04], phase: "approach" };
      const rows = [
        ["new", t0 + 1000 * Math.floor(track / 2), null, box],
        ["update", t0 + 1000 * Math.floor(track / 2) + 500, box, { ...box, phase: "stopped" }],
        ["end", t0 + 5000, { ...box, phase: "leaving" }, null],
      ] as const;
      for (const [event, ts, before, after] of rows) {
        await pool.query(
          `insert into track_events (camera, track_id, event, ts, before, after)
           values ($1, $2, $3, to_timestamp($4 / 1000.0), $5, $6)`,
          [camera, track, event, ts, JSON.stringify(before), JSON.stringify(after)],
        );
      }
    }
    const all = (await pool.query("select id::int from track_events order by ts desc, id desc"))
      .rows.map((r) => r.id);
    assert.equal(all.length, 18);

    assert.equal((await app.request("/api/events")).status, 401);
    const page = await get("/api/events?limit=4");
    assert.equal(page.status, 200);
    assert.deepEqual(Object.keys(page.body).sort(), ["events", "next_cursor"]);
    const e0 = page.body.events[0];
    assert.deepEqual(Object.keys(e0).sort(), [
      "after",
      "before",
      "camera",
      "event",
      "id",
      "track_id",
      "ts",
    ]);
    assert.equal(e0.event, "end");
    assert.equal(e0.ts, "2026-11-21T08:00:05.000Z");
    assert.equal(e0.after, null);
    assert.equal(e0.before.phase, "leaving");

    const walk = async (q: string, limit: number) => {
      const seen: number[] = [];
      let cursor: string | null = null;
      for (let i = 0; i < 50; i++) {
        const c: string = cursor ? `&cursor=${cursor}` : "";
        const r = await get(`/api/events?limit=${limit}${q}${c}`);
        assert.equal(r.status, 200, JSON.stringify(r.body));
        seen.push(...r.body.events.map((e: { id: number }) => e.id));
        cursor = r.body.next_cursor;
        if (!cursor) break;
      }
      return seen;
    };
    // The six "end" events share one timestamp: limit 4 splits them across pages.
    for (const limit of [1, 4, 5, 18]) assert.deepEqual(await walk("", limit), all);
    assert.equal((await walk("&event=end", 4)).length, 6);
    assert.equal((await walk("&event=new,update", 4)).length, 12);
    assert.equal((await walk("&track_id=3", 2)).length, 3);
    assert.equal((await walk("&camera=cam_02&event=new", 1)).length, 2);
    assert.equal(
      (await walk(`&after=${t0 + 1000}&before=2026-11-21T08:00:05Z`, 3)).length,
      // new/update at 1.0, 1.5, 2.0, 2.5, 3.0, 3.5 s (two tracks each for 1 and 2 s, one for 3 s).
      10,
    );

    const only2 = await bearer(SECRET, { sub: "v2", role: "viewer", cameras: ["cam_02"] });
    const limited = await get("/api/events?limit=200", only2);
    assert.equal(limited.body.events.length, 6);
    assert.ok(limited.body.events.every((e: { camera: string }) => e.camera === "cam_02"));
    assert.equal((await get("/api/events?camera=cam_01", only2)).status, 404);

    // A passes cursor is not an events cursor.
    const passesCursor = btoa(JSON.stringify({ l: "passes", t: "1", i: "x" })).replace(/=+$/, "");
    assert.equal((await get(`/api/events?cursor=${passesCursor}`)).status, 400);
  } finally {
    await pool.end();
    await db.close();
  }
});
