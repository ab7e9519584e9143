import assert from "node:assert/strict";
import type { Point } from "../../shared/geometry.ts";
import {
  crossingDirection,
  CrossingTracker,
  farEdges,
  type Line,
  pointInPolygon,
  polygonArea,
  polygonCentroid,
  segmentInPolygon,
  segmentsIntersect,
  sideOfLine,
  toPixels,
} from "./zone_geometry.ts";

// A "U": two prongs (x 0-3 and 7-10) joined by a base at y 7-10 (y down). The notch x 3-7,
// y 0-7 is outside although it lies inside the convex hull.
const U: Point[] = [[0, 0], [3, 0], [3, 7], [7, 7], [7, 0], [10, 0], [10, 10], [0, 10]];

Deno.test("pointInPolygon: concave polygon, notch is outside", () => {
  assert.equal(pointInPolygon([1.5, 3], U), true); // left prong
  assert.equal(pointInPolygon([8.5, 3], U), true); // right prong
  assert.equal(pointInPolygon([5, 8.5], U), true); // base
  assert.equal(pointInPolygon([5, 3], U), false); // notch
  assert.equal(pointInPolygon([5, 6.99], U), false);
  assert.equal(pointInPolygon([11, 5], U), false);
  assert.equal(pointInPolygon([-1, 5], U), false);
  // A horizontal ray through a vertex must not double count (y = 7 passes the notch corners).
  assert.equal(pointInPolygon([1, 7], U), true);
  assert.equal(pointInPolygon([5, 7.5], U), true);
});

Deno.test("pointInPolygon: half-open edges, so adjacent polygons never both claim a point", () => {
  const a: Point[] = [[0, 0], [5, 0], [5, 5], [0, 5]];
  const b: Point[] = [[5, 0], [10, 0], [10, 5], [5, 5]];
  for (const y of [0.5, 2.5, 4.9]) {
    const inA = pointInPolygon([5, y], a), inB = pointInPolygon([5, y], b);
    assert.equal(Number(inA) + Number(inB), 1, `shared edge at y=${y}`);
  }
});

Deno.test("area and centroid; degenerate polygon falls back to the vertex mean", () => {
  const sq: Point[] = [[0, 0], [4, 0], [4, 2], [0, 2]];
  assert.equal(Math.abs(polygonArea(sq)), 8);
  assert.deepEqual(polygonCentroid(sq), [2, 1]);
  // Winding does not matter.
  assert.deepEqual(polygonCentroid([...sq].reverse()), [2, 1]);
  const c = polygonCentroid(U);
  assert.ok(Math.abs(c[0] - 5) < 1e-9);
  assert.ok(Math.abs(c[1] - 402 / 72) < 1e-9); // (100 * 5 - 28 * 3.5) / 72
  // A concave zone's centroid can be outside it; it is only used to tell which side it is on.
  assert.equal(pointInPolygon(c, U), false);
  assert.deepEqual(polygonCentroid([[0, 0], [2, 2], [4, 4]]), [2, 2]);
});

Deno.test("sideOfLine and toPixels", () => {
  const l: Line = [[0, 0], [0, 10]]; // vertical, pointing down
  assert.equal(sideOfLine([1, 5], l), -1);
  assert.equal(sideOfLine([-1, 5], l), 1);
  assert.equal(sideOfLine([0, 50], l), 0); // on the extension: collinear
  assert.deepEqual(toPixels([[0.5, 0.25]] as Point[], 768, 576), [[384, 144]]);
});

Deno.test("segmentsIntersect: proper, touching, collinear overlap and disjoint", () => {
  assert.equal(segmentsIntersect([0, 0], [2, 2], [0, 2], [2, 0]), true);
  assert.equal(segmentsIntersect([0, 0], [1, 1], [1, 1], [2, 0]), true); // touching end points
  assert.equal(segmentsIntersect([0, 0], [4, 0], [2, 0], [6, 0]), true); // collinear overlap
  assert.equal(segmentsIntersect([0, 0], [1, 0], [2, 0], [3, 0]), false); // collinear, apart
  assert.equal(segmentsIntersect([0, 0], [1, 0], [0, 1], [1, 1]), false); // parallel
  assert.equal(segmentsIntersect([0, 0], [2, 0], [1, 0], [1, 5]), true); // T junction
});

