/**
 * Per camera figures for Home Assistant that the pass stream alone cannot give a subscriber:
 * today's passes, violations and full-stop share (reset at local midnight, the analyzer's time
 * zone: set TZ), the last verdict, and whether a vehicle is in the stop zone now (from the track
 * events' `zone`, so it follows tracks entering, leaving and ending).
 */
import type { TrackEvent } from "../../../shared/events.ts";
import type { Verdict } from "../../../shared/verdict.ts";

/** Local midnight (unix ms) starting the day of `ts_ms`. */
export function localMidnight(ts_ms: number): number {
  const d = new Date(ts_ms);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
}

/** The local calendar day of a unix ms time, YYYY-MM-DD. */
export function localDay(ts_ms: number): string {
  const d = new Date(ts_ms);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

export interface TodayFigures {
  day: string;
  passes_today: number;
  violations_today: number;
  full_stop_share_pct: number | null;
  last_verdict: Verdict | null;
  vehicle_in_zone: boolean;
}

/** One camera's passes of today so far, as stored. */
export interface TodaySeed {
  passes: number;
  full_stops: number;
  last_verdict: Verdict | null;
}

export class TodayCounters {
  #day: string;
  #passes = 0;
  #fullStops = 0;
  #lastVerdict: Verdict | null = null;
  readonly #inZone = new Set<number>();

  constructor(now_ms: number = Date.now()) {
    this.#day = localDay(now_ms);
  }

  /** Count a pass judged at `ts_ms` (its exit time); a pass of an earlier day is not counted. */
  addPass(verdict: Verdict, ts_ms: number): void {
    const day = localDay(ts_ms);
    if (day < this.#day) return;
    this.#rollTo(day);
    this.#passes++;
    if (verdict === "full_stop") this.#fullStops++;
    this.#lastVerdict = verdict;
  }

  /**
   * Add what was judged earlier on `day` (before a restart, read from the database), so "today"
   * does not start over with the process. Ignored when `day` is no longer today.
   */
  seed(day: string, s: TodaySeed): void {
    this.#rollTo(day);
    if (day !== this.#day) return;
    this.#passes += s.passes;
    this.#fullStops += s.full_stops;
    this.#lastVerdict ??= s.last_verdict;
  }

  /** Follow one track event; true when "vehicle in the stop zone" changed. */
  trackEvent(ev: TrackEvent): boolean {
    const before = this.#inZone.size > 0;
    const id = (ev.after ?? ev.before)?.id;
    if (id === undefined) return false;
    if (ev.after && ev.after.zone === "stop") this.#inZone.add(id);
    else this.#inZone.delete(id);
    return before !== this.#inZone.size > 0;
  }

  /** The figures as of `now_ms` (a new day starts from zero). */
  figures(now_ms: number = Date.now()): TodayFigures {
    this.#rollTo(localDay(now_ms));
    return {
      day: this.#day,
      passes_today: this.#passes,
      violations_today: this.#passes - this.#fullStops,
      full_stop_share_pct: this.#passes
        ? Math.round((1000 * this.#fullStops) / this.#passes) / 10
        : null,
      last_verdict: this.#lastVerdict,
      vehicle_in_zone: this.#inZone.size > 0,
    };
  }

  #rollTo(day: string): void {
    if (day <= this.#day) return;
    this.#day = day;
    this.#passes = 0;
    this.#fullStops = 0;
  }
}
