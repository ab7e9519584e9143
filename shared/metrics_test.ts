import assert from "node:assert/strict";
import { metricLines } from "./metrics.ts";

Deno.test("metricLines renders Prometheus text", () => {
  const text = metricLines("stopline_fps", "gauge", "Processed frames per second.", [
    { labels: { camera: "cam_01" }, value: 14.9 },
    { labels: { camera: "cam_02" }, value: NaN },
  ]);
  assert.equal(
    text,
    '# HELP stopline_fps Processed frames per second.\n# TYPE stopline_fps gauge\nstopline_fps{camera="cam_01"} 14.9\nstopline_fps{camera="cam_02"} 0\n',
  );
});
