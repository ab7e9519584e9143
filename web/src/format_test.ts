import assert from "node:assert/strict";
import {
  fmtNum,
  fmtRoadSpeed,
  isoToLocalInput,
  localInputToIso,
  unitsOf,
  verdictText,
} from "./format.ts";

Deno.test("format: verdicts, numbers, datetime-local round trip", () => {
  assert.equal(verdictText("rolling_stop"), "rolling stop");
  assert.equal(fmtNum(3.04, 1, " s"), "3.0 s");
  assert.equal(fmtNum(null), "–");
  const iso = localInputToIso("2026-11-21T08:05");
  assert.equal(isoToLocalInput(iso), "2026-11-21T08:05");
  assert.equal(localInputToIso(""), "");
});

Deno.test("format: road speeds in km/h or mph, by the config's units", () => {
  assert.equal(fmtRoadSpeed(10), "36 km/h");
  assert.equal(fmtRoadSpeed(10, "metric"), "36 km/h");
  assert.equal(fmtRoadSpeed(10, "imperial"), "22 mph");
  assert.equal(fmtRoadSpeed(0.4, "imperial"), "1 mph");
  assert.equal(fmtRoadSpeed(null), "–");
  assert.equal(fmtRoadSpeed(undefined, "imperial"), "–");
  assert.equal(unitsOf({ units: "imperial" }), "imperial");
  assert.equal(unitsOf({}), "metric");
  assert.equal(unitsOf(null), "metric");
});
