/**
 * Optimal linear assignment with a cost limit, as ByteTrack uses it (`lap.lapjv(extend_cost=True,
 * cost_limit=thresh)`): minimise the summed cost of the matched pairs, where a pair costing more
 * than `maxCost` is forbidden and leaving a row or a column unmatched costs `maxCost / 2`. So a
 * pair is only made when it is cheaper than leaving both sides alone, and the result is optimal
 * (not greedy): greedy highest-IoU-first can steal a box from the track it belongs to when two
 * vehicles overlap while crossing.
 *
 * The solver is the Hungarian method with potentials (shortest augmenting paths, O(n^3)). Most
 * tracking frames decompose into many tiny independent problems (a track only competes with the
 * detections it overlaps), so the feasible pairs are split into connected components first and
 * 1x1 components are settled without the solver; that keeps 50 tracks well under a millisecond.
 */

export interface AssignmentResult {
  /** [row, col] pairs, rows ascending. */
  matches: [number, number][];
  unmatchedRows: number[];
  unmatchedCols: number[];
}

/**
 * Assign rows to columns of `cost` (rows x cols, row-major arrays), minimising total cost.
 * Entries `> maxCost` (or NaN) are forbidden.
 */
export function linearAssignment(
  cost: ArrayLike<number>[],
  cols: number,
  maxCost: number,
): AssignmentResult {
  const rows = cost.length;
  const matches: [number, number][] = [];
  const rowMatched = new Uint8Array(rows);
  const colMatched = new Uint8Array(cols);
  if (rows > 0 && cols > 0) {
    for (const comp of _components(cost, cols, maxCost)) {
      if (comp.rows.length === 1 && comp.cols.length === 1) {
        // The only feasible pair of this component: a match is cheaper than two unmatched sides.
        matches.push([comp.rows[0], comp.cols[0]]);
        continue;
      }
      for (const [r, c] of _solveExtended(cost, comp.rows, comp.cols, maxCost)) {
        matches.push([r, c]);
      }
    }
  }
  matches.sort((a, b) => a[0] - b[0]);
  for (const [r, c] of matches) {
    rowMatched[r] = 1;
    colMatched[c] = 1;
  }
  const unmatchedRows: number[] = [];
  for (let r = 0; r < rows; r++) if (!rowMatched[r]) unmatchedRows.push(r);
  const unmatchedCols: number[] = [];
  for (let c = 0; c < cols; c++) if (!colMatched[c]) unmatchedCols.push(c);
  return { matches, unmatchedRows, unmatchedCols };
}

function _feasible(v: number, maxCost: number): boolean {
  return v <= maxCost; // false for NaN too
}

/** Connected components of the bipartite graph of feasible pairs (isolated nodes omitted). */
function _components(
  cost: ArrayLike<number>[],
  cols: number,
  maxCost: number,
): { rows: number[]; cols: number[] }[] {
  const rows = cost.length;
  const rowComp = new Int32Array(rows).fill(-1);
  const colComp = new Int32Array(cols).fill(-1);
  const out: { rows: number[]; cols: number[] }[] = [];
  for (let start = 0; start < rows; start++) {
    if (rowComp[start] >= 0) continue;
    let any = false;
    for (let c = 0; c < cols && !any; c++) any = _feasible(cost[start][c], maxCost);
    if (!any) continue;
    const comp = { rows: [] as number[], cols: [] as number[] };
    const id = out.length;
    out.push(comp);
    // Alternate BFS over rows and columns; `stack` holds rows to expand.
    const stack = [start];
    rowComp[start] = id;
    while (stack.length > 0) {
      const r = stack.pop()!;
      comp.rows.push(r);
      for (let c = 0; c < cols; c++) {
        if (colComp[c] >= 0 || !_feasible(cost[r][c], maxCost)) continue;
        colComp[c] = id;
        comp.cols.push(c);
        for (let r2 = 0; r2 < rows; r2++) {
          if (rowComp[r2] < 0 && _feasible(cost[r2][c], maxCost)) {
            rowComp[r2] = id;
            stack.push(r2);
          }
        }
      }
    }
  }
  return out;
}

/**
 * Solve one component on the extended square matrix of size n + m:
 * [ C  | L/2 ]
 * [ L/2|  0  ]  where forbidden entries of C are a large finite number.
 * A row assigned to the right block (or a column to the bottom block) stays unmatched.
 */
function _solveExtended(
  cost: ArrayLike<number>[],
  rows: number[],
  cols: number[],
  maxCost: number,
): [number, number][] {
  const n = rows.length;
  const m = cols.length;
  const size = n + m;
  const half = maxCost / 2;
  // Larger than any sum of feasible costs, finite so potentials stay exact.
  const big = (Math.abs(maxCost) + 1) * (size + 1) * 4;
  const a = new Float64Array(size * size);
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < size; j++) {
      let v: number;
      if (i < n && j < m) {
        const c = cost[rows[i]][cols[j]];
        v = _feasible(c, maxCost) ? c : big;
      } else if (i >= n && j >= m) v = 0;
      else v = half;
      a[i * size + j] = v;
    }
  }
  const assign = hungarian(a, size);
  const out: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    const j = assign[i];
    if (j < m && _feasible(cost[rows[i]][cols[j]], maxCost)) out.push([rows[i], cols[j]]);
  }
  return out;
}

/**
 * Minimum-cost perfect assignment of a square `size x size` matrix (row-major).
 * Returns for each row its column. Hungarian method with potentials (e-maxx formulation).
 */
export function hungarian(a: Float64Array, size: number): Int32Array {
  const INF = Number.POSITIVE_INFINITY;
  // 1-based arrays; index 0 is the virtual start column.
  const u = new Float64Array(size + 1);
  const v = new Float64Array(size + 1);
  const p = new Int32Array(size + 1); // p[j] = row matched to column j
  const way = new Int32Array(size + 1);
  const minv = new Float64Array(size + 1);
  const used = new Uint8Array(size + 1);
  for (let i = 1; i <= size; i++) {
    p[0] = i;
    let j0 = 0;
    minv.fill(INF);
    used.fill(0);
    do {
      used[j0] = 1;
      const i0 = p[j0];
      let delta = INF;
      let j1 = 0;
      const rowOff = (i0 - 1) * size;
      for (let j = 1; j <= size; j++) {
        if (used[j]) continue;
        const cur = a[rowOff + j - 1] - u[i0] - v[j];
        if (cur < minv[j]) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      for (let j = 0; j <= size; j++) {
        if (used[j]) {
          u[p[j]] += delta;
          v[j] -= delta;
        } else minv[j] -= delta;
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0 !== 0);
  }
  const rowToCol = new Int32Array(size);
  for (let j = 1; j <= size; j++) if (p[j] > 0) rowToCol[p[j] - 1] = j - 1;
  return rowToCol;
}
