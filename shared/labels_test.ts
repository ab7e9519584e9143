import assert from "node:assert/strict";
import { DEFAULT_CLASSES, isVehicle, VEHICLE_LABELS } from "./labels.ts";

Deno.test("labels: one vehicle set, motorcycles included; default classes add people", () => {
  assert.deepEqual([...VEHICLE_LABELS], ["car", "truck", "bus", "motorcycle"]);
  assert.deepEqual([...DEFAULT_CLASSES], ["person", "car", "truck", "bus", "motorcycle"]);
  assert.ok(isVehicle("motorcycle") && isVehicle("bus"));
  assert.ok(!isVehicle("person") && !isVehicle("bicycle"));
  assert.throws(() => (VEHICLE_LABELS as string[]).push("boat"));
});
