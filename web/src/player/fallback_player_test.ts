import assert from "node:assert/strict";
import type { PlayerMode } from "../../../shared/app_config.ts";
import { FallbackPlayer } from "./fallback_player.ts";
import type { LivePlayer, PlayerStats, StateListener, VideoState } from "./player.ts";

class _Fake implements LivePlayer {
  stats: PlayerStats;
  started = false;
  stopped = false;
  constructor(readonly mode: PlayerMode, readonly emit: StateListener) {
    this.stats = {
      mode,
      state: "connecting",
      detail: "",
      lagS: 0,
      reconnects: 0,
      firstFrameMs: null,
    };
  }
  start() {
    this.started = true;
  }
  stop() {
    this.stopped = true;
  }
  videoDelay() {
    return null;
  }
  frameCaptureMs() {
    return null;
  }
  frameMediaTime() {
    return null;
  }
  set(state: VideoState, detail = "") {
    this.stats.state = state;
    this.emit(state, detail);
  }
}

function _chain(order: PlayerMode[], opts = {}) {
  const made: _Fake[] = [];
  const seen: string[] = [];
  const p = new FallbackPlayer({
    order,
    create: (mode, onState) => {
      const f = new _Fake(mode, onState);
      made.push(f);
      return f;
    },
    onState: (s, _d, m) => seen.push(`${m}:${s}`),
    connectTimeoutMs: 50,
    recoverMs: 50,
    restartMs: 50,
    ...opts,
  });
  return { p, made, seen };
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("fallback: at capacity moves on; a playing mode is kept", async () => {
  const { p, made, seen } = _chain(["whep", "hls", "mse"]);
  p.start();
  made[0].set("at_capacity", "stream at capacity");
  assert.equal(made[0].stopped, true);
  assert.equal(p.mode, "hls");
  made[1].set("playing");
  await wait(80); // past the connect timeout: a playing mode stays
  assert.equal(p.mode, "hls");
  assert.deepEqual(seen, ["whep:at_capacity", "hls:playing"]);
  assert.deepEqual(p.attempts.map((a) => `${a.mode}:${a.outcome}`), [
    "whep:stream at capacity",
    "hls:playing",
  ]);
  p.stop();
});

Deno.test("fallback: no frame in time moves on; lost video gets time to recover", async () => {
  const { p, made } = _chain(["hls", "mse"]);
  p.start();
  await wait(80);
  assert.equal(p.mode, "mse");
  made[1].set("playing");
  made[1].set("unavailable", "socket closed");
  made[1].set("playing");
  await wait(80);
  assert.equal(p.mode, "mse");
  assert.equal(made.length, 2);
  p.stop();
});

Deno.test("fallback: after the last mode fails the chain restarts from the first", async () => {
  const { p, made } = _chain(["whep", "mse"]);
  p.start();
  made[0].set("unavailable", "WHEP 404");
  made[1].set("unavailable", "closed");
  assert.equal(p.mode, "mse");
  await wait(80);
  assert.equal(p.mode, "whep");
  assert.equal(made.length, 3);
  p.stop();
});

Deno.test("fallback: a single mode is never abandoned", async () => {
  const { p, made } = _chain(["mse"]);
  p.start();
  made[0].set("unavailable", "closed");
  await wait(80);
  assert.equal(made.length, 1);
  assert.equal(made[0].stopped, false);
  p.stop();
});
