import assert from "node:assert/strict";
import { LocalObjectStore } from "../../shared/object_store/mod.ts";
import { startTestDatabase } from "../../dev/testing/postgres.ts";
import { createPool, type DbPool } from "../_shared/db.ts";
import { parseCsv } from "../_shared/csv.ts";
import { createPassesApp } from "./index.ts";
import { PASS_CSV_COLUMNS } from "./csv_export.ts";
import { bearer, insertPasses } from "./testing.ts";

const SECRET = "passes-csv-test-secret-0123456789abcdef";

/** Counts the chunk queries of the export (the pool itself is untouched). */
function countingPool(pool: DbPool): { pool: DbPool; chunks: () => number } {
  let chunks = 0;
  const proxy = new Proxy(pool, {
    get(target, prop, receiver) {
      if (prop === "query") {
        return (text: string, params?: unknown[]) => {
          if (typeof text === "string" && text.includes("as has_clip")) chunks++;
          return target.query(text, params);
        };
      }
      const v = Reflect.get(target, prop, receiver);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
  return { pool: proxy, chunks: () => chunks };
}

Deno.test("passes.csv: fields, quoting, filters, camera claim", async () => {
  const db = await startTestDatabase();
  const pool = createPool(db.url, 2);
  const dir = await Deno.makeTempDir();
  const app = createPassesApp({ pool, store: new LocalObjectStore(dir), auth: { secret: SECRET } });
  const viewer = await bearer(SECRET, { sub: "v", role: "viewer" });
  try {
    const [a, b, c] = await insertPasses(pool, [
      {
        camera: "cam_01",
        track_id: 7,
        verdict: "full_stop",
        exited_at: "2026-11-21T08:00:05.250Z",
        stop_duration_s: 2.5,
        time_in_zone_s: 4,
        image: "minio://stopline/passes/a.jpg",
        quality: { direction: "pre_stop_line", note: 'a "quoted", odd\nvalue' },
      },
      {
        camera: "cam_01",
        track_id: 8,
        verdict: "no_stop",
        exited_at: "2026-11-21T08:01:00Z",
        stop_duration_s: 0,
        time_in_zone_s: 1.5,
      },
      {
        camera: "cam_02",
        track_id: 9,
        verdict: "rolling_stop",
        exited_at: "2026-11-21T08:02:00Z",
        stop_duration_s: 0.25,
      },
    ]);
    await pool.query(
      `update vehicle_passes set entry_speed_mps = 8.5, min_speed_mps = 0.125,
         max_speed_mps = 9.25, keep = true where id = $1`,
      [a],
    );
    await pool.query(
      `insert into pass_reviews (pass_id, camera, judged_verdict, correct, actual_verdict, reviewer)
       values ($1, 'cam_01', 'no_stop', false, 'rolling_stop', 'op')`,
      [b],
    );
    await pool.query(
      `update vehicle_passes set clip_uri = 'minio://stopline/clips/cam_01/b.mp4',
         clip_start = '2026-11-21T07:59:55.5Z', clip_duration_s = 8.25 where id = $1`,
      [b],
    );

    assert.equal((await app.request("/api/passes.csv")).status, 401);
    const r = await app.request("/api/passes.csv?camera=cam_01", { headers: viewer });
    assert.equal(r.status, 200);
    assert.match(r.headers.get("content-type")!, /^text\/csv; charset=utf-8; header=present$/);
    assert.match(r.headers.get("content-disposition")!, /^attachment; filename="passes-/);
    const text = await r.text();
    assert.ok(text.endsWith("\r\n"));
    const rows = parseCsv(text);
    assert.deepEqual(rows[0], [...PASS_CSV_COLUMNS]);
    assert.equal(rows.length, 3); // header + two cam_01 passes, newest first
    const rec = (row: string[]) => Object.fromEntries(rows[0].map((k, i) => [k, row[i]]));
    const nb = rec(rows[1]);
    const na = rec(rows[2]);
    assert.equal(nb.id, b);
    assert.equal(nb.verdict, "no_stop");
    assert.equal(nb.review_state, "corrected");
    assert.equal(nb.reviewed_verdict, "rolling_stop");
    assert.equal(nb.entry_speed_mps, ""); // uncalibrated: empty, not 0
    assert.equal(nb.image_url, "");
    assert.equal(nb.keep, "false");
    assert.equal(nb.clip_url, `/api/passes/${encodeURIComponent(b)}/clip`);
    assert.equal(nb.clip_start, "2026-11-21T07:59:55.500Z");
    assert.equal(nb.clip_duration_s, "8.25");
    assert.deepEqual(na, {
      id: a,
      camera: "cam_01",
      track_id: "7",
      label: "car",
      verdict: "full_stop",
      entered_at: "2026-11-21T08:00:01.250Z",
      exited_at: "2026-11-21T08:00:05.250Z",
      time_in_zone_s: "4",
      stop_duration_s: "2.5",
      min_speed_px_s: "0.4",
      entry_speed_px_s: "72.5",
      min_speed_mps: "0.125",
      entry_speed_mps: "8.5",
      max_speed_mps: "9.25",
      direction: "pre_stop_line",
      quality: JSON.stringify({ note: 'a "quoted", odd\nvalue', direction: "pre_stop_line" }),
      review_state: "unreviewed",
      reviewed_verdict: "",
      keep: "true",
      image_url: `/api/passes/${encodeURIComponent(a)}/image`,
      clip_url: "",
      clip_start: "",
      clip_duration_s: "",
    });
    // The raw text quotes the field with a comma, quotes and a newline (RFC 4180).
    assert.ok(text.includes('"{""note"":""a \\""quoted\\"", odd\\nvalue""'));

    // The list filters apply.
    const filtered = async (q: string) =>
      parseCsv(await (await app.request(`/api/passes.csv?${q}`, { headers: viewer })).text())
        .slice(1).map((row) => row[0]);
    assert.deepEqual(await filtered("verdict=rolling_stop,no_stop"), [c, b]);
    assert.deepEqual(await filtered("review=disputed"), [b]);
    assert.deepEqual(await filtered("review=unreviewed"), [c, a]);
    assert.deepEqual(await filtered("min_stop_s=0.2&max_stop_s=1"), [c]);
    assert.deepEqual(await filtered("after=2026-11-21T08:01:00Z&before=2026-11-21T08:02:00Z"), [b]);
    assert.equal(
      (await app.request("/api/passes.csv?review=maybe", { headers: viewer })).status,
      400,
    );

    // A token limited to cam_01 sees only its passes; asking for cam_02 is a 404.
    const only1 = await bearer(SECRET, { sub: "v1", role: "viewer", cameras: ["cam_01"] });
    const lim = parseCsv(await (await app.request("/api/passes.csv", { headers: only1 })).text());
    assert.deepEqual(lim.slice(1).map((row) => row[1]), ["cam_01", "cam_01"]);
    const hidden = await app.request("/api/passes.csv?camera=cam_02", { headers: only1 });
    assert.equal(hidden.status, 404);
    await hidden.body?.cancel();
  } finally {
    await pool.end();
    await db.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("passes.csv: 20k rows stream in keyset chunks, all once, in order", async () => {
  const db = await startTestDatabase();
  const base = createPool(db.url, 2);
  const { pool, chunks } = countingPool(base);
  const dir = await Deno.makeTempDir();
  const app = createPassesApp({
    pool,
    store: new LocalObjectStore(dir),
    auth: { secret: SECRET },
    csvChunkRows: 1000,
  });
  const viewer = await bearer(SECRET, { sub: "v", role: "viewer" });
  try {
    // 20,000 passes; every pair shares its exit time (ties cross chunk boundaries).
    await base.query(
      `insert into vehicle_passes (id, camera, track_id, label, verdict, entered_at, exited_at,
         time_in_zone_s, stop_duration_s, min_speed_px_s, entry_speed_px_s)
       select 'cam_01:' || i || ':' || i, 'cam_01', i, 'car', 'full_stop',
         timestamptz '2026-11-01' + (i / 2) * interval '1 second' - interval '3 second',
         timestamptz '2026-11-01' + (i / 2) * interval '1 second' + interval '7 microsecond',
         3, 1.5, 0.5, 60
       from generate_series(1, 20000) as i`,
    );
    const expected = (await base.query(
      "select id from vehicle_passes order by exited_at desc, id desc",
    )).rows.map((r) => r.id);

    const r = await app.request("/api/passes.csv", { headers: viewer });
    assert.equal(r.status, 200);
    const reader = r.body!.getReader();
    const dec = new TextDecoder();
    let text = "";
    // Header and the first chunk: at most two chunk queries so far, not the whole table.
    for (let i = 0; i < 2; i++) {
      const { value } = await reader.read();
      text += dec.decode(value, { stream: true });
    }
    assert.ok(chunks() <= 2, `queries before the client read on: ${chunks()}`);
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += dec.decode(value, { stream: true });
    }
    const rows = parseCsv(text);
    assert.equal(rows.length, 20_001);
    assert.deepEqual(rows.slice(1).map((row) => row[0]), expected);
    // 20 full chunks and one empty one that ends the stream.
    assert.equal(chunks(), 21);
  } finally {
    await base.end();
    await db.close();
    await Deno.remove(dir, { recursive: true });
  }
});
