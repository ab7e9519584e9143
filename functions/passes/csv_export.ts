/**
 * GET /api/passes.csv: the passes the list filters select, newest first, as RFC 4180 CSV with a
 * header row. Streamed: each chunk is one keyset query (exited_at desc, id desc, exact to the
 * microsecond like the list cursor), so a million rows cost one chunk of memory, and a client
 * that goes away stops the queries. Speeds in px/s always, in m/s when the camera is calibrated
 * (empty otherwise); the clip URL, start and length when the pass has a clip.
 */
import type { Context } from "hono";
import type { DbPool } from "../_shared/db.ts";
import { csvHeaders, csvLine } from "../_shared/csv.ts";
import { microsSql } from "../_shared/pagination.ts";
import type { SqlWhere } from "../_shared/query.ts";
import type { PassDbRow } from "./pass_lookup.ts";
import { REVIEW_STATE_SQL } from "./reviews.ts";

export const DEFAULT_CSV_CHUNK_ROWS = 1000;

/** The CSV columns, in order. */
export const PASS_CSV_COLUMNS = [
  "id",
  "camera",
  "track_id",
  "label",
  "verdict",
  "entered_at",
  "exited_at",
  "time_in_zone_s",
  "stop_duration_s",
  "min_speed_px_s",
  "entry_speed_px_s",
  "min_speed_mps",
  "entry_speed_mps",
  "max_speed_mps",
  "direction",
  "quality",
  "review_state",
  "reviewed_verdict",
  "keep",
  "image_url",
  "clip_url",
  "clip_start",
  "clip_duration_s",
] as const;

/** A row of the chunk query: the lookup's columns, the review, and whether a clip is stored. */
type _CsvRow =
  & Omit<PassDbRow, "verdict" | "clip_uri" | "samples">
  & Required<Pick<PassDbRow, "quality" | "keep" | "review_state" | "_us">>
  & {
    verdict: string;
    direction: string | null;
    reviewed_verdict: string | null;
    has_clip: boolean;
  };

export function streamPassesCsv(
  c: Context,
  pool: DbPool,
  filters: SqlWhere,
  chunkRows = DEFAULT_CSV_CHUNK_ROWS,
): Response {
  const baseParams = [...filters.params];
  const baseWhere = filters.toString();
  const enc = new TextEncoder();
  let after: { us: string; id: string } | null = null;
  let done = false;

  const fetchChunk = async (): Promise<_CsvRow[]> => {
    const params = [...baseParams];
    let where = baseWhere;
    if (after) {
      params.push(after.us, after.id);
      const t = `timestamptz 'epoch' + $${params.length - 1}::bigint * interval '1 microsecond'`;
      const cond = `(exited_at, id) < (${t}, $${params.length}::text)`;
      where = where ? `${where} and ${cond}` : `where ${cond}`;
    }
    params.push(chunkRows);
    const r = await pool.query<_CsvRow>(
      `select id, camera, track_id, label, verdict, entered_at, exited_at, time_in_zone_s,
         stop_duration_s, min_speed_px_s, entry_speed_px_s, min_speed_mps, entry_speed_mps,
         max_speed_mps, quality ->> 'direction' as direction, quality, keep, image,
         clip_uri is not null as has_clip, clip_start, clip_duration_s, ${REVIEW_STATE_SQL} as review_state,
         (select r.actual_verdict from pass_reviews r where r.pass_id = vehicle_passes.id
          order by r.id desc limit 1) as reviewed_verdict,
         ${microsSql("exited_at")} as _us
       from vehicle_passes ${where}
       order by exited_at desc, id desc limit $${params.length}`,
      params,
    );
    return r.rows;
  };

  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(enc.encode(csvLine(PASS_CSV_COLUMNS)));
    },
    async pull(controller) {
      if (done) return;
      const rows = await fetchChunk();
      if (rows.length) {
        const last = rows[rows.length - 1];
        after = { us: last._us, id: last.id };
        controller.enqueue(enc.encode(rows.map((r) => csvLine(_fields(r))).join("")));
      }
      if (rows.length < chunkRows) {
        done = true;
        controller.close();
      }
    },
    cancel() {
      done = true;
    },
  }, { highWaterMark: 1 });

  const day = new Date().toISOString().slice(0, 10);
  return c.body(body, 200, csvHeaders(`passes-${day}.csv`));
}

function _fields(r: _CsvRow): unknown[] {
  const path = `/api/passes/${encodeURIComponent(r.id)}`;
  return [
    r.id,
    r.camera,
    r.track_id,
    r.label,
    r.verdict,
    r.entered_at.toISOString(),
    r.exited_at.toISOString(),
    r.time_in_zone_s,
    r.stop_duration_s,
    r.min_speed_px_s,
    r.entry_speed_px_s,
    r.min_speed_mps,
    r.entry_speed_mps,
    r.max_speed_mps,
    r.direction,
    JSON.stringify(r.quality ?? {}),
    r.review_state,
    r.reviewed_verdict,
    r.keep,
    r.image ? `${path}/image` : null,
    r.has_clip ? `${path}/clip` : null,
    r.clip_start?.toISOString() ?? null,
    r.clip_duration_s,
  ];
}
