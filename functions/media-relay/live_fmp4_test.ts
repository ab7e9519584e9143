import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { codecFamily, ffmpegArgs, LiveFmp4Stream, type StreamEvent } from "./live_fmp4.ts";
import { findBox } from "./mp4_boxes.ts";

const SAMPLE = fileURLToPath(new URL("../../samples/vtest.mp4", import.meta.url));

function _alive(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

function _waitFor(pred: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (pred()) return resolve();
      if (Date.now() - t0 > timeoutMs) return reject(new Error(`timeout waiting for ${what}`));
      setTimeout(tick, 20);
    };
    tick();
  });
}

/** Decode time (tfdt) of a fragment, to check continuity. */
function _tfdt(frag: Uint8Array): number {
  const r = findBox(frag, ["moof", "traf", "tfdt"])!;
  const v = new DataView(frag.buffer, frag.byteOffset + r.start);
  return v.getUint8(0) === 1 ? Number(v.getBigUint64(4)) : v.getUint32(4);
}

Deno.test("ffmpeg args: looped file paced at real time, rtsp over tcp, stream copy", () => {
  const file = ffmpegArgs({ source: "a.mp4", loop: true }).join(" ");
  assert.match(file, /-re -stream_loop -1 -i a\.mp4/);
  assert.match(file, /-c copy/);
  assert.match(file, /frag_every_frame/);
  const once = ffmpegArgs({ source: "a.mp4", loop: false }).join(" ");
  assert.doesNotMatch(once, /stream_loop/);
  const rtsp = ffmpegArgs({ source: "rtsp://cam/x", loop: false }).join(" ");
  assert.match(rtsp, /-rtsp_transport tcp -i rtsp:\/\/cam\/x/);
  assert.doesNotMatch(rtsp, /-re /);
});

Deno.test("H.265 sources are transcoded to H.264, H.264 only remuxed", () => {
  const copy = ffmpegArgs({ source: "a.mp4", loop: true }).join(" ");
  assert.match(copy, /-c copy/);
  assert.doesNotMatch(copy, /libx264/);
  const tx = ffmpegArgs({ source: "a.mp4", loop: true }, { transcode: true }).join(" ");
  assert.doesNotMatch(tx, /-c copy/);
  assert.match(tx, /-c:v libx264 -preset ultrafast -tune zerolatency -g 10 .*-bf 0/);
  assert.equal(codecFamily("hvc1"), "h265");
  assert.equal(codecFamily("hev1"), "h265");
  assert.equal(codecFamily("avc1.64001f"), "h264");
  assert.equal(codecFamily("vp09"), null);
  assert.equal(codecFamily(undefined), null);
});

Deno.test("live stream: init, keyframe-first, real-time pace, late joiner, close kills ffmpeg", async () => {
  const logs: string[] = [];
  const s = new LiveFmp4Stream({
    camera: "cam_t",
    spec: { source: SAMPLE, loop: true },
    log: (m) => logs.push(m),
  });
  try {
    const a: { ev: StreamEvent; at: number }[] = [];
    const t0 = Date.now();
    s.subscribe((ev) => a.push({ ev, at: Date.now() }));
    await _waitFor(
      () => a.filter((x) => x.ev.type === "fragment").length >= 26,
      20_000,
      "26 frags",
    );
    const first = a[0].ev;
    assert.equal(first.type, "init");
    if (first.type !== "init") return;
    assert.ok(findBox(first.data, ["moov"]), "init segment has moov");
    assert.equal(first.mime, 'video/mp4; codecs="avc1.4d401f"');
    const frags = a.filter((x) => x.ev.type === "fragment");
    const f0 = frags[0].ev;
    assert.ok(f0.type === "fragment" && f0.keyframe, "first fragment is a keyframe");
    const firstMs = frags[0].at - t0;
    // Pace: 10 fps source with -re -> frames 5..25 span ~2 s of wall time, never less (a file
    // read at full speed bursts them in ~50 ms); a starved ffmpeg may take longer.
    const spanMs = frags[25].at - frags[5].at;
    assert.ok(spanMs > 1500 && spanMs < 6000, `20 frames took ${spanMs} ms (want ~2000)`);
    const dts = frags.map((x) => x.ev.type === "fragment" ? _tfdt(x.ev.data) : -1);
    for (let i = 1; i < dts.length; i++) assert.ok(dts[i] > dts[i - 1], "timestamps increase");
    console.log(`first fragment after ${firstMs} ms; 20 frames in ${spanMs} ms`);

    // A late joiner gets init + the fragments since the latest keyframe immediately.
    const b: StreamEvent[] = [];
    const unsubB = s.subscribe((ev) => b.push(ev));
    assert.equal(b[0]?.type, "init", "late joiner gets init synchronously");
    const b1 = b[1];
    assert.ok(b1?.type === "fragment" && b1.keyframe, "late joiner starts at a keyframe");
    assert.ok(b.length <= 11, `backlog bounded by the GOP (${b.length - 1} fragments)`);
    unsubB();

    const pid = s.pid!;
    assert.ok(_alive(pid));
    await s.close();
    assert.equal(_alive(pid), false, "ffmpeg gone after close()");
    assert.equal(s.pid, undefined);
    assert.ok(logs.some((l) => l.includes(`pid ${pid}`)));
  } finally {
    await s.close();
  }
});

