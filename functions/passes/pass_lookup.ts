/** Finding one pass by its `:id` under the caller's camera claim (passes routes). */
import type { Context } from "hono";
import { getClaims, mayReadCamera } from "../_shared/auth.ts";
import type { DbPool } from "../_shared/db.ts";
import { ApiError } from "../_shared/errors.ts";
import type { Verdict } from "../../shared/verdict.ts";

/** Pass ids are `camera:firstTs:track[:visit]`; anything outside this alphabet is not an id. */
export const PASS_ID_RE = /^[A-Za-z0-9_.:-]{1,200}$/;
export interface PassDbRow {
  id: string;
  camera: string;
  track_id: number;
  label: string;
  verdict: Verdict;
  entered_at: Date;
  exited_at: Date;
  time_in_zone_s: number;
  stop_duration_s: number;
  min_speed_px_s: number;
  entry_speed_px_s: number;
  image: string | null;
  /** Road speeds, m/s (null: camera not calibrated). */
  entry_speed_mps: number | null;
  min_speed_mps: number | null;
  max_speed_mps: number | null;
  clip_uri: string | null;
  clip_start: Date | null;
  clip_duration_s: number | null;
  quality?: unknown;
  samples?: unknown;
  keep?: boolean;
  review_state?: string;
  _us?: string;
}

/** The pass named by `:id`, or a 400/404 ApiError (another camera's pass is "missing" too). */
export async function findPass(c: Context, pool: DbPool, columns: string): Promise<PassDbRow> {
  const id = c.req.param("id") ?? "";
  if (!PASS_ID_RE.test(id)) throw new ApiError(400, "bad pass id");
  const r = await pool.query<PassDbRow>(
    `select ${columns} from vehicle_passes where id = $1`,
    [id],
  );
  const row = r.rows[0];
  if (!row || !mayReadCamera(getClaims(c)!, row.camera)) {
    throw new ApiError(404, "unknown pass", { id });
  }
  return row;
}
