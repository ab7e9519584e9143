import assert from "node:assert/strict";
import { StudySchema } from "../../shared/study.ts";
import { startTestDatabase } from "../../dev/testing/postgres.ts";
import { createPool } from "../_shared/db.ts";
import { parseCsv } from "../_shared/csv.ts";
import { bearer, insertPasses, type TestPass } from "../passes/testing.ts";
import { createStatsApp } from "./index.ts";
import { STUDY_CSV_COLUMNS } from "./study.ts";

const SECRET = "study-test-secret-0123456789abcdef0123";

function close(actual: number | null, expected: number, what: string) {
  assert.ok(actual !== null && Math.abs(actual - expected) < 1e-6, `${what}: ${actual}`);
}

Deno.test("study: counts, shares, median and 85th percentile per bin and class", async () => {
  const db = await startTestDatabase();
  const pool = createPool(db.url, 2);
  const app = createStatsApp({ pool, auth: { secret: SECRET } });
  const viewer = await bearer(SECRET, { sub: "v", role: "viewer" });
  try {
    // [camera, label, verdict, exit time, entry px/s, entry m/s]
    const spec: [string, string, TestPass["verdict"], string, number, number | null][] = [
      ["cam_01", "car", "full_stop", "08:01:00", 10, 1],
      ["cam_01", "car", "full_stop", "08:05:00", 20, 2],
      ["cam_01", "car", "rolling_stop", "08:10:00", 30, 3],
      ["cam_01", "car", "no_stop", "08:14:59", 40, 4],
      ["cam_01", "truck", "no_stop", "08:03:00", 50, null],
      ["cam_01", "car", "rolling_stop", "08:15:00", 100, null],
      ["cam_01", "car", "no_stop", "08:30:00", 999, null], // at `to`: excluded
      ["cam_01", "car", "no_stop", "07:59:59", 999, null], // before `from`: excluded
      ["cam_02", "car", "no_stop", "08:05:00", 999, null], // another camera
      ["cam_03", "bus", "full_stop", "08:05:00", 12, 1.5],
    ];
    const ids = await insertPasses(
      pool,
      spec.map(([camera, label, verdict, t], i) => ({
        camera,
        label,
        verdict,
        track_id: i + 1,
        exited_at: `2026-11-21T${t}Z`,
        stop_duration_s: 1,
      })),
    );
    for (const [i, s] of spec.entries()) {
      await pool.query(
        "update vehicle_passes set entry_speed_px_s = $2, entry_speed_mps = $3 where id = $1",
        [ids[i], s[4], s[5]],
      );
    }
    // Config revisions: before the window, inside it (in force at `to`), after it.
    const rev = async (at: string, pxPerM: number) =>
      (await pool.query(
        `insert into config_revisions (created_at, author, etag, yaml) values ($1, 'op', $2, $3)
         returning id::text`,
        [
          at,
          `"e${pxPerM}"`,
          `cameras:\n  cam_01:\n    source: x\n    calibration:\n      px_per_m: ${pxPerM}\n`,
        ],
      )).rows[0].id as string;
    await rev("2026-11-21T07:00:00Z", 20);
    const inForce = await rev("2026-11-21T08:20:00Z", 25);
    await rev("2026-11-21T09:00:00Z", 30);

    const get = async (q: string, headers: HeadersInit = viewer) => {
      const r = await app.request(`/api/study?${q}`, { headers });
      return { status: r.status, body: await r.json() };
    };
    const window = "camera=cam_01&from=2026-11-21T08:00:00Z&to=2026-11-21T08:30:00Z";
    const s = await get(`${window}&bin=15m`);
    assert.equal(s.status, 200, JSON.stringify(s.body));
    StudySchema.parse(s.body); // the shape the web app reads
    assert.equal(s.body.camera, "cam_01");
    assert.equal(s.body.bin_s, 900);
    assert.equal(s.body.speed_unit, "px_s"); // some passes have no road speed
    assert.deepEqual(s.body.calibration, { px_per_m: 25 });
    assert.equal(s.body.config_revision.id, inForce);
    assert.equal(s.body.config_changed_in_window, true);
    const rows = s.body.rows as Record<string, unknown>[];
    assert.deepEqual(
      rows.map((r) => `${r.bin_start} ${r.class} ${r.count}`),
      [
        "2026-11-21T08:00:00.000Z car 4",
        "2026-11-21T08:00:00.000Z truck 1",
        "2026-11-21T08:15:00.000Z car 1",
        "2026-11-21T08:15:00.000Z truck 0",
      ],
    );
    const [car1, truck1, car2, truck2] = rows as Record<string, number | null>[];
    assert.deepEqual(
      [car1.full_stop, car1.rolling_stop, car1.no_stop],
      [2, 1, 1],
    );
    assert.deepEqual(
      [car1.full_stop_share, car1.rolling_stop_share, car1.no_stop_share],
      [0.5, 0.25, 0.25],
    );
    // Median of 10,20,30,40 = 25; 85th: rank 0.85*3 = 2.55 -> 30 + 0.55*10 = 35.5.
    close(car1.approach_speed_median_px_s, 25, "car median px/s");
    close(car1.approach_speed_p85_px_s, 35.5, "car p85 px/s");
    close(car1.approach_speed_median_mps, 2.5, "car median m/s");
    close(car1.approach_speed_p85_mps, 3.55, "car p85 m/s");
    close(truck1.approach_speed_median_px_s, 50, "truck median");
    close(truck1.approach_speed_p85_px_s, 50, "truck p85");
    assert.equal(truck1.approach_speed_median_mps, null); // not calibrated
    assert.equal(truck1.no_stop_share, 1);
    assert.equal(car2.approach_speed_p85_mps, null);
    close(car2.approach_speed_p85_px_s, 100, "car bin 2");
    assert.deepEqual(
      [truck2.count, truck2.full_stop_share, truck2.approach_speed_median_px_s],
      [0, null, null],
    );

    // 1h bins fold the same passes into one bin per class.
    const hourly = await get(`${window}&bin=1h`);
    assert.deepEqual(
      hourly.body.rows.map((r: Record<string, unknown>) => [r.class, r.count]),
      [["car", 5], ["truck", 1]],
    );
    // A camera whose passes all have road speeds: the study speaks m/s.
    const cal = await get("camera=cam_03&from=2026-11-21T08:00:00Z&to=2026-11-21T08:10:00Z&bin=5m");
    assert.equal(cal.body.speed_unit, "mps");
    assert.equal(cal.body.rows.length, 2);
    close(cal.body.rows[1].approach_speed_median_mps, 1.5, "bus m/s");
    assert.equal(cal.body.calibration, null); // cam_03 has no calibration in the revision

    // CSV: the same rows, with the study's attachments on every line.
    const r = await app.request(`/api/study?${window}&bin=15m&format=csv`, { headers: viewer });
    assert.equal(r.status, 200);
    assert.match(r.headers.get("content-type")!, /^text\/csv/);
    const csv = parseCsv(await r.text());
    assert.deepEqual(csv[0], [...STUDY_CSV_COLUMNS]);
    assert.equal(csv.length, 5);
    const line = Object.fromEntries(csv[0].map((k, i) => [k, csv[1][i]]));
    assert.equal(line.camera, "cam_01");
    assert.equal(line.class, "car");
    assert.equal(line.count, "4");
    assert.equal(line.full_stop_share, "0.5");
    assert.equal(line.approach_speed_median_px_s, "25");
    assert.equal(line.speed_unit, "px_s");
    assert.equal(line.calibrated, "true");
    assert.equal(line.config_revision_id, inForce);
    assert.equal(csv[4][csv[0].indexOf("full_stop_share")], ""); // empty bin: no share

    // Input errors and the cameras claim.
    assert.equal((await get("from=2026-11-21T08:00:00Z")).status, 400); // no camera
    assert.equal((await get("camera=cam_01,cam_02")).status, 400);
    assert.equal((await get(`${window}&bin=2h`)).status, 400);
    assert.equal((await get(`${window}&format=xml`)).status, 400);
    assert.equal(
      (await get("camera=cam_01&from=2026-11-21T08:00:00Z&to=2026-11-21T08:00:00Z")).status,
      400,
    );
    assert.equal((await get("camera=cam_01&from=2026-01-01&to=2026-03-01&bin=5m")).status, 400);
    const only2 = await bearer(SECRET, { sub: "v2", role: "viewer", cameras: ["cam_02"] });
    assert.equal((await get(window, only2)).status, 404);
    assert.equal((await app.request(`/api/study?${window}`)).status, 401);
  } finally {
    await pool.end();
    await db.close();
  }
});
