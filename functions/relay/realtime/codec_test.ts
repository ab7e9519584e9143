import assert from "node:assert/strict";
import {
  decodeBinaryPush,
  decodeText,
  encode,
  encodeBroadcast,
  encodeReply,
  FrameError,
  isVsn,
} from "./codec.ts";

Deno.test("codec decodes both serializers and re-encodes them losslessly", () => {
  const v2 =
    '["1","2","realtime:camera:cam_01","phx_join",{"config":{"broadcast":{"self":false}}}]';
  const m2 = decodeText("2.0.0", v2);
  assert.deepEqual(m2, {
    joinRef: "1",
    ref: "2",
    topic: "realtime:camera:cam_01",
    event: "phx_join",
    payload: { config: { broadcast: { self: false } } },
  });
  assert.equal(encode("2.0.0", m2), v2);

  const v1 = '{"topic":"phoenix","event":"heartbeat","payload":{},"ref":"7"}';
  const m1 = decodeText("1.0.0", v1);
  assert.deepEqual(m1, {
    joinRef: null,
    ref: "7",
    topic: "phoenix",
    event: "heartbeat",
    payload: {},
  });
  assert.deepEqual(JSON.parse(encode("1.0.0", m1)), { join_ref: null, ...JSON.parse(v1) });
  assert.ok(isVsn("2.0.0") && isVsn("1.0.0") && !isVsn("3.0.0"));
});

Deno.test("codec rejects malformed frames with 1007", () => {
  const bad: [string, string][] = [
    ["2.0.0", "not json"],
    ["2.0.0", '{"topic":"phoenix","event":"heartbeat","payload":{},"ref":"1"}'], // v1 shape on v2
    ["2.0.0", '[null,"1","phoenix","heartbeat"]'],
    ["2.0.0", '[null,1,"phoenix","heartbeat",{}]'], // numeric ref
    ["2.0.0", '[null,"1","","heartbeat",{}]'],
    ["2.0.0", `[null,"1","${"t".repeat(256)}","heartbeat",{}]`],
    ["2.0.0", '[null,"1","phoenix","heartbeat",[]]'],
    ["1.0.0", '[null,"1","phoenix","heartbeat",{}]'], // v2 shape on v1
    ["1.0.0", '{"topic":"phoenix","event":"heartbeat","payload":"x","ref":"1"}'],
  ];
  for (const [vsn, text] of bad) {
    assert.throws(
      () => decodeText(vsn as "1.0.0" | "2.0.0", text),
      (e) => e instanceof FrameError && e.code === 1007,
      text,
    );
  }
});

Deno.test("codec encodes replies and Supabase-style broadcasts", () => {
  const to = { joinRef: "3", ref: "4", topic: "realtime:camera:cam_01" };
  assert.deepEqual(JSON.parse(encodeReply("2.0.0", to, "error", { reason: "no" })), [
    "3",
    "4",
    "realtime:camera:cam_01",
    "phx_reply",
    { status: "error", response: { reason: "no" } },
  ]);
  const tick = '{"v":1,"type":"tick","camera":"cam_01","seq":9}';
  assert.deepEqual(JSON.parse(encodeBroadcast("2.0.0", "3", to.topic, "tick", tick)), [
    "3",
    null,
    "realtime:camera:cam_01",
    "broadcast",
    { type: "broadcast", event: "tick", payload: JSON.parse(tick) },
  ]);
  assert.deepEqual(JSON.parse(encodeBroadcast("1.0.0", "3", to.topic, "tick", tick)), {
    join_ref: "3",
    ref: null,
    topic: "realtime:camera:cam_01",
    event: "broadcast",
    payload: { type: "broadcast", event: "tick", payload: JSON.parse(tick) },
  });
});

/** A vsn 2.0.0 "user broadcast push" frame, laid out as realtime-js's serializer writes it. */
function _userBroadcastPush(
  joinRef: string,
  ref: string,
  topic: string,
  event: string,
): Uint8Array {
  const enc = new TextEncoder();
  const [j, r, t, e] = [joinRef, ref, topic, event].map((s) => enc.encode(s));
  const body = enc.encode('{"x":1}');
  const out = new Uint8Array(7 + j.length + r.length + t.length + e.length + body.length);
  out.set([3, j.length, r.length, t.length, e.length, 0, 1]);
  let o = 7;
  for (const part of [j, r, t, e, body]) {
    out.set(part, o);
    o += part.length;
  }
  return out;
}

Deno.test("codec reads the routing header of a binary client broadcast and refuses other binary", () => {
  const frame = _userBroadcastPush("1", "5", "realtime:camera:cam_01", "shout");
  assert.deepEqual(decodeBinaryPush(frame), {
    joinRef: "1",
    ref: "5",
    topic: "realtime:camera:cam_01",
    event: "shout",
  });
  assert.throws(
    () => decodeBinaryPush(new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7])),
    (e) => e instanceof FrameError && e.code === 1003,
  );
  assert.throws(
    () => decodeBinaryPush(frame.subarray(0, 12)),
    (e) => e instanceof FrameError && e.code === 1007,
  );
});
