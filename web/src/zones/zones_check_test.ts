import assert from "node:assert/strict";
import type { Tick } from "../../../shared/tick.ts";
import { pointInPolygon, ticksAgree } from "./zones_check.ts";

const SQUARE: [number, number][] = [[0.4, 0.2], [0.6, 0.2], [0.6, 0.6], [0.4, 0.6]];
const zones = { stop_zone: SQUARE };
const tick = (tracks: Partial<Tick["tracks"][0]>[]) =>
  ({ tracks: tracks.map((t) => ({ id: 1, label: "car", conf: 1, ...t })) }) as Tick;

Deno.test("point in polygon", () => {
  assert.equal(pointInPolygon([0.5, 0.4], SQUARE), true);
  assert.equal(pointInPolygon([0.3, 0.4], SQUARE), false);
});

Deno.test("ticks agree with zones: inside <=> zone set; edge tracks tell nothing", () => {
  assert.equal(ticksAgree(tick([{ bbox: [0.45, 0.3, 0.1, 0.1], zone: "stop" }]), zones), true);
  assert.equal(ticksAgree(tick([{ bbox: [0.45, 0.3, 0.1, 0.1], zone: null }]), zones), false);
  assert.equal(ticksAgree(tick([{ bbox: [0.1, 0.3, 0.1, 0.1], zone: null }]), zones), true);
  assert.equal(ticksAgree(tick([{ bbox: [0.55, 0.3, 0.1, 0.1], zone: null }]), zones), null);
  assert.equal(ticksAgree(tick([]), zones), null);
});
