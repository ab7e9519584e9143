import assert from "node:assert/strict";
import { MqttOutbox, type OutMessage } from "./outbox.ts";

const ev = (n: number): OutMessage => ({
  topic: "s/c/pass",
  payload: `p${n}`,
  qos: 1,
  retain: false,
});
const st = (topic: string, payload: string): OutMessage => ({
  topic,
  payload,
  qos: 1,
  retain: true,
});

function drain(o: MqttOutbox): string[] {
  const out: string[] = [];
  for (let m = o.peek(); m; m = o.peek()) {
    out.push(m.payload);
    o.delivered(m);
  }
  return out;
}

Deno.test("outbox: events in order, bounded, the oldest evicted and counted", () => {
  const o = new MqttOutbox(3);
  for (let i = 0; i < 5; i++) o.addEvent(ev(i));
  assert.equal(o.dropped, 2);
  assert.equal(o.size, 3);
  assert.deepEqual(drain(o), ["p2", "p3", "p4"]);
  assert.equal(o.size, 0);
});

Deno.test("outbox: state is latest per topic and goes before events", () => {
  const o = new MqttOutbox();
  o.addEvent(ev(0));
  o.setState(st("s/c/status", "old"));
  o.setState(st("s/available", "online"));
  o.setState(st("s/c/status", "new"));
  assert.equal(o.dropped, 0, "replaced state is not a loss");
  assert.deepEqual(drain(o), ["online", "new", "p0"]);
});

Deno.test("outbox: a state message replaced while in flight is still sent afterwards", () => {
  const o = new MqttOutbox();
  o.setState(st("s/c/status", "v1"));
  const inFlight = o.peek()!;
  o.setState(st("s/c/status", "v2"));
  o.delivered(inFlight);
  assert.deepEqual(drain(o), ["v2"]);
});

Deno.test("outbox: an event not delivered stays at the head", () => {
  const o = new MqttOutbox();
  o.addEvent(ev(0));
  o.addEvent(ev(1));
  assert.equal(o.peek()!.payload, "p0");
  assert.equal(o.peek()!.payload, "p0", "peek does not remove");
  assert.throws(() => new MqttOutbox(0));
});
