import assert from "node:assert/strict";
import { startOtlpReceiver } from "../dev/testing/otlp_receiver.ts";
import { type Gauge, gaugeLines, observeGauges } from "./gauges.ts";
import { startTelemetry, stopTelemetry } from "./telemetry.ts";

function _gauges(value: () => number): Gauge[] {
  return [{
    name: "stopline_decode_age_ms",
    help: "Time since the last decode, ms.",
    unit: "ms",
    samples: () => [
      { labels: { camera: "cam_01" }, value: value() },
      { labels: { camera: "cam_02" }, value: NaN },
    ],
  }];
}

Deno.test("gauges: Prometheus text and OTLP metrics read the same samples at collection time", async () => {
  let v = 120;
  const gauges = _gauges(() => v);
  assert.match(gaugeLines(gauges), /^# TYPE stopline_decode_age_ms gauge$/m);
  assert.match(gaugeLines(gauges), /^stopline_decode_age_ms\{camera="cam_01"\} 120$/m);

  const receiver = startOtlpReceiver();
  try {
    const env: Record<string, string> = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url };
    const telemetry = (await startTelemetry((n) => env[n], "stopline-test"))!;
    observeGauges(telemetry.meter, gauges);
    v = 345;
    await telemetry.forceFlush();
    const points = receiver.points.filter((p) => p.metric === "stopline_decode_age_ms");
    assert.deepEqual(points.map((p) => [p.attributes.camera, p.value]), [["cam_01", 345]]);
    assert.equal(points[0].resource["service.name"], "stopline-test");
  } finally {
    await stopTelemetry();
    await receiver.close();
  }
});
