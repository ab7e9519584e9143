/**
 * The glass-to-glass harness itself (not a benchmark: no latency target is asserted here): in
 * Chromium, over the dev relay's WebRTC, every displayed frame's stamp is read and gives a
 * plausible delay. A misread stamp would give a random 32-bit delay; a reader that never reads
 * would give no frames.
 */
import assert from "node:assert/strict";
import { FPS, measurePlayer, percentile, summarize } from "./glass_to_glass.ts";

Deno.test({
  name: "glass-to-glass harness: WebRTC frames in Chromium carry readable, plausible stamps",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const seconds = 3;
    const r = await measurePlayer("whep", seconds, { warmupS: 1 });
    const s = summarize(r);
    console.log(JSON.stringify(s));
    // Shared CI cores drop frames; a third of the frame rate still proves the reader runs.
    assert.ok(r.samples.length >= (FPS * seconds) / 3, `frames read: ${r.samples.length}`);
    assert.ok(r.unreadable <= r.samples.length / 10, `unreadable: ${r.unreadable}`);
    for (const f of r.samples) {
      // Clocks on one machine: a frame is never shown before it was made (a few ms of
      // rounding aside), and never minutes later.
      assert.ok(f.latencyMs > -20 && f.latencyMs < 5_000, `delay ${f.latencyMs} ms`);
    }
    assert.ok(r.samples.some((f) => f.perFrame), "the overlay target is sampled per frame");
    assert.ok(r.captureOf.size > 0, "the bench's analyzer decoded stamped frames");
  },
});

Deno.test("percentile is nearest-rank", () => {
  const v = Array.from({ length: 100 }, (_, i) => 100 - i);
  assert.equal(percentile(v, 50), 50);
  assert.equal(percentile(v, 95), 95);
  assert.equal(percentile(v, 99), 99);
  assert.equal(percentile([7], 99), 7);
  assert.ok(Number.isNaN(percentile([], 50)));
});
