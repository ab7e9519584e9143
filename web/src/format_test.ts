import assert from "node:assert/strict";
import { fmtNum, isoToLocalInput, localInputToIso, verdictText } from "./format.ts";

Deno.test("format: verdicts, numbers, datetime-local round trip", () => {
  assert.equal(verdictText("rolling_stop"), "rolling stop");
  assert.equal(fmtNum(3.04, 1, " s"), "3.0 s");
  assert.equal(fmtNum(null), "–");
  const iso = localInputToIso("2026-11-21T08:05");
  assert.equal(isoToLocalInput(iso), "2026-11-21T08:05");
  assert.equal(localInputToIso(""), "");
});
