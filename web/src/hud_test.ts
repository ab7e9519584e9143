import assert from "node:assert/strict";
import type { Tick } from "../../shared/tick.ts";
import {
  ANALYZER_SILENT_MS,
  analyzerOnline,
  detectedShareText,
  metaAgeText,
  videoDelayText,
  videoStateText,
} from "./hud.ts";

Deno.test("analyzer online needs recent ticks and no offline status", () => {
  assert.equal(analyzerOnline(undefined, undefined, 1000), false);
  assert.equal(analyzerOnline("online", undefined, 1000), false);
  assert.equal(analyzerOnline("online", 900, 1000), true);
  assert.equal(analyzerOnline(undefined, 900, 1000), true);
  assert.equal(analyzerOnline("offline", 900, 1000), false);
  assert.equal(analyzerOnline("paused", 900, 1000), false);
  assert.equal(analyzerOnline("online", 1000, 1000 + ANALYZER_SILENT_MS + 1), false);
});

Deno.test("hud texts", () => {
  assert.equal(videoStateText("unavailable"), "video unavailable");
  assert.equal(videoStateText("playing"), "playing");
  assert.equal(videoStateText("at_capacity"), "stream at capacity");
  assert.equal(videoDelayText(null), "–");
  assert.equal(videoDelayText({ ms: 181.6, source: "estimate" }), "≈ 182 ms");
  assert.equal(videoDelayText({ ms: 140, source: "pdt" }), "140 ms (pdt)");
  assert.equal(metaAgeText(undefined, 0), "–");
  assert.equal(metaAgeText({ ts: 1000 } as Tick, 1120.4), "120 ms");
});

Deno.test("hud: the share of frames the detector ran on (motion gating)", () => {
  const tick = (detected_share?: number) =>
    ({ stats: { fps: 10, infer_ms: 20, lag_ms: 0, dropped: 0, detected_share } }) as Tick;
  assert.equal(detectedShareText(undefined), "–");
  assert.equal(detectedShareText(tick()), "–", "an analyzer that does not report it");
  assert.equal(detectedShareText(tick(1)), "100 %");
  assert.equal(detectedShareText(tick(0.354)), "35 %");
  assert.equal(detectedShareText(tick(0)), "0 %");
});
