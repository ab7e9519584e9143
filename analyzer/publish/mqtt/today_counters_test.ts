import assert from "node:assert/strict";
import type { TrackEvent, TrackSnapshot } from "../../../shared/events.ts";
import { localDay, TodayCounters } from "./today_counters.ts";

const at = (day: number, hour: number) => new Date(2026, 10, day, hour, 0, 0).getTime();

Deno.test("today counters: passes, violations, full-stop share, last verdict; reset at local midnight", () => {
  const c = new TodayCounters(at(28, 8));
  assert.deepEqual(c.figures(at(28, 8)), {
    day: "2026-11-28",
    passes_today: 0,
    violations_today: 0,
    full_stop_share_pct: null,
    last_verdict: null,
    vehicle_in_zone: false,
  });
  c.addPass("full_stop", at(28, 9));
  c.addPass("rolling_stop", at(28, 10));
  c.addPass("no_stop", at(28, 11));
  const f = c.figures(at(28, 12));
  assert.equal(f.passes_today, 3);
  assert.equal(f.violations_today, 2);
  assert.equal(f.full_stop_share_pct, 33.3);
  assert.equal(f.last_verdict, "no_stop");
  // The next day starts from zero; the last verdict is still the last one seen.
  const next = c.figures(at(29, 0));
  assert.equal(next.day, "2026-11-29");
  assert.equal(next.passes_today, 0);
  assert.equal(next.last_verdict, "no_stop");
  // A late pass of the previous day does not count for today.
  c.addPass("no_stop", at(28, 23));
  assert.equal(c.figures(at(29, 1)).passes_today, 0);
  c.addPass("full_stop", at(29, 2));
  assert.equal(c.figures(at(29, 3)).full_stop_share_pct, 100);
  assert.equal(localDay(at(1, 0)), "2026-11-01");
});

Deno.test("today counters: vehicle in the stop zone follows track events", () => {
  const snap = (id: number, zone: "stop" | null): TrackSnapshot => ({
    id,
    label: "car",
    conf: 0.9,
    bbox: [0.1, 0.1, 0.2, 0.2],
    speed_px_s: 3,
    phase: zone ? "in_zone" : "approach",
    zone,
  });
  const ev = (
    event: TrackEvent["event"],
    before: TrackSnapshot | null,
    after: TrackSnapshot | null,
  ): TrackEvent => ({ v: 1, type: "track_event", event, camera: "cam_01", ts: 1, before, after });
  const c = new TodayCounters();
  assert.equal(c.trackEvent(ev("new", null, snap(1, null))), false);
  assert.equal(c.trackEvent(ev("update", snap(1, null), snap(1, "stop"))), true);
  assert.equal(c.figures().vehicle_in_zone, true);
  assert.equal(c.trackEvent(ev("new", null, snap(2, "stop"))), false, "still occupied");
  assert.equal(c.trackEvent(ev("update", snap(1, "stop"), snap(1, null))), false, "2 is in it");
  assert.equal(c.trackEvent(ev("end", snap(2, "stop"), null)), true, "the track ended in the zone");
  assert.equal(c.figures().vehicle_in_zone, false);
});
