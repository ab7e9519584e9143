/**
 * The hand-labelled truth of the real clips (samples/*.truth.json, issue #12): where a labelled
 * vehicle is at a time and how far a box's bottom centre lies from it. Shared by
 * analyzer/real_footage_test.ts (which track stayed on which vehicle, which pass is whose) and
 * bench/real_recall.ts (which vehicle-frames the detector boxes). Not a test file itself.
 */

/** [t_s, bottom-centre x, bottom y, width], normalized to the frame; one point for a parked car. */
export type PathPoint = [number, number, number, number];

/** A labelled path at time t_s: [x, y, width], linear between points, held at the ends. */
export function pathAt(path: readonly PathPoint[], t_s: number): [number, number, number] {
  const i = path.findIndex((p) => p[0] >= t_s);
  if (i <= 0) {
    return i === 0
      ? [path[0][1], path[0][2], path[0][3]]
      : [...path.at(-1)!.slice(1)] as [number, number, number];
  }
  const [a, b] = [path[i - 1], path[i]];
  const f = (t_s - a[0]) / (b[0] - a[0]);
  return [1, 2, 3].map((k) => a[k] + f * (b[k] - a[k])) as [number, number, number];
}

/**
 * How far a bottom centre (bx, by, normalized) lies from a path at t_s, in the vehicle's widths,
 * px on both axes (`aspect`: frame width / height). Under 0.5: on that vehicle.
 */
export function offPath(
  path: readonly PathPoint[],
  t_s: number,
  bx: number,
  by: number,
  aspect: number,
): number {
  const [x, y, w] = pathAt(path, t_s);
  return Math.hypot(bx - x, (by - y) / aspect) / w;
}
