import assert from "node:assert/strict";
import { gaugeLines } from "../../shared/gauges.ts";
import { makeTick } from "../../shared/testing/ticks.ts";
import { relayGauges } from "./relay_gauges.ts";
import { TickHub } from "./tick_hub.ts";

Deno.test("relay gauges: queue depth and the tick age per camera that has ticked", () => {
  let now = 5_000;
  const hub = new TickHub({ now: () => now });
  hub.publish(JSON.stringify(makeTick("cam_01", 1)));
  now += 1_250;
  const socket = { readyState: 1, bufferedAmount: 4096, send() {}, close() {} };
  hub.add(socket, "cam_01");
  hub.add({ ...socket, bufferedAmount: 0 }, "cam_09");
  const text = gaugeLines(relayGauges(hub));
  assert.match(text, /^stopline_relay_queued_bytes 4096$/m);
  assert.match(text, /^stopline_relay_tick_age_ms\{camera="cam_01"\} 1250$/m);
  assert.doesNotMatch(text, /cam_09/, "a camera that never ticked has no age");
});
