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
  const c = "center" as const;
  assert.equal(ticksAgree(tick([{ bbox: [0.45, 0.3, 0.1, 0.1], zone: "stop" }]), zones, c), true);
  assert.equal(ticksAgree(tick([{ bbox: [0.45, 0.3, 0.1, 0.1], zone: null }]), zones, c), false);
  assert.equal(ticksAgree(tick([{ bbox: [0.1, 0.3, 0.1, 0.1], zone: null }]), zones, c), true);
  assert.equal(ticksAgree(tick([{ bbox: [0.55, 0.3, 0.1, 0.1], zone: null }]), zones, c), null);
  assert.equal(ticksAgree(tick([]), zones, c), null);
});

Deno.test("ticks agree with zones on the bottom centre by default (the judged point)", () => {
  // Centre (0.5, 0.15) is above the zone, the bottom centre (0.5, 0.3) inside it.
  const t = tick([{ bbox: [0.45, 0.0, 0.1, 0.3], zone: "stop" }]);
  assert.equal(ticksAgree(t, zones), true);
  assert.equal(ticksAgree(t, zones, "bottom_center"), true);
  assert.equal(ticksAgree(t, zones, "center"), false);
});
