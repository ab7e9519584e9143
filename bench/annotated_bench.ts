/**
 * CPU cost of one camera's annotated stream (issue #14 §6): drawing in TypeScript plus the
 * annotate ffmpeg (rawvideo -> libx264 ultrafast zerolatency), per frame size and rate, fed at
 * real time for `--seconds` (default 10) into MPEG-TS on /dev/null, with the frames of the sample
 * street scene (samples/vtest.mp4) scaled to each size. Prints a Markdown table:
 * copy + draw ms/frame (p50), ffmpeg CPU % of one core (utime+stime from /proc), frames sent/dropped.
 *
 *   deno run -A bench/annotated_bench.ts [--seconds 10]
 */
import { AnnotatedStream } from "../analyzer/annotate/annotated_stream.ts";
import { type AnnotatedTrack, annotateFrame } from "../analyzer/annotate/draw.ts";

const at = Deno.args.indexOf("--seconds");
const seconds = at >= 0 ? Number(Deno.args[at + 1]) : 10;
const CLOCK_TICKS_PER_S = 100;

function _cpuTicks(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]); // utime + stime (fields 14, 15)
}

/** 60 frames of the sample street scene (real motion for the encoder), scaled to the size. */
async function _sceneFrames(width: number, height: number): Promise<Uint8Array[]> {
  const sample = new URL("../samples/vtest.mp4", import.meta.url).pathname;
  const out = await new Deno.Command("ffmpeg", {
    args: [
      ...["-v", "error", "-i", sample, "-frames:v", "60", "-vf", `scale=${width}:${height}`],
      ...["-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"],
    ],
    stderr: "inherit",
  }).output();
  const size = width * height * 3;
  const frames: Uint8Array[] = [];
  for (let at = 0; at + size <= out.stdout.length; at += size) {
    frames.push(out.stdout.slice(at, at + size));
  }
  return frames;
}

async function _run(width: number, height: number, fps: number) {
  const stream = new AnnotatedStream({
    camera: "bench",
    target: "/dev/null",
    fps,
    log: () => {},
  });
  const frames = await _sceneFrames(width, height);
  const frame = { width, height, data: frames[0] };
  const tracks: AnnotatedTrack[] = Array.from({ length: 6 }, (_, k) => ({
    id: k + 1,
    box: [width * (0.05 + 0.15 * k), height * 0.4, width * 0.12, height * 0.15],
    phase: k % 2 ? "stopped" : "in_zone",
    stop_s: k % 2 ? 1.2 : null,
  }));
  const zone: [number, number][] = [[0.3, 0.5], [0.7, 0.5], [0.8, 0.9], [0.2, 0.9]];
  const drawMs: number[] = [];
  const intervalMs = 1000 / fps;
  // Start ffmpeg, then measure from its first frame.
  stream.offer(frame);
  while (stream.pid === undefined) await new Promise((r) => setTimeout(r, 20));
  const pid = stream.pid;
  const startTicks = _cpuTicks(pid);
  const startedAt = performance.now();
  let next = startedAt;
  for (let n = 0; performance.now() - startedAt < seconds * 1000; n++) {
    frame.data = frames[n % frames.length];
    // The analyzer's share: copy + draw + handing to ffmpeg (a dropped frame costs ~0).
    const t0 = performance.now();
    if (stream.offer(frame, (img) => annotateFrame(img, { tracks, stopZone: zone }))) {
      drawMs.push(performance.now() - t0);
    }
    next += intervalMs;
    await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
  }
  const elapsedS = (performance.now() - startedAt) / 1000;
  const cpuPct = ((_cpuTicks(pid) - startTicks) / CLOCK_TICKS_PER_S) / elapsedS * 100;
  const { sent, dropped } = stream.stats;
  await stream.close();
  drawMs.sort((a, b) => a - b);
  const p50 = drawMs[Math.floor(drawMs.length / 2)] ?? 0;
  return { p50, cpuPct, sent, dropped };
}

console.log(`annotated stream, ${seconds} s per row, ${navigator.hardwareConcurrency} cores`);
console.log(
  "| frame | fps | copy + draw ms/frame p50 | ffmpeg CPU (% of a core) | sent | dropped |",
);
console.log("|---|---|---|---|---|---|");
for (const [w, h, fps] of [[640, 360, 10], [1280, 720, 10], [1280, 720, 15], [1920, 1080, 10]]) {
  const r = await _run(w, h, fps);
  console.log(
    `| ${w}x${h} | ${fps} | ${r.p50.toFixed(2)} | ${
      r.cpuPct.toFixed(0)
    } | ${r.sent} | ${r.dropped} |`,
  );
}
