import assert from "node:assert/strict";
import { initialStats, LivePlayerBase } from "./live_player_base.ts";
import type { PlayerStats, VideoDelay, VideoState } from "./player.ts";

/** The parts of a video element the base reads, plus its events. */
class _FakeVideo extends EventTarget {
  currentTime = 0;
  paused = true;
  readyState = 0;
  play(): Promise<void> {
    return Promise.resolve();
  }
}

interface _TestStats extends PlayerStats {
  teardowns: number;
}

/** The smallest player: counts connects and teardowns, and lets the test drive state. */
class _TestPlayer extends LivePlayerBase<_TestStats> {
  readonly mode = "mse" as const;
  readonly fake: _FakeVideo;
  readonly seen: string[];
  connects = 0;

  /** `controlMs`: the control loop's period (long: only video events judge progress). */
  constructor(controlMs = 5) {
    const seen: string[] = [];
    const fake = new _FakeVideo();
    super(fake as unknown as HTMLVideoElement, { ...initialStats("mse"), teardowns: 0 }, {
      onState: (s, d) => seen.push(d ? `${s}:${d}` : s),
      reconnectMinMs: 5,
      reconnectMaxMs: 10,
    }, controlMs);
    this.fake = fake;
    this.seen = seen;
  }

  videoDelay(): VideoDelay | null {
    return null;
  }

  set(state: VideoState, detail?: string): void {
    this.setState(state, detail);
  }

  breaks(detail: string, state?: VideoState): void {
    this.fail(detail, state);
  }

  get attempts(): number {
    return this.backoff.attempts;
  }

  protected connect(): void {
    this.connects++;
  }

  protected teardown(): void {
    this.info.teardowns++;
  }

  protected control(): void {
    this.checkProgress();
  }
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("live player: a state is reported once per change", () => {
  const p = new _TestPlayer();
  p.set("connecting"); // the initial state: nothing to report
  p.set("playing");
  p.set("playing");
  p.set("unavailable", "gone");
  p.set("unavailable", "gone");
  p.set("unavailable", "still gone");
  assert.deepEqual(p.seen, ["playing", "unavailable:gone", "unavailable:still gone"]);
  assert.equal(p.stats.state, "unavailable");
  assert.equal(p.stats.detail, "still gone");
});

Deno.test("live player: fail() while running reconnects exactly once", async () => {
  const p = new _TestPlayer();
  p.start();
  p.start(); // already running: no second connect
  assert.equal(p.connects, 1);
  p.breaks("socket closed");
  p.breaks("socket closed"); // the second failure replaces the first retry
  assert.equal(p.stats.state, "unavailable");
  assert.deepEqual(p.seen, ["unavailable:socket closed"]);
  await wait(40);
  assert.equal(p.connects, 2);
  assert.equal(p.stats.reconnects, 1);
  assert.equal(p.stats.teardowns, 2);
  p.stop();
});

Deno.test("live player: fail() after stop() tears down but schedules nothing", async () => {
  const p = new _TestPlayer();
  p.start();
  p.stop();
  p.breaks("late error", "at_capacity");
  await wait(30);
  assert.equal(p.connects, 1);
  assert.equal(p.stats.reconnects, 0);
  assert.equal(p.stats.state, "connecting");
  assert.deepEqual(p.seen, []);
  assert.equal(p.stats.teardowns, 2);
});

Deno.test("live player: stop() is safe twice, also before start()", () => {
  const p = new _TestPlayer();
  p.stop();
  p.start();
  p.stop();
  p.stop();
  assert.equal(p.stats.teardowns, 3);
});

Deno.test("live player: progress shows playing, records the first frame and resets backoff", async () => {
  const p = new _TestPlayer();
  p.start();
  p.breaks("blip");
  assert.equal(p.attempts, 1);
  await wait(30); // reconnected
  Object.assign(p.fake, { paused: false, readyState: 4, currentTime: 1 });
  await wait(30); // a control tick or more
  p.stop();
  assert.equal(p.stats.state, "playing");
  assert.equal(p.attempts, 0);
  assert.equal(typeof p.stats.firstFrameMs, "number");
  assert.deepEqual(p.seen, ["unavailable:blip", "playing"]);
});

Deno.test("live player: the video's playing event shows playing before the next control tick", () => {
  const p = new _TestPlayer(60_000);
  p.start();
  Object.assign(p.fake, { paused: false, readyState: 4, currentTime: 0.6 });
  p.fake.dispatchEvent(new Event("playing"));
  assert.equal(p.stats.state, "playing");
  assert.deepEqual(p.seen, ["playing"]);
  p.stop();
  // Stopped: the listeners are gone, so a stalled video after stop() reports nothing.
  p.set("connecting");
  p.fake.currentTime = 0.9;
  p.fake.dispatchEvent(new Event("timeupdate"));
  assert.equal(p.stats.state, "connecting");
  assert.deepEqual(p.seen, ["playing", "connecting"]);
});
