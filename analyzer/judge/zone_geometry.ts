/**
 * Zone geometry for the stop judge (pure). Points are [x, y] in one space (the judge uses source
 * pixels, the config stores [0,1] — `toPixels` converts). y grows downwards, as in images; the
 * side signs below are just cross-product signs, so they are consistent in either orientation.
 */
import type { Point } from "../../shared/geometry.ts";

export type Line = [Point, Point];
/** Which side of a line a point is on: -1, 1, or 0 exactly on it (within `EPS`). */
export type Side = -1 | 0 | 1;

/**
 * Cross products below this magnitude count as collinear. Pixel coordinates are O(1e3), so
 * products are O(1e6); 1e-9 only absorbs float noise, never a real sub-pixel offset.
 */
const EPS = 1e-9;

/** Normalized [0,1] points -> pixels of a w x h frame. */
export function toPixels<T extends Point[]>(pts: T, w: number, h: number): T {
  return pts.map(([x, y]) => [x * w, y * h]) as T;
}

/**
 * Even-odd point-in-polygon (works for concave polygons). It is the same crossing-number test
 * as dev/testing/scenes/oracle.ts uses for ground truth, so on-boundary points get the same
 * answer there and here: points on a left or bottom edge are inside, on a right or top edge outside (half-open
 * rule — a point on an edge shared by two adjacent polygons is in exactly one of them).
 */
export function pointInPolygon(p: Point, poly: Point[]): boolean {
  const [px, py] = p;
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i], [xj, yj] = poly[j];
    if ((yi > py) !== (yj > py) && px < ((xj - xi) * (py - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Signed area (shoelace); positive when the vertices turn clockwise on screen (y down). */
export function polygonArea(poly: Point[]): number {
  let a = 0;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    a += poly[j][0] * poly[i][1] - poly[i][0] * poly[j][1];
  }
  return a / 2;
}

/**
 * Area centroid of a simple polygon. A degenerate (zero-area) polygon falls back to the vertex
 * mean so the direction filter still has a reference point instead of NaN.
 */
export function polygonCentroid(poly: Point[]): Point {
  const a = polygonArea(poly);
  if (Math.abs(a) < EPS) {
    const n = poly.length || 1;
    return [poly.reduce((s, p) => s + p[0], 0) / n, poly.reduce((s, p) => s + p[1], 0) / n];
  }
  let cx = 0, cy = 0;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const f = poly[j][0] * poly[i][1] - poly[i][0] * poly[j][1];
    cx += (poly[j][0] + poly[i][0]) * f;
    cy += (poly[j][1] + poly[i][1]) * f;
  }
  return [cx / (6 * a), cy / (6 * a)];
}

function _cross(a: Point, b: Point, p: Point): number {
  return (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]);
}

/** Side of the infinite line through `line` that `p` lies on. */
export function sideOfLine(p: Point, line: Line): Side {
  const c = _cross(line[0], line[1], p);
  return c > EPS ? 1 : c < -EPS ? -1 : 0;
}

function _onSegment(a: Point, b: Point, p: Point): boolean {
  return Math.min(a[0], b[0]) - EPS <= p[0] && p[0] <= Math.max(a[0], b[0]) + EPS &&
    Math.min(a[1], b[1]) - EPS <= p[1] && p[1] <= Math.max(a[1], b[1]) + EPS;
}

/**
 * Closed segment intersection: touching at an end point and collinear overlap count.
 */
export function segmentsIntersect(p1: Point, p2: Point, q1: Point, q2: Point): boolean {
  const d1 = sideOfLine(p1, [q1, q2]), d2 = sideOfLine(p2, [q1, q2]);
  const d3 = sideOfLine(q1, [p1, p2]), d4 = sideOfLine(q2, [p1, p2]);
  if (d1 * d2 < 0 && d3 * d4 < 0) return true;
  if (d1 === 0 && _onSegment(q1, q2, p1)) return true;
  if (d2 === 0 && _onSegment(q1, q2, p2)) return true;
  if (d3 === 0 && _onSegment(p1, p2, q1)) return true;
  if (d4 === 0 && _onSegment(p1, p2, q2)) return true;
  return false;
}

/**
 * The polygon's edges whose outward normal points along `dir` (within 60°): a zone's far side as
 * seen from its pre-stop line, when `dir` points from the line towards the zone. Side edges (near
 * 90°) and the near side are left out, so a vehicle standing at the zone's near edge cannot cross
 * one by box jitter.
 */
