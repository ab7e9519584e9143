import assert from "node:assert/strict";
import type { Tick } from "../../../shared/tick.ts";
import { TickSocket } from "./tick_socket.ts";

Deno.test("tick socket validates ticks and dispatches status and events", () => {
  const ticks: Tick[] = [];
  const statuses: string[] = [];
  const events: unknown[] = [];
  const s = new TickSocket({
    url: "ws://unused",
    onTick: (t) => ticks.push(t),
    onStatus: (a) => statuses.push(a),
    onEvent: (e) => events.push(e),
  });
  const good = {
    v: 1,
    type: "tick",
    camera: "cam_01",
    seq: 3,
    ts: 1,
    frame: { w: 10, h: 10 },
    space: "source",
    tracks: [{ id: 1, label: "car", conf: 0.5, bbox: [0, 0, 0.5, 0.5] }],
    stats: { fps: 1, infer_ms: 1, lag_ms: 1, dropped: 0 },
  };
  s.handleMessage(JSON.stringify(good));
  s.handleMessage(JSON.stringify({ ...good, tracks: [{ ...good.tracks[0], bbox: [0, 0, 2, 1] }] }));
  s.handleMessage("not json");
  s.handleMessage(JSON.stringify({ v: 1, type: "status", camera: "cam_01", analyzer: "offline" }));
  s.handleMessage(JSON.stringify({ v: 1, type: "pass", camera: "cam_01" }));
  s.handleMessage(JSON.stringify({ type: "tick" }));
  assert.equal(ticks.length, 1);
  assert.equal(ticks[0].seq, 3);
  assert.deepEqual(statuses, ["offline"]);
  assert.equal(events.length, 1);
  assert.equal(s.invalid, 3);
});