Deno.test("crossingDirection: sign gives the side arrived on; the segment's ends limit it", () => {
  const line: Line = [[5, 0], [5, 10]];
  const right = crossingDirection([0, 5], [10, 5], line);
  const left = crossingDirection([10, 5], [0, 5], line);
  assert.notEqual(right, 0);
  assert.equal(left, -right);
  assert.equal(right, sideOfLine([10, 5], line));
  // Beyond the end of the segment (y 20): crosses the infinite line, not the drawn one.
  assert.equal(crossingDirection([0, 20], [10, 20], line), 0);
  // Through the segment's end point exactly: counts (closed segment).
  assert.equal(crossingDirection([0, 10], [10, 10], line), right);
  // Moving along the line, or starting/ending on it: not a crossing by itself.
  assert.equal(crossingDirection([5, 1], [5, 9], line), 0);
  assert.equal(crossingDirection([0, 5], [5, 5], line), 0);
  // Same side: no crossing.
  assert.equal(crossingDirection([0, 5], [4, 9], line), 0);
});

Deno.test("CrossingTracker: resting on the line then going back is no crossing; through is one", () => {
  const line: Line = [[5, 0], [5, 10]];
  const t = new CrossingTracker();
  const seq = (pts: Point[]) => pts.map((p) => t.step(p, line));
  assert.deepEqual(seq([[0, 5], [5, 5], [5, 5], [3, 5]]), [0, 0, 0, 0]); // touch and back
  const r = seq([[5, 5], [8, 5]]); // onto the line again, then across
  assert.equal(r[0], 0);
  assert.equal(r[1], sideOfLine([8, 5], line));
  assert.deepEqual(seq([[9, 5], [9, 6]]), [0, 0]); // already across: reported once
  t.reset();
  assert.equal(t.step([0, 5], line), 0); // no anchor after reset
});

Deno.test("segmentInPolygon: where a move enters and last leaves a polygon", () => {
  const sq: Point[] = [[0, 0], [10, 0], [10, 10], [0, 10]];
  // Straight through, both ends outside: enters at x 0 (u 0.25), leaves at x 10 (u 0.75).
  assert.deepEqual(segmentInPolygon([-5, 5], [15, 5], sq), { enter: 0.25, leave: 0.75 });
  // Starting inside: enters at 0.
  assert.deepEqual(segmentInPolygon([5, 5], [15, 5], sq), { enter: 0, leave: 0.5 });
  // Missing it: null.
  assert.equal(segmentInPolygon([-5, 12], [15, 12], sq), null);
  // Across the U's notch (y 3): in the left prong, out through the notch, in the right prong;
  // the first entry and the last exit.
  assert.deepEqual(segmentInPolygon([-2, 3], [12, 3], U), { enter: 2 / 14, leave: 12 / 14 });
  // Through the notch only (outside throughout): null.
  assert.equal(segmentInPolygon([5, -1], [5, 6], U), null);
});

Deno.test("farEdges: the edges facing along a direction, whichever way the polygon winds", () => {
  const sq: Point[] = [[0, 0], [10, 0], [10, 10], [0, 10]];
  // Looking down (+y): the bottom edge only; the sides are at 90°, the top faces back.
  assert.deepEqual(farEdges(sq, [0, 1]), [[[10, 10], [0, 10]]]);
  assert.deepEqual(farEdges([...sq].reverse(), [0, 1]), [[[0, 10], [10, 10]]]);
  // A slanted far edge (the oblique zone of a roadside camera) still faces +y within 60°.
  const slanted: Point[] = [[0, 0], [10, 0], [10, 16], [0, 10]];
  assert.deepEqual(farEdges(slanted, [0, 1]), [[[10, 16], [0, 10]]]);
  // Looking along the diagonal: the right and bottom edges (45° each).
  assert.equal(farEdges(sq, [1, 1]).length, 2);
});
