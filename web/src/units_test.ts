import assert from "node:assert/strict";
import { fieldName, fieldTitle, fmtField, unitOf } from "./units.ts";

Deno.test("units: the unit is read off the field name, longest suffix first", () => {
  assert.equal(unitOf("min_speed_px_s"), "px/s");
  assert.equal(unitOf("speed_mps"), "m/s");
  assert.equal(unitOf("infer_ms"), "ms");
  assert.equal(unitOf("stop_duration_s"), "s");
  assert.equal(unitOf("label"), "");
});

Deno.test("units: names and titles drop the suffix and show the unit once", () => {
  assert.equal(fieldName("entry_speed_px_s"), "entry speed");
  assert.equal(fieldName("time_in_zone_s"), "time in zone");
  assert.equal(fieldName("label"), "label");
  assert.equal(fieldTitle("min_speed_px_s"), "min speed (px/s)");
  assert.equal(fieldTitle("camera"), "camera");
});

Deno.test("units: values carry their field's unit; unknown values are a dash", () => {
  assert.equal(fmtField("min_speed_px_s", 0.06, 1), "0.1 px/s");
  assert.equal(fmtField("stop_duration_s", 3.04, 2), "3.04 s");
  assert.equal(fmtField("speed_px_s", 11.6, 0, ""), "12px/s");
  assert.equal(fmtField("entry_speed_mps", 2.5, 1), "2.5 m/s");
  assert.equal(fmtField("min_speed_px_s", null), "–");
  assert.equal(fmtField("min_speed_px_s", NaN), "–");
});
