/** Test fixtures for the API functions: realistic rows in the real tables, signed tokens. */
import type { DbPool } from "../_shared/db.ts";
import type { Verdict } from "../../shared/verdict.ts";
import { signJwt } from "../_shared/jwt.ts";
import type { Claims } from "../_shared/jwt.ts";

export interface TestPass {
  camera: string;
  track_id: number;
  verdict: Verdict;
  /** ISO with up to microseconds (Postgres precision). */
  exited_at: string;
  stop_duration_s: number;
  time_in_zone_s?: number;
  label?: string;
  image?: string | null;
  samples?: unknown[];
  quality?: Record<string, unknown>;
  /** Default: the analyzer's deterministic `camera:firstTs:track`. */
  id?: string;
  /** A replay clip as the clip worker records it (the object itself is put by the test). */
  clip?: { uri: string; start: string; duration_s: number };
}

/** Inserts passes the way the analyzer stores them; returns their ids. */
export async function insertPasses(pool: DbPool, passes: TestPass[]): Promise<string[]> {
  const ids: string[] = [];
  for (const p of passes) {
    const exited = Date.parse(p.exited_at);
    const inZone = p.time_in_zone_s ?? p.stop_duration_s + 1.2;
    const entered = exited - Math.round(inZone * 1000);
    const id = p.id ?? `${p.camera}:${entered - 1500}:${p.track_id}`;
    ids.push(id);
    await pool.query(
      `insert into vehicle_passes (id, camera, track_id, label, verdict, entered_at, exited_at,
         time_in_zone_s, stop_duration_s, min_speed_px_s, entry_speed_px_s, image, quality, samples,
         clip_uri, clip_start, clip_duration_s)
       values ($1, $2, $3, $4, $5, $6, $7::timestamptz, $8, $9, $10, $11, $12, $13, $14, $15,
         $16::timestamptz, $17)`,
      [
        id,
        p.camera,
        p.track_id,
        p.label ?? "car",
        p.verdict,
        new Date(entered),
        p.exited_at,
        inZone,
        p.stop_duration_s,
        p.verdict === "full_stop" ? 0.4 : p.verdict === "rolling_stop" ? 18.5 : 61.25,
        72.5,
        p.image ?? null,
        JSON.stringify(p.quality ?? { samples: 3, coverage: 1, finalized_by: "exit" }),
        JSON.stringify(
          p.samples ?? [
            { ts: entered, cx: 300.5, cy: 230, speed_px_s: 70.1, phase: "in_zone" },
            { ts: entered + 500, cx: 340, cy: 231, speed_px_s: 0.4, phase: "stopped" },
            { ts: exited, cx: 420, cy: 229.5, speed_px_s: 65, phase: "leaving" },
          ],
        ),
        p.clip?.uri ?? null,
        p.clip?.start ?? null,
        p.clip?.duration_s ?? null,
      ],
    );
  }
  return ids;
}

/** `{ authorization: "Bearer …" }` for a token with these claims, valid for 10 minutes. */
export async function bearer(
  secret: string,
  claims: Omit<Claims, "exp">,
): Promise<{ authorization: string }> {
  const token = await signJwt({ ...claims, exp: Math.floor(Date.now() / 1000) + 600 }, secret);
  return { authorization: `Bearer ${token}` };
}
