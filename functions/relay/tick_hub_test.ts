import assert from "node:assert/strict";
import { makeTick } from "../../shared/testing/ticks.ts";
import { TickHub, type TickSocket } from "./tick_hub.ts";

class _Socket implements TickSocket {
  readyState = 1;
  bufferedAmount = 0;
  sent: string[] = [];
  closedWith: number | null = null;
  send(d: string) {
    this.sent.push(d);
  }
  close(code?: number) {
    this.closedWith = code ?? 1000;
    this.readyState = 3;
  }
}

Deno.test("hub sends status and latest tick on join, then live ticks for that camera only", () => {
  let now = 1000;
  const hub = new TickHub({ now: () => now });
  hub.publish(JSON.stringify(makeTick("cam_01", 1)));
  const a = new _Socket();
  hub.add(a, "cam_01");
  assert.equal(JSON.parse(a.sent[0]).analyzer, "online");
  assert.equal(JSON.parse(a.sent[1]).seq, 1);
  hub.publish(JSON.stringify(makeTick("cam_02", 5)));
  hub.publish(JSON.stringify(makeTick("cam_01", 2)));
  assert.deepEqual(a.sent.slice(2).map((s) => JSON.parse(s).seq), [2]);
  now += 5000;
  hub.checkLiveness();
  assert.equal(JSON.parse(a.sent.at(-1)!).analyzer, "offline");
});

Deno.test("hub drops ticks for a backed-up client and closes it when stuck, others unaffected", () => {
  let now = 0;
  const hub = new TickHub({ now: () => now, maxBufferedBytes: 100, stuckCloseMs: 1000 });
  const slow = new _Socket();
  const fast = new _Socket();
  hub.add(slow, "cam_01");
  hub.add(fast, "cam_01");
  slow.bufferedAmount = 10_000;
  for (let i = 1; i <= 20; i++) {
    now += 100;
    hub.publish(JSON.stringify(makeTick("cam_01", i)));
  }
  assert.equal(fast.sent.filter((s) => JSON.parse(s).type === "tick").length, 20);
  assert.equal(slow.sent.filter((s) => JSON.parse(s).type === "tick").length, 0);
  assert.equal(slow.closedWith, 1013);
  assert.ok(hub.droppedTotal() >= 10);
});

Deno.test("hub rejects invalid payloads without forwarding them", () => {
  const hub = new TickHub();
  const s = new _Socket();
  hub.add(s, "cam_01");
  hub.publish("{not json");
  hub.publish(JSON.stringify({ ...makeTick("cam_01", 1), v: 9 }));
  assert.equal(hub.rejected, 2);
  assert.equal(s.sent.length, 1); // only the initial status
});

Deno.test("hub forwards valid track and pass events but does not replay them on join", () => {
  const hub = new TickHub();
  const s = new _Socket();
  hub.add(s, "cam_01");
  const ev = {
    v: 1,
    type: "track_event",
    event: "new",
    camera: "cam_01",
    ts: 5,
    before: null,
    after: {
      id: 3,
      label: "car",
      conf: 0.7,
      bbox: [0.1, 0.1, 0.2, 0.2],
      speed_px_s: 3,
      phase: "approach",
      zone: null,
    },
  };
  hub.publish(JSON.stringify(ev));
  hub.publish(JSON.stringify({ ...ev, event: "bogus" }));
  assert.equal(JSON.parse(s.sent.at(-1)!).type, "track_event");
  assert.equal(hub.rejected, 1);
  const late = new _Socket();
  hub.add(late, "cam_01");
  assert.equal(late.sent.length, 1, "only the status; events are not latest-state");
});

Deno.test("hub frames messages with a subscriber's encoder; removing twice keeps newer subscribers", () => {
  const hub = new TickHub();
  const s = new _Socket();
  const removeA = hub.add(s, "cam_01", (kind, text) => `A:${kind}:${JSON.parse(text).seq ?? "-"}`);
  hub.add(s, "cam_02", (kind) => `B:${kind}`);
  hub.publish(JSON.stringify(makeTick("cam_01", 3)));
  hub.publish(JSON.stringify(makeTick("cam_02", 4)));
  assert.deepEqual(s.sent, [
    "A:status:-",
    "B:status",
    "A:status:-",
    "A:tick:3",
    "B:status",
    "B:tick",
  ]);
  removeA();
  const plain = new _Socket();
  hub.add(plain, "cam_01");
  removeA(); // e.g. onerror and onclose both fire
  hub.publish(JSON.stringify(makeTick("cam_01", 5)));
  assert.equal(JSON.parse(plain.sent.at(-1)!).seq, 5);
  assert.equal(hub.clientCount("cam_01"), 1);
});

