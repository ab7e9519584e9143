import assert from "node:assert/strict";
import { hungarian, linearAssignment } from "./assignment.ts";
import { seededRandom } from "../../shared/testing/prng.ts";

/** Exhaustive optimum of the limited-cost problem (unmatched side costs maxCost / 2). */
function _brute(cost: number[][], cols: number, maxCost: number): number {
  const rows = cost.length;
  let best = Infinity;
  const used = new Array(cols).fill(false);
  const rec = (r: number, acc: number) => {
    if (r === rows) {
      const unmatchedCols = used.filter((u) => !u).length;
      best = Math.min(best, acc + (unmatchedCols * maxCost) / 2);
      return;
    }
    rec(r + 1, acc + maxCost / 2); // row r unmatched
    for (let c = 0; c < cols; c++) {
      if (used[c] || !(cost[r][c] <= maxCost)) continue;
      used[c] = true;
      rec(r + 1, acc + cost[r][c]);
      used[c] = false;
    }
  };
  rec(0, 0);
  return best;
}

function _total(
  cost: number[][],
  maxCost: number,
  res: ReturnType<typeof linearAssignment>,
): number {
  let total = 0;
  for (const [r, c] of res.matches) total += cost[r][c];
  return total + ((res.unmatchedRows.length + res.unmatchedCols.length) * maxCost) / 2;
}

Deno.test("hungarian: solves a known square problem", () => {
  const a = new Float64Array([4, 1, 3, 2, 0, 5, 3, 2, 2]);
  assert.deepEqual([...hungarian(a, 3)], [1, 0, 2]);
});

Deno.test("linearAssignment: optimal where greedy is not", () => {
  // Greedy takes (0,0) at 0.1 and leaves row 1 unmatched; optimal is (0,1) + (1,0).
  const cost = [[0.1, 0.3], [0.35, 1]];
  const res = linearAssignment(cost, 2, 0.8);
  assert.deepEqual(res.matches, [[0, 1], [1, 0]]);
  assert.deepEqual(res.unmatchedRows, []);
});

Deno.test("linearAssignment: forbidden pairs (over maxCost or NaN) are never matched", () => {
  const cost = [[0.9, NaN], [NaN, 0.2]];
  const res = linearAssignment(cost, 2, 0.8);
  assert.deepEqual(res.matches, [[1, 1]]);
  assert.deepEqual(res.unmatchedRows, [0]);
  assert.deepEqual(res.unmatchedCols, [0]);
  assert.deepEqual(linearAssignment([], 3, 0.8).unmatchedCols, [0, 1, 2]);
  assert.deepEqual(linearAssignment([new Float64Array(0)], 0, 0.8).unmatchedRows, [0]);
});

Deno.test("linearAssignment: matches the exhaustive optimum on random problems", () => {
  const rng = seededRandom(42);
  for (let trial = 0; trial < 300; trial++) {
    const rows = 1 + Math.floor(rng() * 5);
    const cols = 1 + Math.floor(rng() * 5);
    const maxCost = 0.8;
    const cost = Array.from(
      { length: rows },
      () => Array.from({ length: cols }, () => (rng() < 0.4 ? 1 : rng())),
    );
    const res = linearAssignment(cost, cols, maxCost);
    const got = _total(cost, maxCost, res);
    const want = _brute(cost, cols, maxCost);
    assert.ok(Math.abs(got - want) < 1e-9, `trial ${trial}: ${got} vs ${want}`);
    const rs = new Set(res.matches.map((m) => m[0]));
    const cs = new Set(res.matches.map((m) => m[1]));
    assert.equal(rs.size, res.matches.length);
    assert.equal(cs.size, res.matches.length);
  }
});
