import assert from "node:assert/strict";
import { parseRoute, routeHash } from "./router.ts";

Deno.test("routes", () => {
  assert.equal(parseRoute("").page, "live");
  assert.equal(parseRoute("#/mosaic?live=4").page, "mosaic");
  assert.equal(parseRoute("#/mosaic?live=4").params.get("live"), "4");
  assert.equal(parseRoute("#/live?camera=cam_02").params.get("camera"), "cam_02");
  const r = parseRoute("#/passes/cam_02%3A17?x=1");
  assert.equal(r.page, "pass");
  assert.equal(r.page === "pass" && r.id, "cam_02:17");
  assert.equal(parseRoute("#/passes?verdict=no_stop").params.get("verdict"), "no_stop");
  assert.equal(parseRoute("#/stats/").page, "stats");
  assert.equal(routeHash("passes", { verdict: "no_stop", camera: "" }), "#/passes?verdict=no_stop");
  assert.equal(routeHash("stats"), "#/stats");
  const report = parseRoute("#/report?camera=cam_01&bin=1h");
  assert.equal(report.page, "report");
  assert.equal(report.params.get("bin"), "1h");
  assert.equal(parseRoute("#/records").page, "records");
});
