import assert from "node:assert/strict";
import { encodePassEvent, parseRealtimeMessage } from "./events.ts";
import { makeTick } from "./testing/ticks.ts";

const _pass = {
  id: "cam_02:600:3",
  camera: "cam_02",
  track_id: 3,
  label: "truck",
  verdict: "full_stop" as const,
  entered_at: 3100,
  exited_at: 8800,
  time_in_zone_s: 5.7,
  stop_duration_s: 3.1,
  min_speed_px_s: 0.06,
  entry_speed_px_s: 118.5,
  image: "minio://stopline/passes/cam_02/1970-01-01/x.jpg",
};

Deno.test("a pass event carries the summary only and validates", () => {
  const text = encodePassEvent(
    { ..._pass, quality: { samples: 82 }, samples: [1, 2] } as typeof _pass,
  );
  const msg = JSON.parse(text);
  assert.deepEqual(msg, { v: 1, type: "pass", camera: "cam_02", ts: 8800, pass: _pass });
  assert.equal(parseRealtimeMessage(msg).ok, true);
  assert.throws(() => encodePassEvent({ ..._pass, verdict: "maybe" as "full_stop" }));
});

Deno.test("parseRealtimeMessage dispatches by type and names bad fields", () => {
  assert.equal(parseRealtimeMessage(makeTick("cam_01", 1)).ok, true);
  const bad = parseRealtimeMessage({
    v: 1,
    type: "pass",
    camera: "cam_01",
    ts: 1,
    pass: { ..._pass, image: "/etc/x" },
  });
  assert.deepEqual(bad.ok, false);
  assert.match((bad as { error: string }).error, /^pass\.image:/);
  assert.match(
    (parseRealtimeMessage({ type: "nope" }) as { error: string }).error,
    /unknown message type/,
  );
  assert.equal(parseRealtimeMessage(null).ok, false);
});
