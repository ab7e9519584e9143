import assert from "node:assert/strict";
import { makeTick } from "../../../shared/testing/ticks.ts";
import { dispatchTickMessage, type TickCallbacks } from "./tick_source.ts";

Deno.test("dispatchTickMessage: schema-checked ticks, status, versioned events; else invalid", () => {
  const got: string[] = [];
  const cb: TickCallbacks = {
    onTick: (t) => got.push(`tick ${t.seq}`),
    onStatus: (s) => got.push(`status ${s}`),
    onEvent: (e) => got.push(`event ${e.type}`),
  };
  const tick = makeTick("cam_01", 9);
  const status = (analyzer: string) => ({ v: 1, type: "status", camera: "cam_01", analyzer });
  const cases: [unknown, boolean][] = [
    [tick, true],
    [{ ...tick, seq: -1 }, false],
    [{ ...tick, v: 2 }, false],
    [status("online"), true],
    [status("sleeping"), true], // a status we do not know: ignored, not invalid
    [{ v: 1, type: "track_event" }, true],
    [{ type: "pass" }, false],
    ["tick", false],
    [null, false],
  ];
  assert.deepEqual(cases.map(([msg]) => dispatchTickMessage(msg, cb)), cases.map(([, ok]) => ok));
  assert.deepEqual(got, ["tick 9", "status online", "event track_event"]);
});
