/**
 * Today's passes per camera as stored in Postgres, to seed the MQTT bridge's "today" counters when
 * the analyzer starts (a restart at noon must not report zero passes today to Home Assistant).
 */
import type { TodaySeed } from "./today_counters.ts";
import type { Verdict } from "../../../shared/verdict.ts";
import { localDay, localMidnight } from "./today_counters.ts";

type _Query = (
  sql: string,
  params: unknown[],
) => Promise<{ rows: Record<string, unknown>[] }>;

/** Passes since local midnight of `now_ms`, per camera; `day` is the day they belong to. */
export async function todayFromDb(
  query: _Query,
  now_ms: number = Date.now(),
): Promise<{ day: string; cameras: Map<string, TodaySeed> }> {
  const { rows } = await query(
    `select camera, count(*)::int as passes,
       (count(*) filter (where verdict = 'full_stop'))::int as full_stops,
       (array_agg(verdict order by exited_at desc))[1] as last_verdict
     from vehicle_passes where exited_at >= to_timestamp($1 / 1000.0) group by camera`,
    [localMidnight(now_ms)],
  );
  const cameras = new Map<string, TodaySeed>();
  for (const r of rows) {
    cameras.set(String(r.camera), {
      passes: Number(r.passes),
      full_stops: Number(r.full_stops),
      last_verdict: (r.last_verdict as Verdict | null) ?? null,
    });
  }
  return { day: localDay(now_ms), cameras };
}
