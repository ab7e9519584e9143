import assert from "node:assert/strict";
import { ageText, liveLimitFrom, planMosaic, videoBadge } from "./mosaic_plan.ts";

Deno.test("mosaic plan: live up to the limit, then snapshots; no source = not configured", () => {
  const cams = [
    { id: "a", source: "rtsp://x/a" },
    { id: "b", source: null },
    { id: "c", source: "rtsp://x/c" },
    { id: "d", source: "rtsp://x/d", enabled: false },
    { id: "e", source: "rtsp://x/e" },
  ];
  assert.deepEqual(planMosaic(cams, 2), [
    { id: "a", kind: "live" },
    { id: "b", kind: "unconfigured" },
    { id: "c", kind: "live" },
    { id: "d", kind: "unconfigured" },
    { id: "e", kind: "snapshot" },
  ]);
  assert.deepEqual(planMosaic(cams).filter((t) => t.kind === "live").length, 3);
});

Deno.test("mosaic plan: ?live= limit is 0..64, anything else the default 9", () => {
  assert.deepEqual(liveLimitFrom(new URLSearchParams("live=2")), 2);
  assert.deepEqual(liveLimitFrom(new URLSearchParams("live=0")), 0);
  assert.deepEqual(liveLimitFrom(new URLSearchParams("live=")), 9);
  assert.deepEqual(liveLimitFrom(new URLSearchParams("live=1.5")), 9);
  assert.deepEqual(liveLimitFrom(new URLSearchParams("live=999")), 9);
  assert.deepEqual(liveLimitFrom(new URLSearchParams("")), 9);
});

Deno.test("mosaic plan: badges say what the viewer sees", () => {
  assert.deepEqual(videoBadge("live", "playing"), ["playing", "playing"]);
  assert.deepEqual(videoBadge("live", "unavailable"), ["offline", "video offline"]);
  assert.deepEqual(videoBadge("live", "at_capacity"), ["at_capacity", "stream at capacity"]);
  assert.deepEqual(videoBadge("live", null), ["connecting", "connecting"]);
  assert.deepEqual(videoBadge("unconfigured", "playing")[0], "unconfigured");
  assert.deepEqual(videoBadge("snapshot", null)[0], "snapshot");
  assert.deepEqual(ageText(4_400), "4 s ago");
  assert.deepEqual(ageText(-5), "0 s ago");
  assert.deepEqual(ageText(300_000), "5 min ago");
});
