import assert from "node:assert/strict";
import { ANCHOR_AGREE_MS, TickMediaIndex } from "./media_match.ts";

const FRAME_MS = 1000 / 30;
/** The analyzer's anchor: capture time of stream time 0. */
const ANCHOR = 1_700_000_000_000;

/** Ticks of frames `from`..`to` (every `step`-th) at 30 fps, on the analyzer's clock. */
function ticks(index: TickMediaIndex, from: number, to: number, step = 1, anchor = ANCHOR) {
  for (let n = from; n <= to; n += step) {
    const media = Math.round(n * FRAME_MS * 1000) / 1000;
    // The analyzer rounds ts to whole ms (tick_builder.ts): the exact tick is its own ts.
    index.push({ ts: Math.round(anchor + n * FRAME_MS), media_ms: media });
  }
}

Deno.test("TickMediaIndex: a frame with its own tick gets that tick's ts, even with the estimate a frame off", () => {
  const index = new TickMediaIndex();
  ticks(index, 0, 100);
  const media = 50 * FRAME_MS;
  // The browser's arrival anchor picked the neighbouring frame (the bug this replaces).
  const estimate = ANCHOR + media - FRAME_MS;
  assert.equal(index.captureMs({ ms: media + 0.0004 }, estimate), Math.round(ANCHOR + media));
  assert.equal(index.lastMatch, "tick");
});

Deno.test("TickMediaIndex: a frame the analyzer skipped gets the nearest tick's anchor", () => {
  const index = new TickMediaIndex();
  ticks(index, 0, 90, 3); // 10 ticks/s on 30 fps video
  const media = 31 * FRAME_MS;
  const got = index.captureMs({ ms: media }, ANCHOR + media + 20)!;
  assert.ok(Math.abs(got - (ANCHOR + media)) <= 0.5, `${got - ANCHOR - media} ms off`);
  assert.equal(index.lastMatch, "anchor");
});

Deno.test("TickMediaIndex: RTP time (mod 2^32 at 90 kHz) matches the tick's full stream time", () => {
  const wrapMs = 2 ** 32 / 90;
  const index = new TickMediaIndex();
  // Stream time past one RTP wrap (13.3 h in).
  const n0 = Math.ceil(wrapMs / FRAME_MS) + 5;
  ticks(index, n0, n0 + 30);
  const full = (n0 + 10) * FRAME_MS;
  const rtp = Math.round(full * 90) % 2 ** 32;
  const estimate = ANCHOR + full + 30;
  assert.equal(index.captureMs({ ms: rtp / 90, wrapMs }, estimate), Math.round(ANCHOR + full));
  assert.equal(index.lastMatch, "tick");
});

Deno.test("TickMediaIndex: ticks of another timeline (relay restart, random RTP base) leave the estimate", () => {
  const index = new TickMediaIndex();
  // The relay's previous run: stream time 0.. started 60 s earlier.
  ticks(index, 0, 300, 1, ANCHOR - 60_000);
  const media = 100 * FRAME_MS;
  const estimate = ANCHOR + media;
  assert.equal(index.captureMs({ ms: media }, estimate), estimate);
  assert.equal(index.lastMatch, "estimate");
  // The new run's ticks arrive: the frame finds its own among both runs' ticks.
  ticks(index, 0, 120);
  assert.equal(index.captureMs({ ms: media }, estimate + 30), Math.round(ANCHOR + media));
  assert.equal(index.lastMatch, "tick");
  // A frame time with an unrelated (random) base agrees with no tick.
  const far = index.captureMs({ ms: media + 5 * ANCHOR_AGREE_MS }, estimate);
  assert.equal(far, estimate);
  // No estimate (the player cannot tell at all): unknown, not guessed from ticks alone.
  assert.equal(index.captureMs({ ms: media }, null), null);
  // Ticks without a stream time (an analyzer without -copyts, older ticks) are ignored.
  const bare = new TickMediaIndex();
  bare.push({ ts: ANCHOR });
  assert.equal(bare.captureMs({ ms: 0 }, ANCHOR + 5), ANCHOR + 5);
});
