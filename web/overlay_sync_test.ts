/// <reference lib="dom" />
/**
 * Browser test, overlay timing: the overlay drawn over a displayed frame belongs to that
 * frame's capture time, within one frame interval, over WebRTC (the dev relay's WHEP) and MSE
 * (the relay's fMP4). The source's frames carry the time they were made in their pixels
 * (bench/clock_source.ts); the bench's analyzer (bench/stamp_ticks.ts) reads the relay's stream
 * with the dev analyzer's own decoder and capture clock and sends one tick per frame, so for
 * every stamp Chromium displays, the capture time the analyzer gave that frame is known. The page
 * reports, per displayed frame, the capture time its overlay draws the tick of.
 *
 * Both players are held to "the frame's own tick or its neighbour" (one frame interval, plus 2 ms
 * of rounding): in about half of the MSE runs (and one WebRTC run) the page's arrival anchor
 * settles one frame interval earlier than the analyzer's (measured bias -34, -25 ms against 0,
 * 0 ms in the others, docs/PERFORMANCE.md), so the target (< 1 frame) is not guaranteed;
 * the analyzer publishing its anchor (or the frame's PTS in the tick) would remove the guess.
 */
import assert from "node:assert/strict";
import { FPS, measurePlayer, summarize } from "../bench/glass_to_glass.ts";

const FRAME_MS = 1000 / FPS;

for (const mode of ["whep", "mse"] as const) {
  // Within one frame interval (+2 ms of timer rounding) for both players: on a quiet box WebRTC
  // drew the frame's own tick in 4/4 runs, then the previous frame's (33.3 ms) in a CI run, as
  // MSE does in about half the runs (the two earliest-arrival anchors pick different frames;
  // docs/PERFORMANCE.md "Overlay-to-video offset after automatic alignment").
  const boundMs = FRAME_MS + 2;
  Deno.test({
    name: `browser: ${mode} overlay draws each displayed frame's capture time (${"<= 1 frame"})`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const r = await measurePlayer(mode, 5, { warmupS: 2 });
      const s = summarize(r);
      console.log(JSON.stringify(s));
      // Shared CI cores drop frames; a third of the frame rate still gives a distribution.
      assert.ok(s.overlayFrames >= (FPS * 5) / 3, `frames compared: ${s.overlayFrames}`);
      assert.ok(s.perFrame >= s.frames * 0.9, `per-frame targets: ${s.perFrame}/${s.frames}`);
      assert.ok(s.synced >= s.frames * 0.9, `targets of the very frame: ${s.synced}/${s.frames}`);
      assert.ok(
        s.overlayOffsetMs.p95 <= boundMs,
        `overlay target vs the frame's capture time p95 ${s.overlayOffsetMs.p95} ms`,
      );
      assert.ok(
        s.drawnTickOffsetMs.p95 <= boundMs,
        `the tick drawn vs the frame's own: p95 ${s.drawnTickOffsetMs.p95} ms away`,
      );
    },
  });
}
