import assert from "node:assert/strict";
import { VERDICTS, VerdictSchema } from "./verdict.ts";

Deno.test("verdict: the three verdicts, and nothing else parses", () => {
  assert.deepEqual([...VERDICTS], ["full_stop", "rolling_stop", "no_stop"]);
  for (const v of VERDICTS) assert.equal(VerdictSchema.parse(v), v);
  assert.equal(VerdictSchema.safeParse("parked").success, false);
  assert.equal(VerdictSchema.safeParse("FULL_STOP").success, false);
});