Deno.test("hub: subscribing to many made-up camera ids keeps no state for them", () => {
  const hub = new TickHub();
  hub.publish(JSON.stringify(makeTick("cam_01", 1)));
  const greedy = new _Socket();
  const removers = [];
  for (let i = 0; i < 20_000; i++) removers.push(hub.add(greedy, `cam_fake_${i}`));
  assert.equal(hub.cameraCount(), 1, "only the published camera has state");
  assert.equal(JSON.parse(greedy.sent[0]).analyzer, "offline");
  for (const remove of removers) remove();
  assert.equal(hub.clientCount(), 0, "subscriptions are gone once removed");
  // A camera that starts publishing after a client joined still reaches that client.
  const early = new _Socket();
  hub.add(early, "cam_02");
  hub.publish(JSON.stringify(makeTick("cam_02", 7)));
  assert.equal(JSON.parse(early.sent.at(-1)!).seq, 7);
  assert.equal(hub.cameraCount(), 2);
});

Deno.test("hub reports a paused camera as paused (not offline) until ticks return or the analyzer goes quiet", () => {
  let now = 1000;
  const hub = new TickHub({ now: () => now, pausedStaleMs: 10_000 });
  const paused = JSON.stringify({ v: 1, type: "status", camera: "cam_01", analyzer: "paused" });
  hub.publish(JSON.stringify(makeTick("cam_01", 1)));
  const a = new _Socket();
  hub.add(a, "cam_01");
  const statuses = () =>
    a.sent.map((s) => JSON.parse(s)).filter((m) => m.type === "status").map((m) => m.analyzer);
  assert.deepEqual(statuses(), ["online"]);

  hub.publish(paused);
  assert.deepEqual(statuses(), ["online", "paused"]);
  assert.equal(hub.isPaused("cam_01"), true);
  // No ticks while paused is not an outage: the analyzer repeats "paused" every 2 s.
  for (let i = 0; i < 5; i++) {
    now += 2000;
    hub.publish(paused);
    hub.checkLiveness();
  }
  assert.deepEqual(statuses(), ["online", "paused"]);
  // A client joining now is told "paused", and gets no stale tick.
  const b = new _Socket();
  hub.add(b, "cam_01");
  assert.deepEqual(b.sent.map((s) => JSON.parse(s).analyzer), ["paused"]);

  // Resumed: the first tick says online again.
  hub.publish(JSON.stringify(makeTick("cam_01", 2)));
  assert.deepEqual(statuses(), ["online", "paused", "online"]);
  assert.equal(hub.isPaused("cam_01"), false);

  // Paused, then the analyzer stops saying so (it died): offline after pausedStaleMs.
  hub.publish(paused);
  now += 11_000;
  hub.checkLiveness();
  assert.deepEqual(statuses(), ["online", "paused", "online", "paused", "offline"]);
  // Other status values from the plane are not the analyzer's to send.
  hub.publish(JSON.stringify({ v: 1, type: "status", camera: "cam_01", analyzer: "online" }));
  assert.equal(hub.rejected, 1);
});

Deno.test("hub reports each camera's tick age and the bytes queued to its clients", () => {
  let now = 10_000;
  const hub = new TickHub({ now: () => now });
  assert.equal(hub.tickAgeMs("cam_01"), null, "no tick yet");
  hub.publish(JSON.stringify(makeTick("cam_01", 1)));
  now += 750;
  assert.equal(hub.tickAgeMs("cam_01"), 750);
  assert.deepEqual(hub.cameras(), ["cam_01"]);
  const a = new _Socket();
  const b = new _Socket();
  hub.add(a, "cam_01");
  hub.add(b, "cam_01");
  a.bufferedAmount = 300;
  b.bufferedAmount = 200;
  assert.equal(hub.queuedBytes(), 500);
  b.close();
  assert.equal(hub.queuedBytes(), 300, "a closed socket's buffer is not the relay's queue");
});
