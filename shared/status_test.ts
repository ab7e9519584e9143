import assert from "node:assert/strict";
import {
  analyzerStatusText,
  parseAnalyzerStatus,
  StatusSchema,
  videoOfflineText,
} from "./status.ts";

Deno.test("status messages as the relays send them parse with the status contract", () => {
  const online = JSON.parse(analyzerStatusText("cam_01", true));
  assert.deepEqual(online, { v: 1, type: "status", camera: "cam_01", analyzer: "online" });
  assert.equal(parseAnalyzerStatus(online), "online");
  assert.equal(parseAnalyzerStatus(JSON.parse(analyzerStatusText("cam_01", false))), "offline");
  // Runtime control: the analyzer says a camera's analysis is paused.
  assert.equal(parseAnalyzerStatus(JSON.parse(analyzerStatusText("cam_01", "paused"))), "paused");
  const video = JSON.parse(videoOfflineText("cam_02", "ffmpeg exited with code 1"));
  assert.equal(StatusSchema.safeParse(video).success, true);
  assert.equal(video.reason, "ffmpeg exited with code 1");
  // A video status is not an analyzer status.
  assert.equal(parseAnalyzerStatus(video), null);
});

Deno.test("parseAnalyzerStatus refuses what is not a v1 analyzer status", () => {
  const ok = { v: 1, type: "status", camera: "cam_01", analyzer: "online" };
  for (
    const bad of [
      { ...ok, v: 2 },
      { ...ok, analyzer: "maybe" },
      { ...ok, camera: "../etc" },
      { ...ok, type: "tick" },
      null,
      "online",
    ]
  ) assert.equal(parseAnalyzerStatus(bad), null, JSON.stringify(bad));
});
