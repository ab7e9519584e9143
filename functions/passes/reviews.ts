/**
 * Review and keep of one pass (issue #13 §3, §5):
 * - GET  /api/passes/:id/reviews — the audit trail, oldest first, and the pass's review state.
 * - POST /api/passes/:id/reviews — `{correct: true}` or `{correct: false, verdict, note?}`
 *   (operator, `cameras` claim): appends a review row with the reviewer (token `sub`) and time.
 *   The pass's verdict is never changed; the latest review decides its review state.
 * - PUT  /api/passes/:id/keep — `{keep: boolean}` (operator, `cameras` claim): a kept pass and
 *   its evidence are never deleted by retention; every change is audited.
 */
import type { Context, Hono } from "hono";
import { z } from "zod";
import { getClaims, mayWriteCamera } from "../_shared/auth.ts";
import { readJsonCapped } from "../_shared/body.ts";
import type { DbPool } from "../_shared/db.ts";
import { ApiError } from "../_shared/errors.ts";
import { VerdictSchema } from "../../shared/verdict.ts";
import type { PassReview, ReviewState } from "../../shared/pass_row.ts";
import { findPass } from "./pass_lookup.ts";

/** A pass's review state, from its latest review (SQL over an unaliased `vehicle_passes`). */
export const REVIEW_STATE_SQL = `coalesce((select case when r.correct then 'confirmed'
  else 'corrected' end from pass_reviews r where r.pass_id = vehicle_passes.id
  order by r.id desc limit 1), 'unreviewed')`;

const MAX_BODY_BYTES = 8 * 1024;
export const MAX_NOTE_LENGTH = 2000;

const ReviewBodySchema = z.discriminatedUnion("correct", [
  z.object({ correct: z.literal(true), note: z.string().max(MAX_NOTE_LENGTH).optional() }).strict(),
  z.object({
    correct: z.literal(false),
    /** The right verdict (must differ from the judged one). */
    verdict: VerdictSchema,
    note: z.string().max(MAX_NOTE_LENGTH).optional(),
  }).strict(),
]);

const KeepBodySchema = z.object({ keep: z.boolean() }).strict();

/** A review as Postgres returns it: the API's shape with a Date. */
type _ReviewRow = Omit<PassReview, "created_at"> & { created_at: Date };

export function mountReviewRoutes(app: Hono, pool: DbPool): void {
  app.get("/api/passes/:id/reviews", async (c) => {
    const pass = await findPass(c, pool, "id, camera");
    const r = await pool.query<_ReviewRow>(
      `select id::text, correct, judged_verdict, actual_verdict, note, reviewer, created_at
       from pass_reviews where pass_id = $1 order by id`,
      [pass.id],
    );
    const reviews = r.rows.map(_publicReview);
    return c.json({ pass_id: pass.id, state: _stateOf(reviews.at(-1)), reviews });
  });

  app.post("/api/passes/:id/reviews", async (c) => {
    const pass = await findPass(c, pool, "id, camera, verdict");
    _mayWrite(c, pass.camera);
    const body = await _parse(c, ReviewBodySchema);
    const actual = body.correct ? pass.verdict : body.verdict;
    if (!body.correct && actual === pass.verdict) {
      throw new ApiError(
        400,
        "a wrong verdict needs the right one, different from the judged one",
        {
          judged: pass.verdict,
        },
      );
    }
    const r = await pool.query<_ReviewRow>(
      `insert into pass_reviews (pass_id, camera, judged_verdict, correct, actual_verdict, note,
         reviewer)
       values ($1, $2, $3, $4, $5, $6, $7)
       returning id::text, correct, judged_verdict, actual_verdict, note, reviewer, created_at`,
      [pass.id, pass.camera, pass.verdict, body.correct, actual, body.note ?? "", _subject(c)],
    );
    const review = _publicReview(r.rows[0]);
    return c.json({ pass_id: pass.id, state: _stateOf(review), review }, 201);
  });

  app.put("/api/passes/:id/keep", async (c) => {
    const pass = await findPass(c, pool, "id, camera");
    _mayWrite(c, pass.camera);
    const { keep } = await _parse(c, KeepBodySchema);
    const client = await pool.connect();
    try {
      await client.query("begin");
      await client.query("update vehicle_passes set keep = $2 where id = $1", [pass.id, keep]);
      await client.query(
        "insert into pass_keep_audit (pass_id, keep, actor) values ($1, $2, $3)",
        [pass.id, keep, _subject(c)],
      );
      await client.query("commit");
    } catch (e) {
      await client.query("rollback").catch(() => {});
      throw e;
    } finally {
      client.release();
    }
    return c.json({ pass_id: pass.id, keep });
  });
}

function _mayWrite(c: Context, camera: string): void {
  if (!mayWriteCamera(getClaims(c)!, camera)) {
    // findPass already hid passes the token cannot read; read and write claims are the same
    // today, so this only fires if they ever diverge.
    throw new ApiError(403, "this token may not change this camera's passes");
  }
}

function _subject(c: Context): string {
  return getClaims(c)!.sub.slice(0, 200) || "unknown";
}

function _stateOf(latest: { correct: boolean } | undefined): ReviewState {
  return latest === undefined ? "unreviewed" : latest.correct ? "confirmed" : "corrected";
}

function _publicReview(r: _ReviewRow): PassReview {
  return {
    id: r.id,
    correct: r.correct,
    judged_verdict: r.judged_verdict,
    actual_verdict: r.actual_verdict,
    note: r.note,
    reviewer: r.reviewer,
    created_at: r.created_at.toISOString(),
  };
}

async function _parse<T extends z.ZodType>(c: Context, schema: T): Promise<z.infer<T>> {
  const body = await readJsonCapped(c.req.raw, MAX_BODY_BYTES);
  if (!body.ok) throw new ApiError(body.status, body.error);
  const r = schema.safeParse(body.value);
  if (!r.success) {
    throw new ApiError(400, "invalid body", {
      issues: r.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
    });
  }
  return r.data;
}
