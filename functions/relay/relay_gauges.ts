/**
 * The relay's links of seed 001's gauges: how deep its send queue is (bytes written to client
 * sockets, not yet sent) and, per camera, how long ago the newest tick reached it.
 */
import type { Gauge } from "../../shared/gauges.ts";
import type { TickHub } from "./tick_hub.ts";

export function relayGauges(hub: TickHub): Gauge[] {
  return [
    {
      name: "stopline_relay_queued_bytes",
      help: "Bytes queued to WebSocket clients and not yet sent (the relay's queue depth).",
      unit: "By",
      samples: () => [{ value: hub.queuedBytes() }],
    },
    {
      name: "stopline_relay_tick_age_ms",
      help: "Time since the camera's newest tick reached the relay, ms.",
      unit: "ms",
      samples: () =>
        hub.cameras().flatMap((camera) => {
          const age = hub.tickAgeMs(camera);
          return age === null ? [] : [{ labels: { camera }, value: age }];
        }),
    },
  ];
}