Deno.test("live stream: stops ffmpeg after the last subscriber leaves, restarts on demand", async () => {
  const s = new LiveFmp4Stream({
    camera: "cam_t",
    spec: { source: SAMPLE, loop: true },
    idleStopMs: 200,
    log: () => {},
  });
  try {
    const got: StreamEvent[] = [];
    const unsub = s.subscribe((ev) => got.push(ev));
    await _waitFor(() => got.some((e) => e.type === "fragment"), 5000, "a fragment");
    const pid = s.pid!;
    unsub();
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(_alive(pid), "still running within the idle grace period");
    await _waitFor(() => !_alive(pid) && s.pid === undefined, 3000, "idle stop");
    const again: StreamEvent[] = [];
    s.subscribe((ev) => again.push(ev));
    await _waitFor(() => again.some((e) => e.type === "fragment"), 5000, "restart on demand");
    assert.equal(again[0].type, "init");
    assert.equal(s.stats.generation, 2);
  } finally {
    await s.close();
  }
});

Deno.test("live stream: a failing source restarts with backoff and never leaks credentials", async () => {
  const logs: string[] = [];
  // Port 1 on localhost refuses at once: ffmpeg exits non-zero quickly.
  const s = new LiveFmp4Stream({
    camera: "cam_t",
    spec: { source: "rtsp://admin:hunter2@127.0.0.1:1/stream?token=abc123", loop: false },
    restartMinMs: 50,
    restartMaxMs: 200,
    log: (m) => logs.push(m),
  });
  try {
    const ends: StreamEvent[] = [];
    s.subscribe((ev) => ev.type === "end" && ends.push(ev));
    await _waitFor(() => ends.length >= 3, 10_000, "three failed runs");
    for (const e of ends) assert.ok(e.type === "end" && !e.final, "failure is not final");
    const text = JSON.stringify(ends) + logs.join("\n");
    assert.doesNotMatch(text, /hunter2|abc123/);
    assert.match(logs.join("\n"), /restart in/);
  } finally {
    await s.close();
  }
  assert.equal(s.pid, undefined);
});

Deno.test("live stream: a non-looping file ends with a final end event", async () => {
  const dir = await Deno.makeTempDir();
  const clip = `${dir}/short.mp4`;
  const cut = await new Deno.Command("ffmpeg", {
    args: ["-v", "error", "-i", SAMPLE, "-t", "1", "-c", "copy", clip],
  }).output();
  assert.ok(cut.success);
  const s = new LiveFmp4Stream({ camera: "c", spec: { source: clip, loop: false }, log: () => {} });
  try {
    const evs: StreamEvent[] = [];
    s.subscribe((ev) => evs.push(ev));
    await _waitFor(() => evs.some((e) => e.type === "end"), 5000, "end");
    const end = evs.at(-1)!;
    assert.ok(end.type === "end" && end.final);
    assert.equal(evs.filter((e) => e.type === "fragment").length, 10);
  } finally {
    await s.close();
    await Deno.remove(dir, { recursive: true });
  }
});
