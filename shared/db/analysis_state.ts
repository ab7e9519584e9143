/**
 * Runtime control (issue #15 §5): whether a camera is analyzed. The `camera_analysis` table holds
 * it durably (a restart keeps a pause) and NOTIFY `stopline_analysis` tells the analyzer at once.
 * Written by the API (POST /api/cameras/:id/analysis) and by the analyzer's MQTT switch through
 * this one function, so both paths leave the same row and the same notification.
 */
import { ANALYSIS_CHANNEL } from "../channels.ts";

type Query = (
  sql: string,
  params?: unknown[],
) => Promise<{ rows: Record<string, unknown>[] }>;

export interface AnalysisState {
  camera: string;
  enabled: boolean;
  updated_at: string;
  updated_by: string;
}

/** Store the camera's analysis switch and announce it (delivered at COMMIT when in a transaction). */
export async function setAnalysisEnabled(
  query: Query,
  camera: string,
  enabled: boolean,
  by: string,
): Promise<AnalysisState> {
  const r = await query(
    `with saved as (
       insert into camera_analysis (camera, enabled, updated_at, updated_by)
       values ($1, $2, now(), $3)
       on conflict (camera) do update set enabled = $2, updated_at = now(), updated_by = $3
       returning camera, enabled, updated_at, updated_by)
     select saved.*, pg_notify($4, saved.camera) from saved`,
    [camera, enabled, by.slice(0, 200), ANALYSIS_CHANNEL],
  );
  const row = r.rows[0];
  return {
    camera: row.camera as string,
    enabled: row.enabled as boolean,
    updated_at: (row.updated_at as Date).toISOString(),
    updated_by: row.updated_by as string,
  };
}

/** Cameras whose analysis is paused (a camera without a row is analyzed). */
export async function pausedCameras(query: Query): Promise<Set<string>> {
  const r = await query("select camera from camera_analysis where not enabled");
  return new Set(r.rows.map((row) => row.camera as string));
}
