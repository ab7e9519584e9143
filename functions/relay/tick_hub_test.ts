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
