import assert from "node:assert/strict";
import { LocalObjectStore } from "../../shared/object_store/mod.ts";
import { startTestDatabase } from "../../dev/testing/postgres.ts";
import { createPool } from "../_shared/db.ts";
import { createPassesApp } from "./index.ts";
import { bearer, insertPasses } from "./testing.ts";

const SECRET = "reviews-test-secret-0123456789abcdef0123";

Deno.test("reviews: append-only audit, verdict kept, review state and filter, keep", async () => {
  const db = await startTestDatabase();
  const pool = createPool(db.url, 2);
  const dir = await Deno.makeTempDir();
  const app = createPassesApp({ pool, store: new LocalObjectStore(dir), auth: { secret: SECRET } });
  const viewer = await bearer(SECRET, { sub: "viewer-1", role: "viewer" });
  const alice = await bearer(SECRET, { sub: "alice", role: "operator" });
  const bob = await bearer(SECRET, { sub: "bob", role: "operator", cameras: ["cam_01"] });
  const carol = await bearer(SECRET, { sub: "carol", role: "operator", cameras: ["cam_02"] });
  const call = async (method: string, path: string, headers: HeadersInit, body?: unknown) => {
    const r = await app.request(path, {
      method,
      headers: { ...headers, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: r.status, body: await r.json() };
  };
  try {
    const [p1, p2] = await insertPasses(pool, [
      {
        camera: "cam_01",
        track_id: 1,
        verdict: "rolling_stop",
        exited_at: "2026-11-21T08:00:00Z",
        stop_duration_s: 0.2,
      },
      {
        camera: "cam_01",
        track_id: 2,
        verdict: "full_stop",
        exited_at: "2026-11-21T08:01:00Z",
        stop_duration_s: 2,
      },
      {
        camera: "cam_01",
        track_id: 3,
        verdict: "no_stop",
        exited_at: "2026-11-21T08:02:00Z",
        stop_duration_s: 0,
      },
    ]);
    const reviews = (id: string) => `/api/passes/${encodeURIComponent(id)}/reviews`;

    // Who may review: operators of the pass's camera, not viewers, not other cameras.
    assert.equal((await call("POST", reviews(p1), viewer, { correct: true })).status, 403);
    assert.equal((await call("POST", reviews(p1), carol, { correct: true })).status, 404);
    assert.equal((await app.request(reviews(p1), { method: "POST" })).status, 401);

    // Bad bodies.
    assert.equal((await call("POST", reviews(p1), alice, { correct: false })).status, 400);
    const same = await call("POST", reviews(p1), alice, {
      correct: false,
      verdict: "rolling_stop",
    });
    assert.equal(same.status, 400);
    assert.equal((await call("POST", reviews(p1), alice, { correct: "yes" })).status, 400);
    assert.equal(
      (await call("POST", reviews(p1), alice, { correct: true, note: "x".repeat(2001) })).status,
      400,
    );
    assert.equal(
      (await call("POST", reviews(p1), alice, { correct: true, verdict: "no_stop" })).status,
      400,
    );

    // Alice confirms, then Bob says it was really no stop: two rows, latest decides.
    const r1 = await call("POST", reviews(p1), alice, { correct: true });
    assert.equal(r1.status, 201, JSON.stringify(r1.body));
    assert.equal(r1.body.state, "confirmed");
    assert.equal(r1.body.review.reviewer, "alice");
    assert.equal(r1.body.review.actual_verdict, "rolling_stop");
    const r2 = await call("POST", reviews(p1), bob, {
      correct: false,
      verdict: "no_stop",
      note: "never slowed below 3 m/s, see clip",
    });
    assert.equal(r2.status, 201);
    assert.equal(r2.body.state, "corrected");
    assert.deepEqual(
      [r2.body.review.judged_verdict, r2.body.review.actual_verdict, r2.body.review.correct],
      ["rolling_stop", "no_stop", false],
    );
    await call("POST", reviews(p2), alice, { correct: true });

    const history = await call("GET", reviews(p1), viewer);
    assert.equal(history.status, 200);
    assert.equal(history.body.state, "corrected");
    assert.deepEqual(
      history.body.reviews.map((r: { reviewer: string; correct: boolean; note: string }) => [
        r.reviewer,
        r.correct,
        r.note,
      ]),
      [["alice", true, ""], ["bob", false, "never slowed below 3 m/s, see clip"]],
    );
    assert.ok(
      Date.parse(history.body.reviews[0].created_at) <=
        Date.parse(history.body.reviews[1].created_at),
    );
    // The judged verdict is never overwritten.
    const detail = await call("GET", `/api/passes/${encodeURIComponent(p1)}`, viewer);
    assert.equal(detail.body.verdict, "rolling_stop");
    assert.equal(detail.body.review_state, "corrected");

    // The list filter.
    const ids = async (q: string) =>
      (await call("GET", `/api/passes?${q}`, viewer)).body.passes.map((p: { id: string }) => p.id)
        .sort();
    assert.deepEqual(await ids("review=reviewed"), [p1, p2].sort());
    assert.deepEqual(await ids("review=disputed"), [p1]);
    assert.equal((await ids("review=unreviewed")).length, 1);
    assert.equal((await ids("review=unreviewed,disputed")).length, 2);

    // Append-only in the database itself: no update, no delete while the pass exists.
    await assert.rejects(pool.query("update pass_reviews set correct = true"), /append-only/);
    await assert.rejects(pool.query("delete from pass_reviews"), /append-only/);
    // Deleting the pass (retention) takes its reviews with it.
    await pool.query("delete from vehicle_passes where id = $1", [p2]);
    const left = await pool.query("select pass_id from pass_reviews order by id");
    assert.deepEqual(left.rows.map((r) => r.pass_id), [p1, p1]);

    // Keep: operators of the camera, audited.
    const keep = `/api/passes/${encodeURIComponent(p1)}/keep`;
    assert.equal((await call("PUT", keep, viewer, { keep: true })).status, 403);
    assert.equal((await call("PUT", keep, carol, { keep: true })).status, 404);
    assert.equal((await call("PUT", keep, bob, { keep: "yes" })).status, 400);
    assert.deepEqual((await call("PUT", keep, bob, { keep: true })).body, {
      pass_id: p1,
      keep: true,
    });
    assert.equal(
      (await call("GET", `/api/passes/${encodeURIComponent(p1)}`, viewer)).body.keep,
      true,
    );
    await call("PUT", keep, alice, { keep: false });
    const audit = await pool.query("select keep, actor from pass_keep_audit order by id");
    assert.deepEqual(audit.rows, [{ keep: true, actor: "bob" }, { keep: false, actor: "alice" }]);
  } finally {
    await pool.end();
    await db.close();
    await Deno.remove(dir, { recursive: true });
  }
});
