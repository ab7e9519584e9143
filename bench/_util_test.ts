import assert from "node:assert/strict";
import { metricLines } from "../shared/metrics.ts";
import { percentile, rssByKind, rssMiB, stageQuantiles } from "./_util.ts";

Deno.test("bench util: percentile is nearest rank over a copy", () => {
  const xs = [5, 1, 4, 2, 3];
  assert.equal(percentile(xs, 50), 3);
  assert.equal(percentile(xs, 99), 5);
  assert.deepEqual(xs, [5, 1, 4, 2, 3]);
  assert.ok(Number.isNaN(percentile([], 50)));
});

Deno.test("bench util: stage quantiles read back from the analyzer's metric text", () => {
  const text = metricLines("stopline_stage_ms", "summary", "x", [
    { labels: { camera: "cam_01", stage: "infer", quantile: "0.5" }, value: 16 },
    { labels: { camera: "cam_01", stage: "infer", quantile: "0.95" }, value: 26 },
    { labels: { camera: "cam_01", stage: "infer", quantile: "0.99" }, value: 35 },
    { labels: { camera: "cam_02", stage: "infer", quantile: "0.5" }, value: 99 },
  ]);
  assert.deepEqual(stageQuantiles(text, "cam_01"), [{ stage: "infer", p50: 16, p95: 26, p99: 35 }]);
});

Deno.test("bench util: memory by kind adds up to the RSS", () => {
  const before = rssByKind(Deno.pid);
  const total = rssMiB("self");
  assert.ok(Math.abs(before.total - total) < total * 0.1, `${before.total} vs ${total}`);
  assert.ok(before.files > 0 && before.otherAnon > 0);
  assert.equal(
    Math.round(before.malloc + before.otherAnon + before.files),
    Math.round(before.total),
  );
});