export function farEdges(poly: Point[], dir: Point): Line[] {
  const c = polygonCentroid(poly);
  const len = Math.hypot(dir[0], dir[1]);
  const out: Line[] = [];
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const p = poly[j], q = poly[i];
    let m: Point = [q[1] - p[1], p[0] - q[0]];
    // Outward: away from the centroid (the zones are simple and near convex).
    if (m[0] * ((p[0] + q[0]) / 2 - c[0]) + m[1] * ((p[1] + q[1]) / 2 - c[1]) < 0) {
      m = [-m[0], -m[1]];
    }
    const ml = Math.hypot(m[0], m[1]);
    if (ml > EPS && len > EPS && (m[0] * dir[0] + m[1] * dir[1]) / (ml * len) > 0.5) {
      out.push([p, q]);
    }
  }
  return out;
}

/**
 * Did the move `from` -> `to` cross the line segment, and towards which side?
 * Returns the side it arrived on (1 or -1), or 0 if it did not cross. A crossing needs the two
 * points strictly on opposite sides AND the move to pass through the segment itself (not its
 * extension — a line drawn across one lane must not count traffic in the next road). Callers
 * that must handle a centre resting exactly on the line pass the last point that was strictly on
 * one side as `from` (see `CrossingTracker`).
 */
export function crossingDirection(from: Point, to: Point, line: Line): Side {
  const s0 = sideOfLine(from, line), s1 = sideOfLine(to, line);
  if (s0 === 0 || s1 === 0 || s0 === s1) return 0;
  return segmentsIntersect(from, to, line[0], line[1]) ? s1 : 0;
}

/**
 * Stateful crossing detector for one moving point and one line. Points exactly on the line are
 * skipped (the anchor stays at the last point strictly on a side), so touching the line and
 * going back is not a crossing, while on-line -> far side is reported once, when it lands.
 */
export class CrossingTracker {
  #anchor: Point | null = null;

  /** Feed the next position; returns the side crossed to (1/-1) or 0. */
  step(p: Point, line: Line): Side {
    if (sideOfLine(p, line) === 0) return 0;
    const prev = this.#anchor;
    this.#anchor = p;
    return prev ? crossingDirection(prev, p, line) : 0;
  }

  reset(): void {
    this.#anchor = null;
  }
}

/**
 * The part of the straight move `a` -> `b` that lies inside the polygon, as fractions of the move
 * (0 = `a`, 1 = `b`): where it first enters (`enter`) and where it last leaves (`leave`), or null
 * if no part of it is inside. Exact: the move is cut at every polygon edge it crosses and each
 * piece is tested at its middle with `pointInPolygon` (the same half-open rule), so a concave
 * zone crossed twice still gives its first entry and last exit. Why: at 2.5 processed fps a
 * 47 km/h van moves 5.2 m of road between frames, more than a 3 m deep zone (held-out scene
 * s6_10): no sample lands inside, only the move between two samples crosses the zone.
 */
export function segmentInPolygon(
  a: Point,
  b: Point,
  poly: Point[],
): { enter: number; leave: number } | null {
  const dx = b[0] - a[0], dy = b[1] - a[1];
  const cuts = [0, 1];
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const p = poly[j], q = poly[i];
    const ex = q[0] - p[0], ey = q[1] - p[1];
    const den = dx * ey - dy * ex;
    if (Math.abs(den) < EPS) continue; // parallel: its ends are cut by the neighbouring edges
    const u = ((p[0] - a[0]) * ey - (p[1] - a[1]) * ex) / den;
    const v = ((p[0] - a[0]) * dy - (p[1] - a[1]) * dx) / den;
    if (u > 0 && u < 1 && v >= -EPS && v <= 1 + EPS) cuts.push(u);
  }
  cuts.sort((x, y) => x - y);
  let enter = -1, leave = -1;
  for (let k = 1; k < cuts.length; k++) {
    const lo = cuts[k - 1], hi = cuts[k];
    if (hi - lo < 1e-12) continue;
    const m = (lo + hi) / 2;
    if (pointInPolygon([a[0] + m * dx, a[1] + m * dy], poly)) {
      if (enter < 0) enter = lo;
      leave = hi;
    }
  }
  return enter < 0 ? null : { enter, leave };
}
