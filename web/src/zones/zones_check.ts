/**
 * Did the analyzer apply new zones? Ticks carry each track's `zone`; once they agree with the
 * new stop polygon (the judged point — the camera's anchor, by default the box's bottom centre —
 * inside <=> zone "stop") the edit is live. Tracks right on the edge are skipped: the judge
 * debounces entry and exit there.
 */
import { type Anchor, anchorPoint, type Box, type Point } from "../../../shared/geometry.ts";
import type { Zones } from "../../../shared/config.ts";
import type { Tick } from "../../../shared/tick.ts";

/** Ray casting; points on the boundary may go either way. */
export function pointInPolygon(p: Point, poly: Point[]): boolean {
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i];
    const [xj, yj] = poly[j];
    if ((yi > p[1]) !== (yj > p[1]) && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi) {
      inside = !inside;
    }
  }
  return inside;
}

function _distToEdges(p: Point, poly: Point[]): number {
  let best = Infinity;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [ax, ay] = poly[j];
    const [bx, by] = poly[i];
    const dx = bx - ax;
    const dy = by - ay;
    const t = Math.max(0, Math.min(1, ((p[0] - ax) * dx + (p[1] - ay) * dy) / (dx * dx + dy * dy)));
    best = Math.min(best, Math.hypot(p[0] - ax - t * dx, p[1] - ay - t * dy));
  }
  return best;
}

/**
 * true: every clearly placed track agrees with `zones`; false: one disagrees; null: no track
 * is clear of the edges, so this tick tells nothing.
 */
export function ticksAgree(
  tick: Tick,
  zones: Zones,
  anchor: Anchor = "bottom_center",
  margin = 0.02,
): boolean | null {
  const poly = zones.stop_zone as Point[];
  let decided = false;
  for (const t of tick.tracks) {
    if (t.zone === undefined) continue; // analyzer without zone output
    const c = anchorPoint(t.bbox as Box, anchor);
    if (_distToEdges(c, poly) < margin) continue;
    if (pointInPolygon(c, poly) !== (t.zone !== null)) return false;
    decided = true;
  }
  return decided ? true : null;
}
